"""Seeds the clause library from ``nrhub/data/clauses.json`` (keyed by ``code``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nrhub.clauses.models import Clause
from nrhub.reference_files import read_data, reference_loader


@reference_loader
def load_clauses(session: Session) -> None:
    """Insert the seeded clauses that are missing; a coordinator's edits are kept."""
    existing = set(session.execute(select(Clause.code).where(Clause.code.is_not(None))).scalars())
    for row in read_data("clauses.json"):
        if row["code"] not in existing:
            session.add(Clause(**row))
