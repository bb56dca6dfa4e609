"""Clause rules shared by campaigns, the ledger and open data."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.clauses import policy
from nrhub.clauses.models import Clause, ClauseForm, ClauseKind, ClauseStrength, ClauseTheme
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, ValidationError
from nrhub.extensions import db

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


@dataclass(frozen=True)
class ClauseData:
    """What a coordinator types to create or edit a clause."""

    title: str
    text: str
    kind: ClauseKind
    form: ClauseForm
    strength: ClauseStrength
    theme: ClauseTheme
    source: str = ""


def _values(data: ClauseData) -> dict[str, object]:
    title = data.title.strip()
    text = data.text.strip()
    if not title:
        raise ValidationError(_("Indiquez un titre."), field="title")
    if not text:
        raise ValidationError(_("Indiquez le texte de la clause."), field="text")
    return {
        "title": title,
        "text": text,
        "kind": ClauseKind(data.kind),
        "form": ClauseForm(data.form),
        "strength": ClauseStrength(data.strength),
        "theme": ClauseTheme(data.theme),
        "source": data.source.strip(),
    }


def version_of(clause: Clause) -> str:
    """What an edit form carries to say which state of the clause it started from."""
    return clause.updated_at.isoformat()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split()
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 32:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "clause"


def _unique_code(title: str) -> str:
    base = _slug(title)
    taken = set(
        db.session.execute(select(Clause.code).where(Clause.code.like(f"{base}%"))).scalars()
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def create_clause(data: ClauseData, *, by: User) -> Clause:
    """A coordinator adds a clause to the shared library."""
    require(policy.can_edit_clauses(by))
    clause = Clause(**_values(data))
    clause.code = _unique_code(clause.title)
    db.session.add(clause)
    db.session.flush()
    record("clause.created", clause, by=by, title=clause.title)
    return clause


def update_clause(
    clause: Clause, data: ClauseData, *, by: User, version: str | None = None
) -> Clause:
    """A coordinator corrects a clause; campaigns already using it see the new text.

    The edit applies to the state of the clause it started from (``version``, carried by
    the form, else the state read now), in one conditional UPDATE: of two coordinators
    editing the same clause, the second is told instead of silently undoing the first.
    """
    require(policy.can_edit_clauses(by))
    values = _values(data)
    conflict = ConflictError(
        _(
            "Cette clause vient d'être modifiée par quelqu'un d'autre : rechargez la page "
            "pour repartir de sa version actuelle."
        )
    )
    if version is not None and version != version_of(clause):
        raise conflict
    values["updated_at"] = utcnow()
    moved = db.session.execute(
        update(Clause)
        .where(Clause.id == clause.id, Clause.updated_at == clause.updated_at)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(moved) != 1:
        raise conflict
    for name, value in values.items():
        set_committed_value(clause, name, value)
    record("clause.updated", clause, by=by, title=clause.title)
    db.session.flush()
    return clause
