"""Reading the clause library."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select

from nrhub.clauses.models import Clause, ClauseKind
from nrhub.errors import NotFoundError
from nrhub.extensions import db


def list_clauses(kind: ClauseKind | None = None, theme: str | None = None) -> Sequence[Clause]:
    """Every clause, social first then environmental, by theme and title."""
    query = select(Clause).order_by(Clause.kind.desc(), Clause.theme, Clause.title)
    if kind is not None:
        query = query.where(Clause.kind == kind)
    if theme:
        query = query.where(Clause.theme == theme)
    return db.session.execute(query).scalars().all()


def get_clause(clause_id: int) -> Clause:
    clause = db.session.get(Clause, clause_id)
    if clause is None:
        raise NotFoundError(_("Clause introuvable."))
    return clause
