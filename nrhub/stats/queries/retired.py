"""What became of the equipment the members retired (the reuse of their donations)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

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
    Three SQL statements.
    """
    in_stock = [RetiredStock.year == year]
    if reen_category is not None:
        in_stock.append(RetiredStock.reen_category == reen_category)
    stock_query = select(func.count(RetiredStock.id), sum_cents(RetiredStock.units)).where(
        *in_stock
    )
    if buyer_id is not None:
        stock_query = stock_query.where(RetiredStock.buyer_id == buyer_id)
    declarations, stock_units = db.session.execute(stock_query).one()
    declared_buyers = select(RetiredStock.buyer_id).where(*in_stock)

    c, lot = DonationClaim, DonationLot
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    reused = case((lot.age_bracket != AgeBracket.OVER_10, c.units_reused), else_=0)
    declared_donor = lot.donor_id.in_(declared_buyers)
    query = (
        select(
            sum_cents(reused),
            sum_cents(case((declared_donor, reused), else_=0)),
            sum_cents(c.units_recycled),
            sum_cents(reused * lot.unit_weight_g),
            sum_cents(c.units_recycled * lot.unit_weight_g),
        )
        .select_from(c)
        .join(lot, lot.id == c.lot_id)
        .join(Category, Category.id == lot.category_id)
        .where(
            c.status == ClaimStatus.COMPLETED,
            c.outcome_on.between(start, end),
            Category.code.in_(reen_categories.category_codes(reen_category)),
        )
    )
    if buyer_id is not None:
        query = query.where(lot.donor_id == buyer_id)
    reused_units, reused_declared, recycled_units, g_diverted, g_recycled = db.session.execute(
        query
    ).one()
    # Outcomes by the other routes (sale, transfer, gifts, take-back) with a reuse
    # commitment of the receiver; the buyer confirmed they are in scope when recording them.
    o = RetiredOutcome
    outcome_query = select(
        sum_cents(o.units),
        sum_cents(
            case(
                (o.buyer_id.in_(declared_buyers), o.units),
                else_=0,
            )
        ),
    ).where(o.year == year, o.reuse_committed == True)  # noqa: E712
    if buyer_id is not None:
        outcome_query = outcome_query.where(o.buyer_id == buyer_id)
    if reen_category is not None:
        outcome_query = outcome_query.where(o.reen_category == reen_category)
    other_routes, other_routes_declared = db.session.execute(outcome_query).one()
    return RetiredReuse(
        year=year,
        stock_units=int(stock_units),
        declared=int(declarations) > 0,
        units_reused=int(reused_units) + int(other_routes),
        units_reused_declared=int(reused_declared) + int(other_routes_declared),
        units_recycled=int(recycled_units),
        kg_diverted=Decimal(int(g_diverted)) / 1000,
        kg_recycled=Decimal(int(g_recycled)) / 1000,
    )


def retired_reuse_by_category(
    year: int, *, buyer_id: int | None = None
) -> list[tuple[ReenCategory, RetiredReuse]]:
    """:func:`retired_reuse` of each REEN category, in the code's order (2°, then 6°)."""
    return [
        (category, retired_reuse(year, buyer_id=buyer_id, reen_category=category))
        for category in ReenCategory
    ]


def retired_reuse_rate(year: int, *, buyer_id: int | None = None) -> Decimal | None:
    """REEN: retired items sent to reuse in the year / retired stock on 1 January
    (see :func:`retired_reuse`); None when no stock is declared ("pas de données")."""
    return retired_reuse(year, buyer_id=buyer_id).rate
