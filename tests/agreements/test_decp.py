"""DECP under a framework agreement: the lot's contract (technique "Accord-cadre", modality
"Bons de commande") and the purchase orders as its call-offs, naming it in idAccordCadre."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from nrhub.agreements import frameworks
from nrhub.agreements.models import Ccag, Procedure
from nrhub.campaigns.models import Campaign
from nrhub.consolidation import services
from nrhub.consolidation.models import PurchaseOrder
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests.conftest import login
from tests.consolidation.factories import scenario
from tests.opendata import schemas
from tests.opendata.conftest import CONSOLIDATED_AT


def _consolidated_call_off(*, holders: bool = True):  # type: ignore[no-untyped-def]
    world = scenario()
    with unit_of_work():
        agreement = frameworks.create_framework(
            frameworks.FrameworkData(
                title="Matériel informatique reconditionné",
                reference="AC-2025-01",
                procedure=Procedure.OPEN_TENDER,
                awarded_on=dt.date(2025, 6, 2),
                duration_months=48,
                maximum_amount=Decimal("800000.00"),
                ccag=Ccag.FCS,
            ),
            by=world.coordinator,
        )
        lot = frameworks.add_lot(
            agreement,
            frameworks.LotData(1, "Postes de travail", "30213000-5", Decimal("600000.00")),
            by=world.coordinator,
        )
        if holders:
            for org in (world.refurbisher_a, world.refurbisher_b):
                frameworks.add_holder(lot, org.id, f"M-{org.id}", by=world.coordinator)
    db.session.execute(
        db.update(Campaign).where(Campaign.id == world.campaign.id).values(framework_lot_id=lot.id)
    )
    world.campaign.delivery_to = dt.date(2027, 1, 15)
    db.session.commit()
    services.confirm_consolidation(
        world.campaign, by=world.coordinator, at=CONSOLIDATED_AT, notify=False
    )
    db.session.commit()
    return world


def _export(client, campaign_id: int) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    response = client.get(f"/campagnes/{campaign_id}/donnees-essentielles.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    document = response.get_json()
    assert schemas.errors(schemas.decp_validator(), document) == []
    return document["marches"]["marche"]  # type: ignore[no-any-return]


def test_the_lot_contract_then_the_purchase_orders_as_call_offs(app, client):  # type: ignore[no-untyped-def]
    world = _consolidated_call_off()
    frame, *call_offs = _export(client, world.campaign.id)
    assert frame["id"] == "AC-2025-01-L1"
    assert frame["techniques"] == {"technique": ["Accord-cadre"]}
    assert frame["modalitesExecution"] == {"modaliteExecution": ["Bons de commande"]}
    assert frame["procedure"] == "Appel d'offres ouvert"
    assert frame["ccag"] == "Fournitures courantes et services"
    assert frame["montant"] == 600000
    assert frame["dureeMois"] == 48
    assert frame["dateNotification"] == "2025-06-02"
    assert frame["codeCPV"] == "30213000-5"
    assert "idAccordCadre" not in frame
    assert sorted(t["titulaire"]["id"] for t in frame["titulaires"]) == sorted(
        [world.refurbisher_a.siret, world.refurbisher_b.siret]
    )
    assert sorted(m["id"] for m in call_offs) == ["BC-2026-0001", "BC-2026-0002"]
    for item in call_offs:
        assert item["idAccordCadre"] == "AC-2025-01-L1"
        assert item["techniques"] == {"technique": ["Accord-cadre"]}
        assert item["modalitesExecution"] == {"modaliteExecution": ["Bons de commande"]}
        assert item["procedure"] == "Appel d'offres ouvert"
        assert item["ccag"] == "Fournitures courantes et services"


def test_a_lot_without_holders_names_the_suppliers(app, client):  # type: ignore[no-untyped-def]
    world = _consolidated_call_off(holders=False)
    frame, *_call_offs = _export(client, world.campaign.id)
    assert {t["titulaire"]["id"] for t in frame["titulaires"]} == {
        world.refurbisher_a.siret,
        world.refurbisher_b.siret,
    }


def test_purchase_order_page_and_csv_cite_the_agreement_and_lot(app, client):  # type: ignore[no-untyped-def]
    world = _consolidated_call_off()
    po = db.session.execute(
        db.select(PurchaseOrder).where(PurchaseOrder.refurbisher_id == world.refurbisher_a.id)
    ).scalar_one()
    login(client, "atelier-a@test.fr")
    page = client.get(f"/bons-de-commande/{po.id}").get_data(as_text=True)
    assert "AC-2025-01, lot 1 : Postes de travail" in page
    assert f"Marché du titulaire : M-{world.refurbisher_a.id}" in page
    text = client.get(f"/bons-de-commande/{po.id}.csv").get_data().decode("utf-8-sig")
    rows = [line.split(";") for line in text.strip().split("\r\n")]
    assert rows[0][-3:] == ["accord_cadre", "lot_accord_cadre", "reference_marche_titulaire"]
    assert rows[1][-3:] == ["AC-2025-01", "1 — Postes de travail", f"M-{world.refurbisher_a.id}"]
