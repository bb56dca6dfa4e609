"""The indicators of PRODUCT.md §3, one function each, aggregated by the database.

Every figure of the dashboards, their CSV exports, the declaration file and (later) the
API comes from one of these functions. Amounts are read as integer cents from the
summary table (``spend_summary``, kept equal to the ledger in each write's transaction)
and returned as ``Decimal`` euros.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    ScalarSelect,
    Select,
    case,
    cast,
    extract,
    func,
    select,
    type_coerce,
)

from nrhub.campaigns.models import campaign_clause
from nrhub.catalog.models import LEGAL_CATEGORY_IT, Category
from nrhub.clauses.models import Clause, ClauseKind
from nrhub.db import from_cents
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
from nrhub.formatting import paris_today
from nrhub.ledger.models import (
    SpendBuyerSummary,
    SpendDepartmentSummary,
    SpendEntry,
    SpendOrigin,
    SpendSummary,
)
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus

ZERO = Decimal("0.00")


def _euros(cents: int | None) -> Decimal:
    return from_cents(int(cents or 0)) or ZERO


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a Decimal ratio (None when whole is 0: "pas de données")."""
    if not whole:
        return None
    return part / whole


def _sum(column: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


@dataclass(frozen=True)
class Indicators:
    """The indicators of one scope (a buyer, a department or the hub) for one year."""

    year: int
    entries: int
    it_spend: Decimal
    reuse_spend: Decimal
    donation_spend: Decimal
    recycled_spend: Decimal
    spend_with_clause: Decimal
    social_clauses: int
    environmental_clauses: int
    reuse_quantity: int
    co2e_avoided_kg: Decimal
    reuse_local_department: Decimal
    reuse_local_region: Decimal
    reuse_ess: Decimal

    @property
    def has_data(self) -> bool:
        return self.entries > 0

    @property
    def reuse_share(self) -> Decimal | None:
        return share(self.reuse_spend, self.it_spend)

    @property
    def recycled_share(self) -> Decimal | None:
        return share(self.recycled_spend, self.it_spend)

    @property
    def spend_with_clause_share(self) -> Decimal | None:
        return share(self.spend_with_clause, self.it_spend)

    @property
    def clauses_count(self) -> int:
        return self.social_clauses + self.environmental_clauses

    @property
    def local_share(self) -> Decimal | None:
        return share(self.reuse_local_department, self.reuse_spend)

    @property
    def regional_share(self) -> Decimal | None:
        return share(self.reuse_local_region, self.reuse_spend)

    @property
    def ess_share(self) -> Decimal | None:
        return share(self.reuse_ess, self.reuse_spend)


def _scope(query: Select[Any], buyer_id: int | None, department_code: str | None) -> Select[Any]:
    if buyer_id is not None:
        query = query.where(SpendSummary.buyer_id == buyer_id)
    if department_code is not None:
        query = query.join(Organisation, Organisation.id == SpendSummary.buyer_id).where(
            Organisation.department_code == department_code
        )
    return query


def indicators(
    year: int,
    *,
    buyer_id: int | None = None,
    department_code: str | None = None,
    legal_category: str = LEGAL_CATEGORY_IT,
) -> Indicators:
    """The year's indicators for one buyer, one department's buyers, or the whole hub.

    Every sum covers the rows of one legal category (the ``type_produit_acquis`` of their
    product category; "Matériel informatique et téléphonie" by default: printers,
    accessories and network equipment are not in it, arrêté of 29 February 2024).
    - it_spend: Σ amount HT of the ledger rows of the year (Europe/Paris dates);
    - reuse_spend: Σ of the rows that are reuse/reutilisation, donations received
      included at their flat-rate value (donation_spend reports them separately);
    - recycled_spend: Σ of the rows integrating recycled materials;
    - spend_with_clause: Σ of the rows whose contract has at least one social or
      environmental consideration (DECP value other than "Pas de considération");
    - social/environmental_clauses: clauses of the distinct contracts spent under:
      each campaign's attached clauses once, plus each declared external contract's
      (its attached library clauses, or 1 per DECP value other than "Pas de
      considération" for a kind without an attached clause);
    - co2e_avoided_kg: Σ reuse units × category kg CO2e per year × expected years;
    - reuse_local_department / region / ess: reuse spend with a supplier in the buyer's
      department / region / of the ESS (member refurbishers).
    One SQL statement.
    """
    s = SpendSummary
    # A buyer reads its few detailed rows; the hub and a department read the rollup.
    t = SpendSummary if buyer_id is not None else SpendDepartmentSummary
    campaigns = _scope(
        select(s.campaign_id).where(s.year == year, s.campaign_id != 0),
        buyer_id,
        department_code,
    )

    def campaign_clauses(kind: ClauseKind) -> ScalarSelect[int]:
        return (
            select(func.count())
            .select_from(campaign_clause)
            .join(Clause, Clause.id == campaign_clause.c.clause_id)
            .where(Clause.kind == kind, campaign_clause.c.campaign_id.in_(campaigns))
            .scalar_subquery()
        )

    query = (
        select(
            _sum(t.entries).label("entries"),
            _sum(t.amount_cents).label("it"),
            _sum(t.reuse_cents).label("reuse"),
            _sum(t.donation_cents).label("donation"),
            _sum(t.recycled_cents).label("recycled"),
            _sum(t.clause_cents).label("with_clause"),
            _sum(t.social_clauses).label("social"),
            _sum(t.environmental_clauses).label("environmental"),
            _sum(t.reuse_quantity).label("reuse_quantity"),
            _sum(t.reuse_quantity * Category.co2e_g_per_year * Category.expected_years).label(
                "co2e_g"
            ),
            _sum(t.reuse_local_department_cents).label("local_department"),
            _sum(t.reuse_local_region_cents).label("local_region"),
            _sum(t.reuse_ess_cents).label("ess"),
            campaign_clauses(ClauseKind.SOCIAL).label("campaign_social"),
            campaign_clauses(ClauseKind.ENVIRONMENTAL).label("campaign_environmental"),
        )
        .select_from(t)
        .join(Category, Category.id == t.category_id)
        .where(t.year == year, Category.legal_category == legal_category)
    )
    if buyer_id is not None:
        query = query.where(SpendSummary.buyer_id == buyer_id)
    if department_code is not None:
        query = query.where(SpendDepartmentSummary.department_code == department_code)
    row = db.session.execute(query).one()
    return Indicators(
        year=year,
        entries=int(row.entries),
        it_spend=_euros(row.it),
        reuse_spend=_euros(row.reuse),
        donation_spend=_euros(row.donation),
        recycled_spend=_euros(row.recycled),
        spend_with_clause=_euros(row.with_clause),
        social_clauses=int(row.social) + int(row.campaign_social),
        environmental_clauses=int(row.environmental) + int(row.campaign_environmental),
        reuse_quantity=int(row.reuse_quantity),
        co2e_avoided_kg=Decimal(int(row.co2e_g)) / 1000,
        reuse_local_department=_euros(row.local_department),
        reuse_local_region=_euros(row.local_region),
        reuse_ess=_euros(row.ess),
    )


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
    stock_query = select(func.count(RetiredStock.id), _sum(RetiredStock.units)).where(*in_stock)
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
            _sum(reused),
            _sum(case((declared_donor, reused), else_=0)),
            _sum(c.units_recycled),
            _sum(reused * lot.unit_weight_g),
            _sum(c.units_recycled * lot.unit_weight_g),
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
        _sum(o.units),
        _sum(
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
    s = SpendSummary if buyer_id is not None else SpendDepartmentSummary
    query = (
        select(
            Category.id,
            Category.code,
            Category.label_fr,
            _sum(s.quantity),
            _sum(s.amount_cents),
            _sum(s.reuse_cents),
            _sum(s.donation_cents),
        )
        .join(Category, Category.id == s.category_id)
        .where(s.year == year)
        .group_by(Category.id, Category.code, Category.label_fr, Category.sort_order)
        .order_by(Category.sort_order, Category.id)
    )
    if buyer_id is not None:
        query = query.where(SpendSummary.buyer_id == buyer_id)
    return [
        CategorySpend(
            category_id, code, label, int(quantity), _euros(it), _euros(reuse), _euros(donation)
        )
        for category_id, code, label, quantity, it, reuse, donation in db.session.execute(query)
    ]


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
    s = SpendSummary if buyer_id is not None else SpendDepartmentSummary
    query = (
        select(
            Category.legal_category,
            _sum(s.amount_cents),
            _sum(s.reuse_cents),
            _sum(s.donation_cents),
            _sum(s.recycled_cents),
        )
        .join(Category, Category.id == s.category_id)
        .where(s.year == year, Category.legal_category != "")
        .group_by(Category.legal_category)
        .order_by(Category.legal_category)
    )
    if buyer_id is not None:
        query = query.where(SpendSummary.buyer_id == buyer_id)
    return [
        LegalCategorySpend(legal, _euros(it), _euros(reuse), _euros(donation), _euros(recycled))
        for legal, it, reuse, donation, recycled in db.session.execute(query)
    ]


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
    e = SpendEntry
    cents = type_coerce(e.amount, BigInteger)
    month = extract("month", e.spent_on)
    query = (
        select(month, _sum(cents), _sum(case((e.is_reuse == True, cents), else_=0)))  # noqa: E712
        .join(Category, Category.id == e.category_id)
        .where(e.buyer_id == buyer_id, e.year == year, Category.legal_category == LEGAL_CATEGORY_IT)
        .group_by(month)
    )
    found = {int(month): (it, reuse) for month, it, reuse in db.session.execute(query)}
    return [
        MonthSpend(m, _euros(found.get(m, (0, 0))[0]), _euros(found.get(m, (0, 0))[1]))
        for m in range(1, 13)
    ]


@dataclass(frozen=True)
class DepartmentIndicators:
    department_code: str
    buyers: int
    it_spend: Decimal
    reuse_spend: Decimal
    donation_spend: Decimal
    recycled_spend: Decimal
    spend_with_clause: Decimal
    co2e_avoided_kg: Decimal

    @property
    def reuse_share(self) -> Decimal | None:
        return share(self.reuse_spend, self.it_spend)

    @property
    def spend_with_clause_share(self) -> Decimal | None:
        return share(self.spend_with_clause, self.it_spend)


# Small-cell rule: a published or cross-member group never holds fewer buyers than this.
MIN_GROUP_BUYERS = 3
OTHERS = "autres"  # the department code of the merged small groups


def merge_small_groups(
    rows: list[DepartmentIndicators], minimum: int = MIN_GROUP_BUYERS
) -> list[DepartmentIndicators]:
    """Departments of fewer than ``minimum`` buyers merged into one "autres" row (last).

    If "autres" itself would hold fewer than ``minimum`` buyers, the smallest shown
    departments join it until it holds enough; when all the buyers together are fewer than
    ``minimum``, nothing is shown.
    """
    shown = sorted(
        (r for r in rows if r.buyers >= minimum), key=lambda r: (r.buyers, r.department_code)
    )
    small = [r for r in rows if r.buyers < minimum]
    while small and sum(r.buyers for r in small) < minimum and shown:
        small.append(shown.pop(0))
    if small and sum(r.buyers for r in small) < minimum:
        return []
    result = sorted(shown, key=lambda r: r.department_code)
    if small:
        result.append(
            DepartmentIndicators(
                OTHERS,
                sum(r.buyers for r in small),
                sum((r.it_spend for r in small), ZERO),
                sum((r.reuse_spend for r in small), ZERO),
                sum((r.donation_spend for r in small), ZERO),
                sum((r.recycled_spend for r in small), ZERO),
                sum((r.spend_with_clause for r in small), ZERO),
                sum((r.co2e_avoided_kg for r in small), Decimal(0)),
            )
        )
    return result


def indicators_by_department(year: int) -> list[DepartmentIndicators]:
    """The hub's year per buyer department: buyers with spend, it_spend, reuse_spend
    (donations included), donations, recycled, spend under a clause, CO2e avoided —
    same definitions as :func:`indicators`. Departments of fewer than 3 buyers are merged
    into "autres" (:func:`merge_small_groups`)."""
    d = SpendDepartmentSummary
    b = SpendBuyerSummary
    buyers = (
        select(Organisation.department_code.label("code"), func.count().label("buyers"))
        .select_from(b)
        .join(Organisation, Organisation.id == b.buyer_id)
        .where(b.year == year)
        .group_by(Organisation.department_code)
        .subquery()
    )
    query = (
        select(
            d.department_code,
            func.coalesce(func.max(buyers.c.buyers), 0),
            _sum(d.amount_cents),
            _sum(d.reuse_cents),
            _sum(d.donation_cents),
            _sum(d.recycled_cents),
            _sum(d.clause_cents),
            _sum(d.reuse_quantity * Category.co2e_g_per_year * Category.expected_years),
        )
        .select_from(d)
        .join(Category, Category.id == d.category_id)
        .outerjoin(buyers, buyers.c.code == d.department_code)
        .where(d.year == year, Category.legal_category == LEGAL_CATEGORY_IT)
        .group_by(d.department_code)
        .order_by(d.department_code)
    )
    return merge_small_groups(
        [
            DepartmentIndicators(
                code,
                int(buyer_count),
                _euros(it),
                _euros(reuse),
                _euros(donation),
                _euros(recycled),
                _euros(with_clause),
                Decimal(int(co2e_g)) / 1000,
            )
            for code, buyer_count, it, reuse, donation, recycled, with_clause, co2e_g in (
                db.session.execute(query)
            )
        ]
    )


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


def count_members() -> int:
    """Active buyer members: the rows of :func:`members_against_target` (any year)."""
    query = select(func.count()).select_from(Organisation).where(*_active_buyers())
    return int(db.session.execute(query).scalar_one())


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
    s = SpendSummary
    totals = (
        select(
            s.buyer_id.label("buyer_id"),
            func.sum(s.amount_cents).label("amount"),
            func.sum(s.reuse_cents).label("reuse"),
            func.sum(s.donation_cents).label("donation"),
        )
        .join(Category, Category.id == s.category_id)
        .where(s.year == year, Category.legal_category == LEGAL_CATEGORY_IT)
        .group_by(s.buyer_id)
        .subquery()
    )
    amount = func.coalesce(totals.c.amount, 0)
    reuse = func.coalesce(totals.c.reuse, 0)
    ratio = cast(totals.c.reuse, Float) / func.nullif(cast(totals.c.amount, Float), 0)
    percent = float(target_percent or 0)
    gap = cast(totals.c.amount, Float) * percent / 100 - cast(totals.c.reuse, Float)
    keys = {
        "nom": Organisation.name,
        "departement": Organisation.department_code,
        "depense": amount,
        "reemploi": reuse,
        "part": ratio,
        "ecart": gap,
    }
    key = keys.get(sort, Organisation.name)
    order = key.desc() if descending else key.asc()
    query = (
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
        .limit(limit)
        .offset(offset or None)
    )
    return [
        MemberRow(
            buyer_id,
            name,
            siret,
            department,
            _euros(it),
            _euros(reuse_cents),
            _euros(donation),
            target_percent,
        )
        for buyer_id, name, siret, department, it, reuse_cents, donation in (
            db.session.execute(query)
        )
    ]


@dataclass(frozen=True)
class SaleRow:
    year: int
    buyer_id: int
    buyer_name: str
    category_label: str
    quantity: int
    amount: Decimal


def sales_by_buyer_category_year(refurbisher_id: int, year: int | None = None) -> list[SaleRow]:
    """A refurbisher's sales through the hub (ledger rows it supplied, written at the
    buyers' receipts): quantity and amount HT per year, buyer and category."""
    e = SpendEntry
    query = (
        select(
            e.year,
            Organisation.id,
            Organisation.name,
            Category.label_fr,
            _sum(e.quantity),
            _sum(type_coerce(e.amount, BigInteger)),
        )
        .join(Organisation, Organisation.id == e.buyer_id)
        .join(Category, Category.id == e.category_id)
        .where(e.supplier_id == refurbisher_id, e.origin == SpendOrigin.HUB)
        .group_by(
            e.year, Organisation.id, Organisation.name, Category.label_fr, Category.sort_order
        )
        .order_by(e.year.desc(), Organisation.name, Category.sort_order)
    )
    if year is not None:
        query = query.where(e.year == year)
    return [
        SaleRow(int(sale_year), buyer_id, buyer_name, label, int(quantity), _euros(cents))
        for sale_year, buyer_id, buyer_name, label, quantity, cents in db.session.execute(query)
    ]


@dataclass(frozen=True)
class DeclarationRow:
    annee: int
    siret: str
    raison_sociale: str
    type_produit_acquis: str
    montant_total: Decimal
    montant_reemploi_et_reutilisation: Decimal
    montant_produits_issus_don: Decimal
    montant_produits_recycles: Decimal
    commentaires: str = ""


def declaration_rows(year: int, *, buyer_id: int | None = None) -> list[DeclarationRow]:
    """The yearly legal declaration: one row per buyer and legal product category with
    spend in the year (product kinds outside the 17 categories left out): total HT,
    reuse/reutilisation (donations included, as the national schema asks), donations at
    their flat-rate value, recycled materials."""
    s = SpendSummary
    query = (
        select(
            Organisation.siret,
            Organisation.name,
            Category.legal_category,
            _sum(s.amount_cents),
            _sum(s.reuse_cents),
            _sum(s.donation_cents),
            _sum(s.recycled_cents),
        )
        .join(Organisation, Organisation.id == s.buyer_id)
        .join(Category, Category.id == s.category_id)
        .where(s.year == year, Category.legal_category != "")
        .group_by(Organisation.id, Organisation.siret, Organisation.name, Category.legal_category)
        .order_by(Organisation.name, Organisation.id, Category.legal_category)
    )
    if buyer_id is not None:
        query = query.where(s.buyer_id == buyer_id)
    return [
        DeclarationRow(
            year,
            siret,
            name,
            legal,
            _euros(it),
            _euros(reuse),
            _euros(donation),
            _euros(recycled),
        )
        for siret, name, legal, it, reuse, donation, recycled in db.session.execute(query)
    ]


def buyer_for(organisation_id: int) -> Organisation | None:
    """An active buyer organisation by id (None otherwise)."""
    return db.session.execute(
        select(Organisation).where(
            Organisation.id == organisation_id, Organisation.kind == OrgKind.BUYER
        )
    ).scalar_one_or_none()


def current_year() -> int:
    return paris_today().year
