"""The headline indicators (PRODUCT.md §3), overall, per buyer and per department."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, ScalarSelect, Select, String, bindparam, func, select

from nrhub.campaigns.models import campaign_clause
from nrhub.catalog.models import LEGAL_CATEGORY_IT, Category
from nrhub.clauses.models import Clause, ClauseKind
from nrhub.extensions import db
from nrhub.ledger.models import SpendBuyerSummary, SpendDepartmentSummary, SpendSummary
from nrhub.organisations.models import Organisation
from nrhub.stats.queries.common import ZERO, euros, scoped, share, sum_cents


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
    query = _indicators_statement(buyer_id is not None, department_code is not None)
    params = {
        "year": year,
        "legal_category": legal_category,
        "buyer_id": buyer_id,
        "department_code": department_code,
    }
    row = db.session.execute(query, params).one()
    return Indicators(
        year=year,
        entries=int(row.entries),
        it_spend=euros(row.it),
        reuse_spend=euros(row.reuse),
        donation_spend=euros(row.donation),
        recycled_spend=euros(row.recycled),
        spend_with_clause=euros(row.with_clause),
        social_clauses=int(row.social) + int(row.campaign_social),
        environmental_clauses=int(row.environmental) + int(row.campaign_environmental),
        reuse_quantity=int(row.reuse_quantity),
        co2e_avoided_kg=Decimal(int(row.co2e_g)) / 1000,
        reuse_local_department=euros(row.local_department),
        reuse_local_region=euros(row.local_region),
        reuse_ess=euros(row.ess),
    )


@lru_cache(maxsize=4)
def _indicators_statement(of_buyer: bool, of_department: bool) -> Select[Any]:
    """The statement of :func:`indicators`, built once per scope (parameters ``year``,
    ``legal_category``, and ``buyer_id`` or ``department_code``)."""
    year = bindparam("year", type_=Integer)
    buyer_id = bindparam("buyer_id", type_=Integer) if of_buyer else None
    department_code = bindparam("department_code", type_=String) if of_department else None
    s = SpendSummary
    # A buyer reads its few detailed rows; the hub and a department read the rollup.
    t = SpendSummary if of_buyer else SpendDepartmentSummary
    campaigns = scoped(
        # Campaign ids are positive (0: none): a range of the (year, campaign) index.
        select(s.campaign_id).where(s.year == year, s.campaign_id > 0),
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
            sum_cents(t.entries).label("entries"),
            sum_cents(t.amount_cents).label("it"),
            sum_cents(t.reuse_cents).label("reuse"),
            sum_cents(t.donation_cents).label("donation"),
            sum_cents(t.recycled_cents).label("recycled"),
            sum_cents(t.clause_cents).label("with_clause"),
            sum_cents(t.social_clauses).label("social"),
            sum_cents(t.environmental_clauses).label("environmental"),
            sum_cents(t.reuse_quantity).label("reuse_quantity"),
            sum_cents(t.reuse_quantity * Category.co2e_g_per_year * Category.expected_years).label(
                "co2e_g"
            ),
            sum_cents(t.reuse_local_department_cents).label("local_department"),
            sum_cents(t.reuse_local_region_cents).label("local_region"),
            sum_cents(t.reuse_ess_cents).label("ess"),
            campaign_clauses(ClauseKind.SOCIAL).label("campaign_social"),
            campaign_clauses(ClauseKind.ENVIRONMENTAL).label("campaign_environmental"),
        )
        .select_from(t)
        .join(Category, Category.id == t.category_id)
        .where(
            t.year == year,
            Category.legal_category == bindparam("legal_category", type_=String),
        )
    )
    if buyer_id is not None:
        query = query.where(SpendSummary.buyer_id == buyer_id)
    if department_code is not None:
        query = query.where(SpendDepartmentSummary.department_code == department_code)
    return query


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
    return merge_small_groups(
        [
            DepartmentIndicators(
                code,
                int(buyer_count),
                euros(it),
                euros(reuse),
                euros(donation),
                euros(recycled),
                euros(with_clause),
                Decimal(int(co2e_g)) / 1000,
            )
            for code, buyer_count, it, reuse, donation, recycled, with_clause, co2e_g in (
                db.session.execute(_department_statement(), {"year": year})
            )
        ]
    )


@lru_cache(maxsize=1)
def _department_statement() -> Select[Any]:
    """The statement of :func:`indicators_by_department`, built once (parameter ``year``)."""
    year = bindparam("year", type_=Integer)
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
    return (
        select(
            d.department_code,
            func.coalesce(func.max(buyers.c.buyers), 0),
            sum_cents(d.amount_cents),
            sum_cents(d.reuse_cents),
            sum_cents(d.donation_cents),
            sum_cents(d.recycled_cents),
            sum_cents(d.clause_cents),
            sum_cents(d.reuse_quantity * Category.co2e_g_per_year * Category.expected_years),
        )
        .select_from(d)
        .join(Category, Category.id == d.category_id)
        .outerjoin(buyers, buyers.c.code == d.department_code)
        .where(d.year == year, Category.legal_category == LEGAL_CATEGORY_IT)
        .group_by(d.department_code)
        .order_by(d.department_code)
    )
