"""Every JSON answer of the API is described by its schema in the OpenAPI document.

One walk through the whole life of a campaign (listings, campaign, offers, orders,
consolidation preview and confirmation, purchase orders seen by each party, shipment,
partial receipt, units not delivered, invoice, credit note, commitment, expenses,
indicators, framework agreements, tokens, stock) sends a real request to every route
that documents a JSON response; each answer is validated against the schema the served
OpenAPI document gives for its status, with no property beyond those the schema names.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from nrhub.agreements import frameworks
from nrhub.agreements.models import Ccag, Procedure
from nrhub.api.core import REGISTRY
from nrhub.campaigns.models import Campaign
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.transactions import unit_of_work
from tests.api.conftest import bearer
from tests.api.test_api import LISTING_BODY
from tests.api.test_coordination import campaign_body
from tests.campaigns.conftest import category_ids
from tests.consolidation.factories import Scenario, scenario
from tests.factories import PASSWORD

PREFIX = "/api/v1"


def _closed(node: Any) -> Any:
    """The schema with every object closed: a property the schema does not name fails."""
    if isinstance(node, dict):
        node = {key: _closed(value) for key, value in node.items()}
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [_closed(value) for value in node]
    return node


class Walk:
    """Sends the requests and keeps each JSON answer with the route that gave it."""

    def __init__(self, client: FlaskClient, world: Scenario) -> None:
        self.client = client
        self.world = world
        self.headers = {name: bearer(user) for name, user in world.people.items()}
        self.answers: list[tuple[str, str, int, Any]] = []  # (method, route, status, body)

    def call(self, who: str | None, method: str, route: str, json: Any = None, **ids: Any) -> Any:
        url = PREFIX + route.format(**ids)
        headers = self.headers[who] if who else {}
        response = self.client.open(url, method=method, json=json, headers=headers)
        assert response.status_code < 300, (method, url, response.get_json())
        body = response.get_json()
        self.answers.append((method, route, response.status_code, body))
        return body


def _framework(world: Scenario) -> None:
    with unit_of_work():
        agreement = frameworks.create_framework(
            frameworks.FrameworkData(
                title="Matériel reconditionné",
                reference="AC-2026-01",
                procedure=Procedure.OPEN_TENDER,
                awarded_on=dt.date(2026, 1, 5),
                duration_months=48,
                maximum_amount=Decimal("20000.00"),
                ccag=Ccag.TIC,
            ),
            by=world.coordinator,
        )
        lot = frameworks.add_lot(
            agreement,
            frameworks.LotData(
                1, "Postes de travail", "30213000-5", None, tuple(category_ids("laptop"))
            ),
            by=world.coordinator,
        )
        frameworks.add_holder(lot, world.refurbisher_a.id, "REF-A", by=world.coordinator)
        db.session.execute(
            db.update(Campaign)
            .where(Campaign.id == world.campaign.id)
            .values(framework_lot_id=lot.id)
        )


def walk_every_route(client: FlaskClient) -> Walk:
    world = scenario()
    _framework(world)
    walk = Walk(client, world)
    today = paris_date_of(utcnow()).isoformat()
    campaign_id = world.campaign.id

    # Tokens, catalogue, stock
    walk.call(
        None,
        "POST",
        "/tokens",
        {"email": world.people["buyer1"].email, "password": PASSWORD, "label": "ERP"},
    )
    walk.call("buyer1", "GET", "/categories")
    listings = walk.call("buyer1", "GET", "/listings")
    walk.call("buyer1", "GET", "/listings/{id}", id=listings["items"][0]["id"])
    walk.call("refurbisher_a", "PUT", "/listings/by-sku/{sku}", LISTING_BODY, sku="NEW-1")
    walk.call("refurbisher_a", "POST", "/stock", {"items": [{"sku": "NEW-1", "quantity": 7}]})

    # A new campaign: created, opened, an offer committed and accepted, an order
    opens_at = (utcnow() - dt.timedelta(hours=1)).isoformat()
    created = walk.call("coordinator", "POST", "/campaigns", campaign_body(opens_at=opens_at))
    walk.call(
        "coordinator",
        "POST",
        "/campaigns/{id}/transitions",
        {"to": "open"},
        id=created["id"],
    )
    offer = walk.call(
        "refurbisher_a",
        "POST",
        "/campaigns/{id}/offers",
        {"listing_id": world.listings["laptop"].id, "quantity": 2},
        id=created["id"],
    )
    walk.call("coordinator", "POST", "/offers/{id}/decision", {"accept": True}, id=offer["id"])
    walk.call(
        "buyer1",
        "PUT",
        "/campaigns/{id}/order",
        {"lines": [{"offer_id": offer["id"], "quantity": 1}]},
        id=created["id"],
    )
    # A client may send back the order it read, read-only fields included.
    order = walk.call("buyer1", "GET", "/campaigns/{id}/order", id=created["id"])
    again = walk.call("buyer1", "PUT", "/campaigns/{id}/order", order, id=created["id"])
    assert again["lines"] == order["lines"]
    walk.call("buyer1", "GET", "/campaigns")
    walk.call("buyer1", "GET", "/campaigns/{id}", id=campaign_id)
    walk.call("coordinator", "GET", "/campaigns/{id}", id=created["id"])

    # The closed campaign: commitment, consolidation preview then confirmation
    commitment = {
        "engagement_number": "EJ-2026-00042",
        "budget_nature": "2183",
        "budget_chapter": "21",
        "service_code": None,
        "delivery_address": "Mairie, 1 place de la Mairie, 35500 Vitré",
    }
    walk.call("buyer1", "PUT", "/campaigns/{id}/commitment", commitment, id=campaign_id)
    read = walk.call("buyer1", "GET", "/campaigns/{id}/commitment", id=campaign_id)
    again = walk.call("buyer1", "PUT", "/campaigns/{id}/commitment", read, id=campaign_id)
    assert again | {"updated_at": None} == read | {"updated_at": None}
    walk.call("buyer1", "GET", "/campaigns/{id}/order", id=campaign_id)
    preview = walk.call(
        "coordinator", "POST", "/campaigns/{id}/consolidation", {"confirm": False}, id=campaign_id
    )
    assert preview["confirmed"] is False and preview["offers"]
    walk.call(
        "coordinator",
        "POST",
        "/campaigns/{id}/consolidation",
        {"confirm": True, "rule": "fifo"},
        id=campaign_id,
    )

    # Purchase orders, seen by each party; one delivery shipped, partly received, closed
    for who in ("coordinator", "refurbisher_a", "buyer1"):
        page = walk.call(who, "GET", "/purchase-orders")
        walk.call(who, "GET", "/purchase-orders/{id}", id=page["items"][0]["id"])
    [po] = walk.call("buyer1", "GET", "/purchase-orders?campaign_id={c}", c=campaign_id)["items"]
    [delivery] = po["deliveries"]
    shipped = walk.call("refurbisher_a", "POST", "/deliveries/{id}/shipment", {}, id=delivery["id"])
    first, *others = shipped["lines"]
    receipt = {
        "received_on": today,
        "lines": [{"line_id": first["id"], "quantity": first["quantity"] - 1}]
        + [{"line_id": line["id"], "quantity": line["quantity"]} for line in others],
        "comment": "Un carton abîmé",
    }
    partial = walk.call("buyer1", "POST", "/deliveries/{id}/receipt", receipt, id=delivery["id"])
    assert partial["state"] == "partial"
    walk.call(
        "buyer1",
        "POST",
        "/deliveries/{id}/not-delivered",
        {"reason": "Perdu par le transporteur"},
        id=delivery["id"],
    )

    # Invoice and credit note
    invoice = walk.call(
        "refurbisher_a",
        "POST",
        "/deliveries/{id}/invoices",
        {"number": "FA-2026-0001", "issued_on": today},
        id=delivery["id"],
    )
    walk.call(
        "refurbisher_a",
        "POST",
        "/invoices/{id}/credit-notes",
        {
            "number": "AV-2026-0001",
            "issued_on": today,
            "reason": "Écran fêlé",
            "lines": [{"line_id": invoice["lines"][0]["id"], "quantity": 1}],
        },
        id=invoice["id"],
    )
    walk.call("buyer1", "GET", "/invoices")
    walk.call("coordinator", "GET", "/invoices/{id}", id=invoice["id"])

    # Expenses, indicators, framework agreements
    walk.call(
        "buyer1",
        "POST",
        "/expenses",
        {"spent_on": today, "category": "laptop", "quantity": 1, "amount_ht": "100.00"},
    )
    walk.call("buyer1", "GET", "/expenses")
    walk.call("buyer1", "GET", "/indicators")
    walk.call("coordinator", "GET", "/indicators")
    walk.call("coordinator", "GET", "/indicators?organisation={org}", org=world.buyers[0].id)
    agreements = walk.call("refurbisher_a", "GET", "/framework-agreements")
    walk.call("buyer1", "GET", "/framework-agreements/{id}", id=agreements["items"][0]["id"])
    return walk


@pytest.fixture
def walk(app, client: FlaskClient) -> Walk:  # type: ignore[no-untyped-def]
    return walk_every_route(client)


def test_every_json_answer_fits_its_documented_schema(api, walk):  # type: ignore[no-untyped-def]
    """One walk (it builds a whole campaign) for three checks: every answer fits its
    schema, every documented JSON route is reached, and a listing read is accepted back."""
    document = api.get("/api/v1/openapi.json").get_json()
    components = _closed(copy.deepcopy(document["components"]))
    for method, route, status, body in walk.answers:
        path = PREFIX + route.split("?")[0]
        operation = document["paths"][path][method.lower()]
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": components})
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], f"{method} {route} ({status}) outside its schema: {errors[:5]}"

    documented = {(r.method, r.path) for r in REGISTRY if r.response is not None}
    reached = {(method, route.split("?")[0]) for method, route, _status, _body in walk.answers}
    assert documented - reached == set()

    [created] = [a[3] for a in walk.answers if a[:2] == ("PUT", "/listings/by-sku/{sku}")]
    read = walk.call("refurbisher_a", "GET", "/listings/{id}", id=created["id"])
    again = walk.call("refurbisher_a", "PUT", "/listings/by-sku/{sku}", read, sku="NEW-1")
    assert again == read | {"updated_at": again["updated_at"]}


def test_an_order_or_commitment_naming_another_campaign_is_refused(app, client):  # type: ignore[no-untyped-def]
    world = scenario()
    headers = bearer(world.people["buyer1"])
    campaign_id = world.campaign.id
    order = client.get(f"{PREFIX}/campaigns/{campaign_id}/order", headers=headers).get_json()
    order["campaign_id"] = campaign_id + 1

    response = client.put(f"{PREFIX}/campaigns/{campaign_id}/order", json=order, headers=headers)

    assert response.status_code == 422
    assert "campaign_id" in response.get_json()["errors"]
    commitment = {
        "campaign_id": campaign_id + 1,
        "engagement_number": "EJ-1",
        "budget_nature": "2183",
        "budget_chapter": "21",
        "delivery_address": "Mairie, 1 place de la Mairie, 35500 Vitré",
    }
    response = client.put(
        f"{PREFIX}/campaigns/{campaign_id}/commitment", json=commitment, headers=headers
    )
    assert response.status_code == 422
    assert "campaign_id" in response.get_json()["errors"]


def test_a_view_answering_another_model_than_documented_is_an_error(app):  # type: ignore[no-untyped-def]
    from nrhub.api import schemas
    from nrhub.api.registry import _written

    with app.test_request_context():
        assert _written(schemas.StockResult(updated=1, unchanged=0), "x", schemas.StockResult)
        with pytest.raises(TypeError, match="documented as"):
            _written(schemas.StockResult(updated=1, unchanged=0), "x", schemas.TokenCreated)


def test_field_messages_follow_the_request_language(app):  # type: ignore[no-untyped-def]
    from flask_babel import force_locale

    from nrhub.api.core import ApiProblem, parse_body
    from nrhub.api.schemas import OrderIn

    body = {"lines": [{"offer_id": 0, "quantity": "2"}], "extra": 1}
    for locale, expected in (
        (
            "en",
            [
                "The value must be at least 1.",
                "A whole number is expected.",
                "This field is not expected.",
            ],
        ),
        (
            "fr",
            [
                "La valeur doit être au moins 1.",
                "Un nombre entier est attendu.",
                "Ce champ n'est pas attendu.",
            ],
        ),
    ):
        with (
            app.test_request_context(json=body),
            force_locale(locale),
            pytest.raises(ApiProblem) as caught,
        ):
            parse_body(OrderIn)
        errors = caught.value.errors or {}
        assert [
            errors["lines.0.offer_id"][0],
            errors["lines.0.quantity"][0],
            errors["extra"][0],
        ] == expected
