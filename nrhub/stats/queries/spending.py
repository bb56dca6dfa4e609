"""Spend per category, per legal category and per month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, bindparam, case, extract, select, type_coerce

from nrhub.catalog.models import LEGAL_CATEGORY_IT, Category
from nrhub.extensions import db
from nrhub.ledger.models import SpendDepartmentSummary, SpendEntry, SpendSummary
from nrhub.stats.queries.common import euros, share, sum_cents


@dataclass(frozen=True)
class CategorySpend:
    category_id: int
    code: str
    label: str
    quantity: int
    it_spend: Decimal
    reuse_spend: Decimal
    donation_spend: Decimal

    @property
    def other_spend(self) -> Decimal:
        return self.it_spend - self.reuse_spend

    @property
    def reuse_share(self) -> Decimal | None:
        return share(self.reuse_spend, self.it_spend)


def spend_by_category(year: int, *, buyer_id: int | None = None) -> list[CategorySpend]:
    """Spend of the year per product category: total, reuse (donations included) and the
    rest, for a buyer or the hub. Categories without spend are left out."""
    rows = db.session.execute(
        _category_statement(buyer_id is not None), {"year": year, "buyer_id": buyer_id}
    )
    return [
        CategorySpend(
            category_id, code, label, int(quantity), euros(it), euros(reuse), euros(donation)
        )
        for category_id, code, label, quantity, it, reuse, donation in rows
    ]


# The statements below are built once per scope (parameters ``year`` and ``buyer_id``):
# building one costs more than running it on the summary tables.
_YEAR = bindparam("year", type_=Integer)
_BUYER_ID = bindparam("buyer_id", type_=Integer)


@lru_cache(maxsize=2)
def _category_statement(of_buyer: bool) -> Select[Any]:
    s = SpendSummary if of_buyer else SpendDepartmentSummary
    query = (
        select(
            Category.id,
            Category.code,
            Category.label_fr,
            sum_cents(s.quantity),
            sum_cents(s.amount_cents),
            sum_cents(s.reuse_cents),
            sum_cents(s.donation_cents),
        )
        .join(Category, Category.id == s.category_id)
        .where(s.year == _YEAR)
        .group_by(Category.id, Category.code, Category.label_fr, Category.sort_order)
        .order_by(Category.sort_order, Category.id)
    )
    return query.where(SpendSummary.buyer_id == _BUYER_ID) if of_buyer else query


@dataclass(frozen=True)
class LegalCategorySpend:
    """A scope's year in one legal category (a ``type_produit_acquis`` value)."""

    legal_category: str
    total: Decimal
    reuse: Decimal  # donations included, as the declaration counts them
    donations: Decimal
    recycled: Decimal

    @property
    def reuse_share(self) -> Decimal | None:
        return share(self.reuse, self.total)

    @property
    def recycled_share(self) -> Decimal | None:
        return share(self.recycled, self.total)


def spend_by_legal_category(year: int, *, buyer_id: int | None = None) -> list[LegalCategorySpend]:
    """Spend of the year per legal category (the declaration's ``type_produit_acquis``):
    total HT, reuse (donations included), donations, recycled content; kinds outside the
    17 categories are left out. For a buyer or the hub; one statement."""
    rows = db.session.execute(
        _legal_category_statement(buyer_id is not None), {"year": year, "buyer_id": buyer_id}
    )
    return [
        LegalCategorySpend(legal, euros(it), euros(reuse), euros(donation), euros(recycled))
        for legal, it, reuse, donation, recycled in rows
    ]


@lru_cache(maxsize=2)
def _legal_category_statement(of_buyer: bool) -> Select[Any]:
    s = SpendSummary if of_buyer else SpendDepartmentSummary
    query = (
        select(
            Category.legal_category,
            sum_cents(s.amount_cents),
            sum_cents(s.reuse_cents),
            sum_cents(s.donation_cents),
            sum_cents(s.recycled_cents),
        )
        .join(Category, Category.id == s.category_id)
        .where(s.year == _YEAR, Category.legal_category != "")
        .group_by(Category.legal_category)
        .order_by(Category.legal_category)
    )
    return query.where(SpendSummary.buyer_id == _BUYER_ID) if of_buyer else query


@dataclass(frozen=True)
class MonthSpend:
    month: int
    it_spend: Decimal
    reuse_spend: Decimal


def monthly_spend(year: int, *, buyer_id: int) -> list[MonthSpend]:
    """A buyer's IT and telephony spend per month of the year (Europe/Paris dates), total
    and reuse;
    all twelve months, zero when nothing was spent. Read from the ledger (index on
    buyer and year)."""
    rows = db.session.execute(_monthly_statement(), {"year": year, "buyer_id": buyer_id})
    found = {int(month): (it, reuse) for month, it, reuse in rows}
    return [
        MonthSpend(m, euros(found.get(m, (0, 0))[0]), euros(found.get(m, (0, 0))[1]))
        for m in range(1, 13)
    ]


@lru_cache(maxsize=1)
def _monthly_statement() -> Select[Any]:
    e = SpendEntry
    cents = type_coerce(e.amount, BigInteger)
    month = extract("month", e.spent_on)
    return (
        select(month, sum_cents(cents), sum_cents(case((e.is_reuse == True, cents), else_=0)))  # noqa: E712
        .join(Category, Category.id == e.category_id)
        .where(
            e.buyer_id == _BUYER_ID,
            e.year == _YEAR,
            Category.legal_category == LEGAL_CATEGORY_IT,
        )
        .group_by(month)
    )
