"""Issue 14 proof: the figures follow the legal categories of the arrêté of 29 February 2024.

Hand-computed year 2025 of one buyer:
- a laptop bought from reuse, outside the hub:          600.00 (IT, reuse)
- a new printer:                                        400.00 (reprographie et impression)
- a new smartphone integrating recycled materials:      300.00 (IT, recycled)
- a laptop received as a donation (flat-rate value):    200.00 (IT, reuse, donation)
- a cable (accessory, none of the 17 categories):        50.00 (left out everywhere)
IT and telephony: total 1 100.00, reuse 800.00 (72.73 %), donations 200.00, recycled
300.00 (27.27 %). Reprographie: total 400.00, nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from frictionless import Resource, Schema

from nrhub.catalog.models import LEGAL_CATEGORY_IT, LEGAL_CATEGORY_PRINTING, Category
from nrhub.clauses.models import ClauseKind
from nrhub.extensions import db
from nrhub.ledger import queries as ledger_queries
from nrhub.ledger.models import LegalTarget, SpendOrigin, TargetKind
from nrhub.ledger.services import ContractRef
from nrhub.reference import read_data
from nrhub.stats import pages, queries
from tests.api.conftest import bearer
from tests.conftest import login
from tests.factories import BuyerFactory, UserFactory
from tests.stats.helpers import spend

D = Decimal
YEAR = 2025
SCHEMA = Path(__file__).resolve().parent.parent / "data" / "schema.json"


@pytest.fixture
def year(app):  # type: ignore[no-untyped-def]
    user = UserFactory(organisation=BuyerFactory(), email="legal@example.fr")
    db.session.commit()
    buyer = user.organisation
    spend(buyer, dt.date(YEAR, 2, 1), "600.00", category="laptop", reuse=True)
    spend(buyer, dt.date(YEAR, 3, 1), "400.00", category="printer")
    spend(buyer, dt.date(YEAR, 4, 1), "300.00", category="smartphone", has_recycled_materials=True)
    spend(
        buyer,
        dt.date(YEAR, 5, 1),
        "200.00",
        category="laptop",
        origin=SpendOrigin.DONATION,
        reuse=True,
        donation_age_bracket="lt5",
    )
    spend(buyer, dt.date(YEAR, 6, 1), "50.00", category="accessory")
    return user


def test_categories_map_to_schema_values_with_a_source(app):
    schema = json.loads(SCHEMA.read_text("utf-8"))
    allowed = next(f for f in schema["fields"] if f["name"] == "type_produit_acquis")
    allowed_values = set(allowed["constraints"]["enum"])
    mapping = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}
    for category in mapping.values():
        assert category.legal_category == "" or category.legal_category in allowed_values
        assert "legifrance.gouv.fr" in category.legal_category_source
    assert mapping["printer"].legal_category == LEGAL_CATEGORY_PRINTING
    assert mapping["laptop"].legal_category == LEGAL_CATEGORY_IT
    assert mapping["video_projector"].legal_category == LEGAL_CATEGORY_IT
    assert not mapping["accessory"].is_declared
    assert not mapping["network_equipment"].is_declared


def test_it_figures_cover_it_and_telephony_only(year):
    ind = queries.indicators(YEAR, buyer_id=year.organisation_id)
    assert ind.it_spend == D("1100.00")
    assert ind.reuse_spend == D("800.00")
    assert ind.donation_spend == D("200.00")
    assert ind.recycled_spend == D("300.00")
    assert ind.reuse_share is not None and round(ind.reuse_share, 4) == D("0.7273")
    assert ind.recycled_share is not None and round(ind.recycled_share, 4) == D("0.2727")
    hub = queries.indicators(YEAR)
    assert (hub.it_spend, hub.recycled_spend) == (D("1100.00"), D("300.00"))
    months = queries.monthly_spend(YEAR, buyer_id=year.organisation_id)
    assert [m.it_spend for m in months if m.it_spend] == [D("600.00"), D("300.00"), D("200.00")]
    members = queries.members_against_target(YEAR, D(20))
    assert [(m.it_spend, m.reuse_spend) for m in members] == [(D("1100.00"), D("800.00"))]
    assert queries.indicators_by_department(YEAR) == []  # one buyer: never shown alone


def test_figures_per_legal_category(year):
    rows = {r.legal_category: r for r in queries.spend_by_legal_category(YEAR)}
    assert set(rows) == {LEGAL_CATEGORY_IT, LEGAL_CATEGORY_PRINTING}
    it, printing = rows[LEGAL_CATEGORY_IT], rows[LEGAL_CATEGORY_PRINTING]
    assert (it.total, it.reuse, it.donations, it.recycled) == (
        D("1100.00"),
        D("800.00"),
        D("200.00"),
        D("300.00"),
    )
    assert (printing.total, printing.reuse, printing.donations, printing.recycled) == (
        D("400.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    assert printing.reuse_share == 0


def test_declaration_rows_per_legal_category_are_schema_valid(year, client, tmp_path):
    rows = queries.declaration_rows(YEAR, buyer_id=year.organisation_id)
    assert [
        (
            r.type_produit_acquis,
            r.montant_total,
            r.montant_reemploi_et_reutilisation,
            r.montant_produits_issus_don,
            r.montant_produits_recycles,
        )
        for r in rows
    ] == [
        (LEGAL_CATEGORY_PRINTING, D("400.00"), D("0.00"), D("0.00"), D("0.00")),
        (LEGAL_CATEGORY_IT, D("1100.00"), D("800.00"), D("200.00"), D("300.00")),
    ]
    login(client, "legal@example.fr")
    response = client.get(f"/indicateurs/declaration/{YEAR}.csv")
    assert response.status_code == 200
    (tmp_path / "declaration.csv").write_bytes(response.data)
    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text("utf-8")))
    report = Resource(path="declaration.csv", basepath=str(tmp_path), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    lines = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert [(r["type_produit_acquis"], r["montant_produits_recycles"]) for r in lines] == [
        (LEGAL_CATEGORY_PRINTING, "0.00"),
        (LEGAL_CATEGORY_IT, "300.00"),
    ]


def test_api_adds_recycled_and_legal_category_fields(year, client):
    body = client.get(f"/api/v1/indicators?year={YEAR}", headers=bearer(year)).get_json()
    assert (body["it_spend"], body["reuse_spend"], body["donation_spend"]) == (
        "1100.00",
        "800.00",
        "200.00",
    )
    assert (body["recycled_spend"], body["recycled_share"], body["reuse_share"]) == (
        "300.00",
        "0.2727",
        "0.7273",
    )
    it_target = ledger_queries.targets_for_year(YEAR)[TargetKind.SPEND_SHARE]
    assert body["target"] == f"{it_target.reuse_rate_bp / 10000:.4f}"
    assert body["recycled_target"] is None  # not confirmed: left empty, "à vérifier"
    assert body["by_legal_category"] == [
        {
            "type_produit_acquis": LEGAL_CATEGORY_PRINTING,
            "total": "400.00",
            "reuse": "0.00",
            "donations": "0.00",
            "recycled": "0.00",
            "reuse_share": "0.0000",
            "reuse_target": None,
            "recycled_share": "0.0000",
            "recycled_target": None,
        },
        {
            "type_produit_acquis": LEGAL_CATEGORY_IT,
            "total": "1100.00",
            "reuse": "800.00",
            "donations": "200.00",
            "recycled": "300.00",
            "reuse_share": "0.7273",
            "reuse_target": body["target"],
            "recycled_share": "0.2727",
            "recycled_target": None,
        },
    ]
    # Backward compatible: the product categories are all still there (accessory included).
    assert [c["code"] for c in body["by_category"]] == [
        "laptop",
        "smartphone",
        "printer",
        "accessory",
    ]


def test_a_corrected_recycled_target_is_compared(year):
    target = ledger_queries.targets_for_year(YEAR)[TargetKind.SPEND_SHARE]
    target.recycled_rate_bp = 500
    target.to_verify = False
    db.session.commit()
    rows = pages.legal_category_rows(YEAR)
    (it_row,) = [r for r in rows if r.spend.legal_category == LEGAL_CATEGORY_IT]
    assert it_row.recycled_target == D(5)
    assert pages.recycled_target_percent(pages.it_targets(YEAR)) == D(5)


def test_every_seeded_target_has_a_source_url_and_unconfirmed_ones_are_flagged(app):
    seeded = read_data("targets.json")
    for row in seeded:
        assert "https://" in row["source"]
        assert "2021-254" not in row["source"] or "abrog" in row["source"]
    spend_share = [r for r in seeded if r["kind"] == TargetKind.SPEND_SHARE.value]
    for category in (LEGAL_CATEGORY_IT, LEGAL_CATEGORY_PRINTING):
        years = {r["first_year"] for r in spend_share if r["legal_category"] == category}
        assert {2024, 2027, 2030} <= years
    unconfirmed = db.session.execute(
        db.select(LegalTarget).where(LegalTarget.to_verify.is_(True))
    ).scalars()
    assert all("VÉRIFIER" in t.source for t in unconfirmed)


def test_buyer_page_shows_both_shares_and_the_unverified_target(year, client):
    login(client, "legal@example.fr")
    page = client.get(f"/indicateurs?annee={YEAR}").get_data(as_text=True)
    assert "objectif à vérifier" in page
    assert "Matériel de reprographie et d&#39;impression" in page
    assert "27,3" in page  # the recycled share of IT and telephony


def test_a_contract_with_several_lines_counts_its_clauses_once(app, clause_factory):
    buyer = BuyerFactory()
    db.session.commit()
    social = clause_factory(kind=ClauseKind.SOCIAL)
    environmental = clause_factory(kind=ClauseKind.ENVIRONMENTAL)
    contract = ContractRef("2025-INFO-07", "Postes de travail", dt.date(2025, 1, 15))
    for month, category in ((2, "laptop"), (3, "monitor"), (4, "smartphone")):
        spend(
            buyer,
            dt.date(YEAR, month, 1),
            "1000.00",
            category=category,
            contract=contract,
            clauses=[social, environmental],
            social_consideration="Clause sociale",
            environmental_consideration="Clause environnementale",
        )
    spend(  # no reference: its own contract
        buyer,
        dt.date(YEAR, 5, 1),
        "500.00",
        clauses=[environmental],
        environmental_consideration="Clause environnementale",
    )
    ind = queries.indicators(YEAR, buyer_id=buyer.id)
    assert (ind.social_clauses, ind.environmental_clauses) == (1, 2)
    assert ind.spend_with_clause == D("3500.00")
    assert ind.spend_with_clause_share == 1
