"""The DECP export: valid against the documented fields and values, figures from the orders."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from nrhub.campaigns.models import OrderStatus
from nrhub.clauses.models import ClauseForm, ClauseKind
from nrhub.consolidation import services
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.opendata import decp
from nrhub.opendata.queries import CategoryInfo, Party, published_campaign
from tests.consolidation import factories as f
from tests.opendata import helpers, schemas
from tests.opendata.conftest import CONSOLIDATED_AT


def _export(client, campaign_id: int) -> dict:
    response = client.get(f"/campagnes/{campaign_id}/donnees-essentielles.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def _by_id(document: dict) -> dict[str, dict]:
    return {m["id"]: m for m in document["marches"]["marche"]}


def test_export_is_valid_against_the_documented_schema(consolidated, client):
    document = _export(client, consolidated.campaign.id)

    assert schemas.errors(schemas.decp_validator(), document) == []
    assert sorted(_by_id(document)) == ["BC-2026-0001", "BC-2026-0002"]


def test_schema_refuses_what_the_format_forbids(consolidated, client):
    """The test schema is not a rubber stamp: each of these breaks one documented rule."""
    document = _export(client, consolidated.campaign.id)
    validator = schemas.decp_validator()
    breakages = [
        ("codeCPV", "30213100"),
        ("acheteur", {"id": "1234"}),
        ("montant", 0),
        ("id", "BC-2026-0001-TROP-LONG"),
        ("procedure", "Gré à gré"),
        ("considerationsSociales", {"considerationSociale": ["Clause verte"]}),
        ("dateNotification", "02/10/2026"),
    ]
    for field, value in breakages:
        broken = {"marches": {"marche": [{**document["marches"]["marche"][0], field: value}]}}
        assert schemas.errors(validator, broken), field
    missing = dict(document["marches"]["marche"][0])
    del missing["considerationsEnvironnementales"]
    assert schemas.errors(validator, {"marches": {"marche": [missing]}})


def test_amounts_are_the_purchase_orders_totals(consolidated, client):
    marches = _by_id(_export(client, consolidated.campaign.id))

    totals = {po.number: po.total_ht for po in helpers.purchase_orders(consolidated.campaign.id)}
    assert {k: Decimal(str(m["montant"])) for k, m in marches.items()} == totals
    # Atelier A: 10 laptops at the pooled 210.00 + 8 monitors at 120.00; Atelier B: 6 phones.
    assert totals == {"BC-2026-0001": Decimal("3060.00"), "BC-2026-0002": Decimal("1079.94")}


def test_contract_fields_describe_the_hub_and_the_refurbisher(consolidated, client):
    marches = _by_id(_export(client, consolidated.campaign.id))
    first, second = marches["BC-2026-0001"], marches["BC-2026-0002"]

    assert first["acheteur"] == {"id": consolidated.hub.siret}
    assert first["titulaires"] == [
        {"titulaire": {"typeIdentifiant": "SIRET", "id": consolidated.refurbisher_a.siret}}
    ]
    assert second["titulaires"][0]["titulaire"]["id"] == consolidated.refurbisher_b.siret
    assert first["codeCPV"] == "30213100-6"  # laptops (2 100 €) weigh more than monitors
    assert second["codeCPV"] == "32250000-0"
    assert first["objet"] == (
        "Campagne automne 2026 : fourniture de matériel informatique reconditionné "
        "(Ordinateur portable, Écran) par Atelier A"
    )
    assert first["dateNotification"] == "2026-10-02"
    # First served now, not at the consolidation (see test_views for the stored date).
    assert first["datePublicationDonnees"] == paris_today().isoformat()
    assert first["dureeMois"] == 4  # 2 October 2026 → 15 January 2027, started months
    assert first["lieuExecution"] == {"code": "35", "typeCode": "Code département"}
    assert first["offresRecues"] == 2
    assert (first["nature"], first["procedure"], first["formePrix"]) == (
        "Marché",
        "Procédure adaptée",
        "Unitaire",
    )


def test_considerations_come_from_the_campaign_clauses(consolidated, client):
    first = _by_id(_export(client, consolidated.campaign.id))["BC-2026-0001"]

    # The scenario's campaign has a social clause and an environmental award criterion.
    assert first["considerationsSociales"] == {"considerationSociale": ["Clause sociale"]}
    assert first["considerationsEnvironnementales"] == {
        "considerationEnvironnementale": ["Critère environnemental"]
    }


@pytest.mark.parametrize(
    ("clauses", "social", "environmental"),
    [
        ([], ["Pas de considération sociale"], ["Pas de considération environnementale"]),
        (
            [
                (ClauseKind.SOCIAL, ClauseForm.RESERVED),
                (ClauseKind.SOCIAL, ClauseForm.CRITERION),
                (ClauseKind.SOCIAL, ClauseForm.CRITERION),
                (ClauseKind.ENVIRONMENTAL, ClauseForm.CLAUSE),
            ],
            ["Critère social", "Marché réservé"],
            ["Clause environnementale"],
        ),
        (
            [(ClauseKind.ENVIRONMENTAL, ClauseForm.CRITERION)],
            ["Pas de considération sociale"],
            ["Critère environnemental"],
        ),
    ],
)
def test_considerations_for_each_set_of_clauses(world, client, clauses, social, environmental):
    helpers.set_clauses(world.campaign, [f.clause(kind, form) for kind, form in clauses])
    services.confirm_consolidation(world.campaign, by=world.coordinator, notify=False)
    db.session.expire_all()

    document = _export(client, world.campaign.id)

    assert schemas.errors(schemas.decp_validator(), document) == []
    for marche in document["marches"]["marche"]:
        assert marche["considerationsSociales"]["considerationSociale"] == social
        assert marche["considerationsEnvironnementales"]["considerationEnvironnementale"] == (
            environmental
        )


def test_maintenance_counts_in_the_amount_and_the_duration(world, client):
    helpers.add_maintenance(world, buyer_number=1, months=24, price="30.00")
    world.campaign.delivery_to = dt.date(2027, 1, 15)
    db.session.commit()
    services.confirm_consolidation(
        world.campaign, by=world.coordinator, at=CONSOLIDATED_AT, notify=False
    )
    db.session.expire_all()

    first = _by_id(_export(client, world.campaign.id))["BC-2026-0001"]

    # Buyer 1 was allocated 3 laptops: 3 × 30.00 of maintenance on top of 3 060.00.
    assert Decimal(str(first["montant"])) == Decimal("3150.00")
    assert first["montant"] == float(helpers.purchase_orders(world.campaign.id)[0].total_ht)
    assert first["dureeMois"] == 28  # until 15 January 2029
    assert first["objet"].endswith("par Atelier A, avec maintenance ou extension de garantie")
    assert first["codeCPV"] == "30213100-6"


def test_campaign_without_purchase_order_publishes_an_empty_list(world, client):
    for order in world.orders:
        order.status = OrderStatus.CANCELLED
    db.session.commit()
    services.confirm_consolidation(world.campaign, by=world.coordinator, notify=False)

    document = _export(client, world.campaign.id)

    assert document == {"marches": {"marche": []}}
    assert schemas.errors(schemas.decp_validator(), document) == []


# --- Pure rules -----------------------------------------------------------------------------


def _party(department: str, region: str) -> Party:
    return Party(1, "Commune", "80000001000010", "", "35000", "Rennes", department, region)


def test_execution_place_is_the_common_department_then_region_then_france():
    assert decp.execution_place((_party("35", "53"), _party("35", "53"))) == {
        "code": "35",
        "typeCode": "Code département",
    }
    assert decp.execution_place((_party("35", "53"), _party("29", "53"))) == {
        "code": "53",
        "typeCode": "Code région",
    }
    assert decp.execution_place((_party("35", "53"), _party("2A", "94"))) == {
        "code": "99100",
        "typeCode": "Code pays",
    }


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2026, 10, 2), None, 1),
        (dt.date(2026, 10, 2), dt.date(2026, 10, 1), 1),
        (dt.date(2026, 10, 2), dt.date(2026, 11, 2), 1),
        (dt.date(2026, 10, 2), dt.date(2026, 11, 3), 2),
        (dt.date(2026, 10, 31), dt.date(2027, 2, 28), 4),
    ],
)
def test_duration_counts_started_months(start, end, months):
    assert decp.duration_months(start, end) == months


def test_add_months_keeps_the_last_day_of_shorter_months():
    assert decp.add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert decp.add_months(dt.date(2027, 1, 15), 24) == dt.date(2029, 1, 15)


def test_main_cpv_is_the_largest_amount_first_on_ties(consolidated):
    data = published_campaign(consolidated.campaign.id)
    contract = data.contracts[0]
    line = contract.lines[0]
    tie = dataclasses.replace(
        line,
        id="x",
        amount_ht=line.amount_ht,
        category=CategoryInfo("tablet", "Tablette", "30213200-7"),
    )
    assert decp.main_cpv(dataclasses.replace(contract, lines=(line, tie))) == line.category.cpv_code
    bigger = dataclasses.replace(tie, amount_ht=line.amount_ht + Decimal("0.01"))
    assert decp.main_cpv(dataclasses.replace(contract, lines=(line, bigger))) == "30213200-7"


def test_object_is_cut_at_one_thousand_characters(consolidated):
    data = dataclasses.replace(published_campaign(consolidated.campaign.id), title="x" * 1200)
    text = decp.contract_object(data, data.contracts[0])
    assert len(text) == 1000
    assert text.endswith("…")
