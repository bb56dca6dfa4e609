"""Clause rules shared by campaigns, the ledger and open data."""

from __future__ import annotations

from collections.abc import Iterable

from nrhub.clauses.models import Clause, ClauseKind

NO_SOCIAL = "Pas de considération sociale"
NO_ENVIRONMENTAL = "Pas de considération environnementale"

# When a contract carries several clauses of one kind, the strongest DECP value is kept.
_SOCIAL_PRIORITY = ("Marché réservé", "Clause sociale", "Critère social")
_ENVIRONMENTAL_PRIORITY = ("Clause environnementale", "Critère environnemental")


def decp_considerations(clauses: Iterable[Clause]) -> tuple[str, str]:
    """The (considerationsSociales, considerationsEnvironnementales) values of a contract."""
    clauses = list(clauses)
    social = {c.decp_value for c in clauses if c.kind == ClauseKind.SOCIAL}
    environmental = {c.decp_value for c in clauses if c.kind == ClauseKind.ENVIRONMENTAL}
    return (
        next((v for v in _SOCIAL_PRIORITY if v in social), NO_SOCIAL),
        next((v for v in _ENVIRONMENTAL_PRIORITY if v in environmental), NO_ENVIRONMENTAL),
    )
