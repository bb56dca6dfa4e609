"""Reading the ledger and the targets."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from nrhub.catalog.models import LEGAL_CATEGORY_IT, Category
from nrhub.clauses.models import Clause
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.ledger.models import LegalTarget, SpendEntry, SpendOrigin, TargetKind


def list_entries(
    buyer_id: int,
    year: int,
    *,
    origin: SpendOrigin | None = None,
    category_id: int | None = None,
) -> Sequence[SpendEntry]:
    """A buyer's ledger rows of one year, newest first, with category and clauses."""
    query = (
        select(SpendEntry)
        .where(SpendEntry.buyer_id == buyer_id, SpendEntry.year == year)
        .options(selectinload(SpendEntry.category), selectinload(SpendEntry.clauses))
        .order_by(SpendEntry.spent_on.desc(), SpendEntry.id.desc())
    )
    if origin is not None:
        query = query.where(SpendEntry.origin == origin)
    if category_id is not None:
        query = query.where(SpendEntry.category_id == category_id)
    return db.session.execute(query).scalars().all()


def get_entry_for(buyer_id: int, entry_id: int) -> SpendEntry:
    """One of the buyer's rows (404 for another organisation's), with its clauses."""
    entry = db.session.execute(
        select(SpendEntry)
        .where(SpendEntry.id == entry_id, SpendEntry.buyer_id == buyer_id)
        .options(selectinload(SpendEntry.clauses), selectinload(SpendEntry.category))
    ).scalar_one_or_none()
    if entry is None:
        raise NotFoundError(_("Dépense introuvable."))
    return entry


def list_categories() -> Sequence[Category]:
    return (
        db.session.execute(select(Category).order_by(Category.sort_order, Category.id))
        .scalars()
        .all()
    )


def list_clauses() -> Sequence[Clause]:
    return db.session.execute(select(Clause).order_by(Clause.kind, Clause.title)).scalars().all()


def list_targets() -> Sequence[LegalTarget]:
    return (
        db.session.execute(
            select(LegalTarget).order_by(
                LegalTarget.kind, LegalTarget.legal_category, LegalTarget.first_year
            )
        )
        .scalars()
        .all()
    )


def get_target(target_id: int) -> LegalTarget:
    target = db.session.get(LegalTarget, target_id)
    if target is None:
        raise NotFoundError(_("Objectif introuvable."))
    return target


def targets_for_year(
    year: int, legal_category: str = LEGAL_CATEGORY_IT
) -> dict[TargetKind, LegalTarget]:
    """The target of each kind that applies in ``year``: the row with the latest first
    year not after it (one statement)."""
    return targets_by_legal_category(year, legal_category).get(legal_category, {})


def targets_by_legal_category(
    year: int, legal_category: str | None = None
) -> dict[str, dict[TargetKind, LegalTarget]]:
    """:func:`targets_for_year` of every legal category (or of one), in one statement."""
    query = (
        select(LegalTarget)
        .where(LegalTarget.first_year <= year)
        .order_by(LegalTarget.legal_category, LegalTarget.first_year)
    )
    if legal_category is not None:
        query = query.where(LegalTarget.legal_category == legal_category)
    found: dict[str, dict[TargetKind, LegalTarget]] = {}
    for target in db.session.execute(query).scalars():
        # later first years overwrite earlier ones
        found.setdefault(target.legal_category, {})[TargetKind(target.kind)] = target
    return found


def years_with_spend(buyer_id: int | None = None) -> list[int]:
    # The rollups hold the same years as the ledger, in fewer rows: a buyer's per year, the
    # hub's per department and category (400 rows for three years with a million ledger
    # lines, against 6,000 per buyer and 66,000 in the detailed summary).
    from nrhub.ledger.models import SpendBuyerSummary, SpendDepartmentSummary

    if buyer_id is None:
        d = SpendDepartmentSummary
        return list(db.session.execute(select(d.year).distinct().order_by(d.year.desc())).scalars())
    b = SpendBuyerSummary
    query = select(b.year).where(b.buyer_id == buyer_id).distinct().order_by(b.year.desc())
    return list(db.session.execute(query).scalars())
