"""What became of the equipment the members retired (the reuse of their donations)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    bindparam,
    case,
    func,
    literal,
    select,
    union_all,
)

from nrhub.catalog.models import Category
from nrhub.donations import models as reen_categories
from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    ReenCategory,
    RetiredOutcome,
    RetiredStock,
)
from nrhub.extensions import db
from nrhub.stats.queries.common import sum_cents


@dataclass(frozen=True)
class RetiredReuse:
    """The REEN figures of one scope (a buyer or the hub) for one year."""

    year: int
    stock_units: int  # declared retired stock at 1 January (0 when none declared)
    declared: bool  # at least one declaration for the year in the scope
    units_reused: int  # all reuse outcomes of the year (lots under 10 years)
    units_reused_declared: int  # of those, from buyers that declared their stock
    units_recycled: int
    kg_diverted: Decimal  # estimated weight × units reused
    kg_recycled: Decimal  # estimated weight × units recycled

    @property
    def rate(self) -> Decimal | None:
        if not self.declared or not self.stock_units:
            return None
        return Decimal(self.units_reused_declared) / Decimal(self.stock_units)


def retired_reuse(
    year: int, *, buyer_id: int | None = None, reen_category: ReenCategory | None = None
) -> RetiredReuse:
    """REEN (décret 2023-266) for a buyer or the whole hub, for one REEN category (2°
    screens, 6° small IT and telecom equipment) or both (None).

    Only lots whose catalogue category belongs to a REEN category count
    (:data:`nrhub.donations.models.REEN_CATEGORY_OF`); a category's rate divides by the
    stock declared for that category, the overall rate by all the stock declared
    (rows declared before the split into categories included).

    - units_reused: units declared reused in the outcomes recorded in the year (Europe/
      Paris date) of the lots donated by the scope's buyers, lots under 10 years only
      (over-10-year equipment counts as recycling), plus the units the buyers sent out by
      the other REEN routes (transfer, sale, gifts, take-back) with the receiver's
      commitment to reuse them (:mod:`nrhub.donations.reen`);
    - stock_units: retired stock declared at 1 January of the year;
    - rate = units reused by buyers that declared a stock / their declared stock (None
      without a declaration or with a stock of 0);
    - kg_diverted = Σ estimated weight per unit × units reused (recycled units are waste
      treated, not diverted from waste: reported apart as kg_recycled).
    One SQL statement (:func:`retired_reuse_all`).
    """
    return retired_reuse_all(year, buyer_id=buyer_id)[reen_category]


def retired_reuse_by_category(
    year: int, *, buyer_id: int | None = None
) -> list[tuple[ReenCategory, RetiredReuse]]:
    """:func:`retired_reuse` of each REEN category, in the code's order (2°, then 6°)."""
    figures = retired_reuse_all(year, buyer_id=buyer_id)
    return [(category, figures[category]) for category in ReenCategory]


# The scopes of the REEN figures: both categories together (None), then each one.
_SCOPES: tuple[ReenCategory | None, ...] = (None, *ReenCategory)


def retired_reuse_all(
    year: int, *, buyer_id: int | None = None
) -> dict[ReenCategory | None, RetiredReuse]:
    """:func:`retired_reuse` of both REEN categories together (key None) and of each one,
    in one SQL statement (:func:`_retired_statement`)."""
    params = {
        "year": year,
        "start": dt.date(year, 1, 1),
        "end": dt.date(year, 12, 31),
        "buyer_id": buyer_id,
    }
    # scope -> [declarations, units]
    stock: dict[ReenCategory | None, list[int]] = {scope: [0, 0] for scope in _SCOPES}
    # scope -> [reused, reused by declared buyers, recycled, g diverted, g recycled]
    lots: dict[ReenCategory | None, list[int]] = {scope: [0] * 5 for scope in _SCOPES}
    # scope -> [units, units of declared buyers]
    routes: dict[ReenCategory | None, list[int]] = {scope: [0, 0] for scope in _SCOPES}
    for part, key, *values in db.session.execute(_retired_statement(buyer_id is not None), params):
        figures = [int(v) for v in values]
        if part == "stock":
            # Rows declared before the split (no category) count in the overall figures only.
            for scope in {None, None if key is None else ReenCategory(key)}:
                stock[scope][0] += figures[0]
                stock[scope][1] += figures[1]
        elif part == "lots":
            reused, *declared, recycled, g_diverted, g_recycled = figures
            for scope in (None, reen_categories.REEN_CATEGORY_OF[key]):
                for i, value in enumerate(
                    (reused, declared[_SCOPES.index(scope)], recycled, g_diverted, g_recycled)
                ):
                    lots[scope][i] += value
        else:
            units, *declared = figures[: 1 + len(_SCOPES)]
            for scope in (None, ReenCategory(key)):
                routes[scope][0] += units
                routes[scope][1] += declared[_SCOPES.index(scope)]
    return {
        scope: RetiredReuse(
            year=year,
            stock_units=stock[scope][1],
            declared=stock[scope][0] > 0,
            units_reused=lots[scope][0] + routes[scope][0],
            units_reused_declared=lots[scope][1] + routes[scope][1],
            units_recycled=lots[scope][2],
            kg_diverted=Decimal(lots[scope][3]) / 1000,
            kg_recycled=Decimal(lots[scope][4]) / 1000,
        )
        for scope in _SCOPES
    }


def retired_reuse_rate(year: int, *, buyer_id: int | None = None) -> Decimal | None:
    """REEN: retired items sent to reuse in the year / retired stock on 1 January
    (see :func:`retired_reuse`); None when no stock is declared ("pas de données")."""
    return retired_reuse(year, buyer_id=buyer_id).rate


@lru_cache(maxsize=2)
def _retired_statement(of_buyer: bool) -> CompoundSelect[Any]:
    """The statement of :func:`retired_reuse_all`, built once (parameters ``year``,
    ``start`` and ``end`` of the year, ``buyer_id`` when ``of_buyer``): three parts named
    by their first column, each grouped by category (second column), with one "declared
    a stock" sum per scope (:data:`_SCOPES`) and zeros to the common width:
    ``stock`` (declarations, units), ``lots`` (the donated lots' outcomes: reused, reused
    per scope, recycled, grams diverted, grams recycled), ``routes`` (the other routes:
    units, units per scope)."""
    year = bindparam("year", type_=Integer)
    buyer_id = bindparam("buyer_id", type_=Integer)

    def declared_buyers(scope: ReenCategory | None) -> Select[Any]:
        query = select(RetiredStock.buyer_id).where(RetiredStock.year == year)
        if scope is not None:
            query = query.where(RetiredStock.reen_category == scope)
        return query

    def part(name: str, *columns: Any) -> Any:
        width = 5 + len(_SCOPES)  # the lots: key, reused, one per scope, 3 more sums
        padding = [literal(0, Integer)] * (width - len(columns))
        return select(literal(name, String), *columns, *padding)

    stock = (
        part(
            "stock",
            RetiredStock.reen_category,
            func.count(RetiredStock.id),
            sum_cents(RetiredStock.units),
        )
        .where(RetiredStock.year == year)
        .group_by(RetiredStock.reen_category)
    )

    c, lot = DonationClaim, DonationLot
    reused = case((lot.age_bracket != AgeBracket.OVER_10, c.units_reused), else_=0)
    lots = (
        part(
            "lots",
            Category.code,
            sum_cents(reused),
            *(
                sum_cents(case((lot.donor_id.in_(declared_buyers(scope)), reused), else_=0))
                for scope in _SCOPES
            ),
            sum_cents(c.units_recycled),
            sum_cents(reused * lot.unit_weight_g),
            sum_cents(c.units_recycled * lot.unit_weight_g),
        )
        .select_from(c)
        .join(lot, lot.id == c.lot_id)
        .join(Category, Category.id == lot.category_id)
        .where(
            c.status == ClaimStatus.COMPLETED,
            c.outcome_on.between(bindparam("start", type_=Date), bindparam("end", type_=Date)),
            Category.code.in_(reen_categories.category_codes()),
        )
        .group_by(Category.code)
    )

    # Outcomes by the other routes (sale, transfer, gifts, take-back) with a reuse
    # commitment of the receiver; the buyer confirmed they are in scope when recording them.
    o = RetiredOutcome
    routes = (
        part(
            "routes",
            o.reen_category,
            sum_cents(o.units),
            *(
                sum_cents(case((o.buyer_id.in_(declared_buyers(scope)), o.units), else_=0))
                for scope in _SCOPES
            ),
        )
        .where(o.year == year, o.reuse_committed == True)  # noqa: E712
        .group_by(o.reen_category)
    )
    if of_buyer:
        stock = stock.where(RetiredStock.buyer_id == buyer_id)
        lots = lots.where(lot.donor_id == buyer_id)
        routes = routes.where(o.buyer_id == buyer_id)
    return union_all(stock, lots, routes)
