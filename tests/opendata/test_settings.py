"""Issue 14: open-data settings (OCDS prefix, CCAG) and no zero-quantity tender item."""

from __future__ import annotations

import dataclasses

import pytest

from config import OCDS_PLACEHOLDER_PREFIX, TestingConfig
from nrhub import create_app
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
