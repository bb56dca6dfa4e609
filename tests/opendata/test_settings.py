"""Issue 14: open-data settings (OCDS prefix, CCAG) and no zero-quantity tender item."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from config import OCDS_PLACEHOLDER_PREFIX, TestingConfig
from nrhub import create_app
from nrhub.consolidation import delivery_services
from nrhub.consolidation.models import Delivery, DeliveryLine, PurchaseOrder
from nrhub.extensions import db
from nrhub.opendata import ocds
from nrhub.opendata.queries import CategoryInfo, published_campaign
from tests import factories
from tests.conftest import login
from tests.opendata import schemas


def test_ccag_comes_from_the_hub_setting(consolidated, client, app):
    url = f"/campagnes/{consolidated.campaign.id}/donnees-essentielles.json"
    document = client.get(url).get_json()
    assert {m["ccag"] for m in document["marches"]["marche"]} == {
        "Techniques de l'information et de la communication"
    }
    app.config["DECP_CCAG"] = "Fournitures courantes et services"
    document = client.get(url).get_json()
    assert {m["ccag"] for m in document["marches"]["marche"]} == {
        "Fournitures courantes et services"
    }
    assert schemas.errors(schemas.decp_validator(), document) == []


def test_a_category_nobody_received_is_not_a_tender_item(consolidated):
    data = published_campaign(consolidated.campaign.id)
    received = {line.category.code for c in data.contracts for line in c.lines}
    unordered = CategoryInfo("printer", "Imprimante", "30232100-5")
    data = dataclasses.replace(data, categories=(*data.categories, unordered))
    items = ocds.tender_items(data)
    assert {i["id"] for i in items} == received
    assert all(i["quantity"] > 0 for i in items)


def test_production_refuses_the_placeholder_prefix(monkeypatch):
    class Production(TestingConfig):
        TESTING = False
        SECRET_KEY = "a-real-secret"

    monkeypatch.setenv("NRHUB_ENV", "production")
    with pytest.raises(RuntimeError, match="OCDS_OCID_PREFIX"):
        create_app(Production)
    assert create_app(Production, OCDS_OCID_PREFIX="ocds-a1b2c3").config["OCDS_OCID_PREFIX"] == (
        "ocds-a1b2c3"
    )


def test_coordinator_home_warns_while_the_placeholder_prefix_is_used(app, client):
    coordinator = factories.UserFactory(
        email="coord-ocds@example.fr", organisation=factories.HubFactory()
    )
    db.session.commit()
    login(client, coordinator.email)
    assert app.config["OCDS_OCID_PREFIX"] == OCDS_PLACEHOLDER_PREFIX
    assert "préfixe provisoire" in client.get("/").get_data(as_text=True)
    app.config["OCDS_OCID_PREFIX"] = "ocds-a1b2c3"
    assert "préfixe provisoire" not in client.get("/").get_data(as_text=True)


def test_contracts_follow_their_deliveries_and_publish_the_receipts(consolidated, client):
    url = f"/campagnes/{consolidated.campaign.id}/ocds.json"
    release = client.get(url).get_json()["releases"][0]
    assert {c["status"] for c in release["contracts"]} == {"active"}
    first = release["contracts"][0]
    assert "transactions" not in first["implementation"]
    assert {m["status"] for m in first["implementation"]["milestones"]} == {"scheduled"}

    order = db.session.execute(
        db.select(PurchaseOrder).where(PurchaseOrder.number == first["id"])
    ).scalar_one()
    deliveries = db.session.execute(
        db.select(Delivery).where(Delivery.purchase_order_id == order.id).order_by(Delivery.id)
    ).scalars()
    refurbisher = next(
        p for p in consolidated.people.values() if p.organisation_id == order.refurbisher_id
    )
    received_on = dt.date(2026, 11, 20)
    for delivery in list(deliveries):
        buyer = next(
            p for p in consolidated.people.values() if p.organisation_id == delivery.buyer_id
        )
        delivery_services.ship_delivery(
            delivery, dt.date(2026, 11, 10), None, by=refurbisher, notify=False
        )
        quantities = dict(
            db.session.execute(
                db.select(DeliveryLine.id, DeliveryLine.quantity).where(
                    DeliveryLine.delivery_id == delivery.id
                )
            ).all()
        )
        delivery_services.confirm_receipt(
            delivery, received_on, quantities, None, by=buyer, notify=False
        )
        db.session.commit()

    package = client.get(url).get_json()
    contracts = {c["id"]: c for c in package["releases"][0]["contracts"]}
    done = contracts[first["id"]]
    assert done["status"] == "terminated"
    assert {m["status"] for m in done["implementation"]["milestones"]} == {"met"}
    paid = sum(Decimal(str(t["value"]["amount"])) for t in done["implementation"]["transactions"])
    assert paid == Decimal(str(done["value"]["amount"]))
    award = next(a for a in package["releases"][0]["awards"] if a["id"] == first["id"])
    payees = {t["payee"]["name"] for t in done["implementation"]["transactions"]}
    assert payees == {award["suppliers"][0]["name"]}
    others = [c for number, c in contracts.items() if number != first["id"]]
    assert all(c["status"] == "active" for c in others)
    assert schemas.errors(schemas.package_validator(), package) == []
