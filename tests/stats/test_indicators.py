"""Hand-computed fixtures: every figure is asserted to the cent and the exact ratio."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from nrhub.clauses.models import ClauseKind
from nrhub.extensions import db
from nrhub.ledger.models import SpendOrigin, TargetKind
from nrhub.ledger.queries import targets_for_year
from nrhub.ledger.services import spend_date
from nrhub.stats import queries
from nrhub.stats.pages import target_sentence
from tests import factories
from tests.stats.helpers import spend

D = Decimal


def _buyer(department: str = "35", region: str = "53"):  # type: ignore[no-untyped-def]
    return factories.BuyerFactory(department_code=department, region_code=region)


def test_year_without_spend_has_no_data(app, request_ctx):
    buyer = _buyer()
    spend(buyer, dt.date(2025, 3, 1), "100.00")
    ind = queries.indicators(2024, buyer_id=buyer.id)
    assert ind.has_data is False
    assert ind.it_spend == D("0.00")
    assert ind.reuse_share is None
    assert ind.local_share is None
    assert target_sentence(ind, D(20)) is None
    assert queries.retired_reuse_rate(2024, buyer_id=buyer.id) is None


def test_spend_date_of_late_evening_receipt_is_the_paris_date():
    moment = dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC)  # 23:30 in Paris
    assert spend_date(moment) == dt.date(2025, 12, 31)
    summer = dt.datetime(2025, 6, 30, 22, 30, tzinfo=dt.UTC)  # 00:30 on 1 July in Paris
    assert spend_date(summer) == dt.date(2025, 7, 1)


def test_receipt_on_31_december_at_2330_paris_counts_in_that_year(app):
    buyer = _buyer()
    received = dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC)
    spend(buyer, spend_date(received), "480.00", reuse=True, origin=SpendOrigin.HUB)
    assert queries.indicators(2025, buyer_id=buyer.id).reuse_spend == D("480.00")
    assert queries.indicators(2026, buyer_id=buyer.id).has_data is False
    months = queries.monthly_spend(2025, buyer_id=buyer.id)
    assert months[11].it_spend == D("480.00")
    assert sum(m.it_spend for m in months[:11]) == 0


def _fixture(clause_factory, campaign_factory):  # type: ignore[no-untyped-def]
    """Buyer in Ille-et-Vilaine; refurbisher in Ille-et-Vilaine (ESS).

    - external new laptops: 10 units, 8 000.00
    - hub, campaign with 1 social + 2 environmental clauses: laptops 5 × 250 = 1 250.00
    - same campaign, partial receipt of smartphones: 3 of 5 received × 120 = 360.00
    - donation: 2 laptops under 5 years at 200 = 400.00
    - external reuse tablets 600.00, "Marché réservé" + one attached environmental clause
    """
    buyer = _buyer("35", "53")
    refurbisher = factories.RefurbisherFactory(department_code="35", region_code="53")
    social = clause_factory(ClauseKind.SOCIAL, "Insertion")
    env1 = clause_factory(ClauseKind.ENVIRONMENTAL, "Réemploi")
    env2 = clause_factory(ClauseKind.ENVIRONMENTAL, "Réparabilité")
    campaign = campaign_factory([social, env1, env2])
    on = dt.date(2025, 2, 10)
    spend(buyer, on, "8000.00", quantity=10)
    hub = {
        "origin": SpendOrigin.HUB,
        "reuse": True,
        "supplier": refurbisher,
        "campaign_id": campaign.id,
        "social_consideration": "Clause sociale",
        "environmental_consideration": "Clause environnementale",
    }
    spend(buyer, dt.date(2025, 3, 5), "1250.00", quantity=5, **hub)
    spend(buyer, dt.date(2025, 3, 6), "360.00", category="smartphone", quantity=3, **hub)
    spend(
        buyer,
        dt.date(2025, 4, 1),
        "400.00",
        quantity=2,
        origin=SpendOrigin.DONATION,
        donation_age_bracket="lt5",
    )
    tablet_clause = clause_factory(ClauseKind.ENVIRONMENTAL, "Mises à jour")
    spend(
        buyer,
        dt.date(2025, 5, 1),
        "600.00",
        category="tablet",
        quantity=4,
        reuse=True,
        social_consideration="Marché réservé",
        environmental_consideration="Clause environnementale",
        clauses=[tablet_clause],
    )
    return buyer, refurbisher


def test_buyer_indicators_hand_computed(app, request_ctx, clause_factory, campaign_factory):
    buyer, _ = _fixture(clause_factory, campaign_factory)
    ind = queries.indicators(2025, buyer_id=buyer.id)
    assert ind.entries == 5
    assert ind.it_spend == D("10610.00")
    assert ind.reuse_spend == D("2610.00")  # donations included
    assert ind.donation_spend == D("400.00")
    assert ind.reuse_share == D("2610.00") / D("10610.00")
    assert ind.spend_with_clause == D("2210.00")  # 1 250 + 360 + 600
    assert ind.spend_with_clause_share == D("2210.00") / D("10610.00")
    # campaign: 1 social + 2 environmental (once); tablets: "Marché réservé" (1 social)
    # and one attached environmental clause.
    assert (ind.social_clauses, ind.environmental_clauses) == (2, 3)
    assert ind.clauses_count == 5
    # 5 × 27 × 5 + 3 × 24.6 × 4 + 2 × 27 × 5 + 4 × 12 × 4 = 675 + 295.2 + 270 + 192
    assert ind.co2e_avoided_kg == D("1432.2")
    assert ind.reuse_local_department == D("1610.00")
    assert ind.local_share == D("1610.00") / D("2610.00")
    assert ind.regional_share == D("1610.00") / D("2610.00")
    assert ind.ess_share == D("1610.00") / D("2610.00")
    assert target_sentence(ind, D(20)) == "Objectif atteint"


def test_partial_receipts_and_donation_by_category(app, clause_factory, campaign_factory):
    buyer, _ = _fixture(clause_factory, campaign_factory)
    rows = {r.code: r for r in queries.spend_by_category(2025, buyer_id=buyer.id)}
    assert rows["laptop"].it_spend == D("9650.00")  # 8 000 + 1 250 + 400
    assert rows["laptop"].reuse_spend == D("1650.00")
    assert rows["laptop"].donation_spend == D("400.00")
    assert rows["laptop"].other_spend == D("8000.00")
    assert rows["laptop"].quantity == 17
    assert rows["smartphone"].quantity == 3
    assert rows["smartphone"].it_spend == D("360.00")
    declaration = queries.declaration_rows(2025, buyer_id=buyer.id)
    assert len(declaration) == 1
    row = declaration[0]
    assert row.type_produit_acquis == "Matériel informatique et téléphonie"
    assert row.montant_total == D("10610.00")
    assert row.montant_reemploi_et_reutilisation == D("2610.00")
    assert row.montant_produits_issus_don == D("400.00")
    assert row.montant_produits_recycles == D("0.00")


def test_missing_reuse_sentence_states_the_gap_in_euros(app, request_ctx):
    buyer = _buyer()
    spend(buyer, dt.date(2025, 1, 10), "92340.00")
    spend(buyer, dt.date(2025, 1, 11), "7660.00", reuse=True)
    ind = queries.indicators(2025, buyer_id=buyer.id)
    assert ind.it_spend == D("100000.00")
    assert target_sentence(ind, D(20)) == (
        "Il manque 12 340 € d'achats issus du réemploi pour atteindre l'objectif de 20 %"
    )


def test_buyer_exactly_at_target_meets_it(app, request_ctx):
    buyer = _buyer()
    spend(buyer, dt.date(2025, 1, 10), "800.00")
    spend(buyer, dt.date(2025, 1, 11), "200.00", reuse=True)
    ind = queries.indicators(2025, buyer_id=buyer.id)
    assert ind.reuse_share == D("0.2")
    assert target_sentence(ind, D(20)) == "Objectif atteint"
    member = next(m for m in queries.members_against_target(2025, D(20)) if m.buyer_id == buyer.id)
    assert member.gap == 0
    assert member.meets_target is True


def test_hub_and_department_aggregates(app):
    a = _buyer("35", "53")
    b = _buyer("35", "53")
    c = _buyer("29", "53")
    spend(a, dt.date(2025, 1, 1), "1000.00")
    spend(a, dt.date(2025, 1, 2), "500.00", reuse=True)
    spend(b, dt.date(2025, 6, 1), "250.50", reuse=True, has_recycled_materials=True)
    spend(c, dt.date(2025, 7, 1), "2000.00")
    spend(c, dt.date(2024, 7, 1), "999.99", reuse=True)  # another year
    hub = queries.indicators(2025)
    assert hub.entries == 4
    assert hub.it_spend == D("3750.50")
    assert hub.reuse_spend == D("750.50")
    assert hub.recycled_spend == D("250.50")
    assert hub.reuse_share == D("750.50") / D("3750.50")
    # 35 holds 2 buyers and 29 one: both are merged into "autres" (small-cell rule).
    (others,) = queries.indicators_by_department(2025)
    assert (others.department_code, others.buyers) == ("autres", 3)
    assert (others.it_spend, others.reuse_spend) == (D("3750.50"), D("750.50"))
    assert others.reuse_share == D("750.50") / D("3750.50")
    assert queries.indicators(2025, department_code="29").it_spend == D("2000.00")
    members = queries.members_against_target(2025, D(20), "depense", descending=True)
    assert [m.buyer_id for m in members[:3]] == [c.id, a.id, b.id]
    assert members[0].gap == D(400)  # 20 % × 2 000 − 0
    assert members[1].gap == 0


def test_members_without_spend_are_listed_last(app):
    idle = _buyer()
    active = _buyer()
    spend(active, dt.date(2025, 1, 1), "10.00")
    members = queries.members_against_target(2025, D(20), "depense")
    assert [m.buyer_id for m in members] == [active.id, idle.id]
    assert members[1].gap is None
    assert members[1].meets_target is None


def test_refurbisher_sales_by_buyer_category_and_year(app):
    refurbisher = factories.RefurbisherFactory()
    other = factories.RefurbisherFactory()
    a = _buyer()
    spend(a, dt.date(2025, 1, 1), "500.00", quantity=2, reuse=True,
          origin=SpendOrigin.HUB, supplier=refurbisher)  # fmt: skip
    spend(a, dt.date(2025, 2, 1), "250.00", quantity=1, reuse=True,
          origin=SpendOrigin.HUB, supplier=refurbisher)  # fmt: skip
    spend(a, dt.date(2024, 2, 1), "90.00", category="smartphone", reuse=True,
          origin=SpendOrigin.HUB, supplier=refurbisher)  # fmt: skip
    spend(a, dt.date(2025, 2, 1), "999.00", reuse=True, origin=SpendOrigin.HUB, supplier=other)
    rows = queries.sales_by_buyer_category_year(refurbisher.id)
    assert [(r.year, r.category_label, r.quantity, r.amount) for r in rows] == [
        (2025, "Ordinateur portable", 3, D("750.00")),
        (2024, "Smartphone", 1, D("90.00")),
    ]
    assert len(queries.sales_by_buyer_category_year(refurbisher.id, 2024)) == 1


def test_target_of_a_year_is_the_latest_first_year_not_after_it(app):
    def reuse(year: int, kind: TargetKind = TargetKind.SPEND_SHARE):  # type: ignore[no-untyped-def]
        target = targets_for_year(year).get(kind)
        return None if target is None else (target.first_year, target.reuse_percent)

    assert reuse(2020) is None
    assert reuse(2023) == (2021, D(20))
    assert reuse(2026) == (2024, D(20))
    assert reuse(2027) == (2027, D(25))
    assert reuse(2035) == (2030, D(30))
    assert reuse(2022, TargetKind.RETIRED_REUSE) is None
    assert reuse(2023, TargetKind.RETIRED_REUSE) == (2023, D(25))
    assert reuse(2024, TargetKind.RETIRED_REUSE) == (2024, D(35))
    assert reuse(2030, TargetKind.RETIRED_REUSE) == (2025, D(50))
    db.session.rollback()


def _department(code: str, buyers: int, spend: str = "100.00") -> queries.DepartmentIndicators:
    amount = D(spend)
    return queries.DepartmentIndicators(code, buyers, amount, D(0), D(0), D(0), D(0), D(0))


def test_small_groups_are_merged_into_autres_until_it_holds_three_buyers():
    rows = [_department("29", 5), _department("35", 3), _department("22", 1), _department("56", 1)]
    merged = queries.merge_small_groups(rows)
    assert [(r.department_code, r.buyers, r.it_spend) for r in merged] == [
        ("29", 5, D("100.00")),
        ("autres", 5, D("300.00")),  # 22 and 56 hold 2: 35, the smallest, joins them
    ]
    big = [_department("29", 4), _department("35", 3)]
    assert queries.merge_small_groups(big) == big
    assert queries.merge_small_groups([_department("29", 1), _department("35", 1)]) == []
    three = queries.merge_small_groups([_department("29", 4), *[_department(c, 1) for c in "ABC"]])
    assert [(r.department_code, r.buyers) for r in three] == [("29", 4), ("autres", 3)]
