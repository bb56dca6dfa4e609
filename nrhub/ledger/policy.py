"""Who may declare spending and set the legal targets.

``None`` when the person may act, else the reason; services raise it
(:func:`nrhub.access.require`), pages ask ``can("verb")``.
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import rule
from nrhub.auth.models import User
from nrhub.ledger.models import SpendEntry


@rule("declare_spend")
def can_declare_spend(person: User) -> str | None:
    """Buyers declare what they bought outside the hub (and donations received)."""
    if not person.is_buyer:
        return _("Seules les collectivités acheteuses déclarent des dépenses.")
    return None


@rule("edit_spend", SpendEntry)
def can_edit_spend(person: User, entry: SpendEntry) -> str | None:
    """A declared row is corrected or deleted by its own buyer only."""
    if refusal := can_declare_spend(person):
        return refusal
    if entry.buyer_id != person.organisation_id:
        return _("Cette dépense n'est pas la vôtre.")
    return None


@rule("edit_targets")
def can_edit_targets(person: User) -> str | None:
    """The legal targets (reuse shares by year) are the hub's to maintain."""
    if not person.is_coordinator:
        return _("Seule la centrale modifie les objectifs légaux.")
    return None
