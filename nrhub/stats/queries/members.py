"""Each member against its reuse target (the coordinator's members table)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, bindparam, case, cast, func, select

from nrhub.catalog.models import LEGAL_CATEGORY_IT, Category
from nrhub.extensions import db
from nrhub.ledger.models import SpendSummary
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from nrhub.stats.queries.common import euros, share


@dataclass(frozen=True)
class MemberRow:
    buyer_id: int
    name: str
    siret: str
    department_code: str
    it_spend: Decimal
    reuse_spend: Decimal
    donation_spend: Decimal
    target_percent: Decimal | None

    @cached_property
    def reuse_share(self) -> Decimal | None:
        return share(self.reuse_spend, self.it_spend)

    @cached_property
    def gap(self) -> Decimal | None:
        return reuse_gap(self.it_spend, self.reuse_spend, self.target_percent)

    @cached_property
    def meets_target(self) -> bool | None:
        return None if self.gap is None or not self.it_spend else self.gap == 0


def reuse_gap(
    it_spend: Decimal, reuse_spend: Decimal, target_percent: Decimal | None
) -> Decimal | None:
    """Reuse spend missing to reach the target at constant total spend:
    max(0, target % × it_spend − reuse_spend), rounded up to the euro; None without a
    target or without spend."""
    if target_percent is None or not it_spend:
        return None
    missing = target_percent * it_spend / 100 - reuse_spend
    if missing <= 0:
        return Decimal(0)
    return missing.to_integral_value(rounding="ROUND_CEILING")


MEMBER_SORTS = ("nom", "departement", "depense", "reemploi", "part", "ecart")


def _active_buyers() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (Organisation.kind == OrgKind.BUYER, Organisation.status == OrgStatus.ACTIVE)


# Built once: the statement costs more to build than to run.
_COUNT_MEMBERS = select(func.count()).select_from(Organisation).where(*_active_buyers())


def count_members() -> int:
    """Active buyer members: the rows of :func:`members_against_target` (any year)."""
    return int(db.session.execute(_COUNT_MEMBERS).scalar_one())


def members_against_target(
    year: int,
    target_percent: Decimal | None,
    sort: str = "nom",
    descending: bool = False,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[MemberRow]:
    """Every active buyer member with its year's it_spend, reuse_spend and donations (IT
    and telephony),
    against the target (the gap is target % × it_spend − reuse_spend). Sorted by
    ``sort`` (one of MEMBER_SORTS), members without spend last for figures; the
    organisation id breaks ties, so that ``limit``/``offset`` pages are stable."""
    params = {
        "year": year,
        "percent": float(target_percent or 0),
        "limit": limit,
        "offset": offset,
    }
    statement = _members_statement(
        sort if sort in MEMBER_SORTS else "nom", descending, limit is not None
    )
    return [
        MemberRow(
            buyer_id,
            name,
            siret,
            department,
            euros(it),
            euros(reuse_cents),
            euros(donation),
            target_percent,
        )
        for buyer_id, name, siret, department, it, reuse_cents, donation in (
            db.session.execute(statement, params)
        )
    ]


@lru_cache(maxsize=32)
def _members_statement(
    sort: str, descending: bool, paged: bool
) -> Select[int, str, str, str, Any, Any, Any]:
    """The statement of :func:`members_against_target`, built once per order (parameters
    ``year``, ``percent``, and ``limit`` and ``offset`` when ``paged``): building it costs
    more than running it on a small hub."""
    s = SpendSummary
    totals = (
        select(
            s.buyer_id.label("buyer_id"),
            func.sum(s.amount_cents).label("amount"),
            func.sum(s.reuse_cents).label("reuse"),
            func.sum(s.donation_cents).label("donation"),
        )
        .join(Category, Category.id == s.category_id)
        .where(
            s.year == bindparam("year", type_=Integer), Category.legal_category == LEGAL_CATEGORY_IT
        )
        .group_by(s.buyer_id)
        .subquery()
    )
    amount = func.coalesce(totals.c.amount, 0)
    reuse = func.coalesce(totals.c.reuse, 0)
    ratio = cast(totals.c.reuse, Float) / func.nullif(cast(totals.c.amount, Float), 0)
    percent = bindparam("percent", type_=Float)
    gap = cast(totals.c.amount, Float) * percent / 100 - cast(totals.c.reuse, Float)
    keys = {
        "nom": Organisation.name,
        "departement": Organisation.department_code,
        "depense": amount,
        "reemploi": reuse,
        "part": ratio,
        "ecart": gap,
    }
    key = keys[sort]
    order = key.desc() if descending else key.asc()
    query: Select[int, str, str, str, Any, Any, Any] = (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.siret,
            Organisation.department_code,
            amount,
            reuse,
            func.coalesce(totals.c.donation, 0),
        )
        .outerjoin(totals, totals.c.buyer_id == Organisation.id)
        .where(*_active_buyers())
        .order_by(case((totals.c.amount.is_(None), 1), else_=0), order, Organisation.id)
    )
    if paged:
        query = query.limit(bindparam("limit", type_=Integer)).offset(
            bindparam("offset", type_=Integer)
        )
    return query
