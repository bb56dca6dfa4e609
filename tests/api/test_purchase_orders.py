"""The API over purchase orders and deliveries: each person sees only its share, the
refurbisher ships, the buyer confirms receipt (which writes its spend ledger)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.consolidation import services
from nrhub.consolidation.models import Delivery, DeliveryStatus, PurchaseOrder
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.ledger.models import SpendEntry, SpendOrigin
from tests.api.conftest import bearer
from tests.api.test_api import assert_problem
from tests.consolidation.factories import Scenario, scenario


@pytest.fixture
def world(app) -> Scenario:  # type: ignore[no-untyped-def]
    """Consolidated (proportional): PO of Atelier A (laptop 10 at 210.00, monitor 8 at
    120.00) delivering to communes 1, 2, 3; PO of Atelier B (phone 6 at 179.99) delivering
    to communes 2 and 3."""
    result = scenario()
    services.confirm_consolidation(result.campaign, by=result.coordinator, notify=False)
    return result


def _po(world: Scenario, refurbisher: str) -> PurchaseOrder:
    org = getattr(world, f"refurbisher_{refurbisher}")
    return db.session.execute(
        select(PurchaseOrder).where(PurchaseOrder.refurbisher_id == org.id)
    ).scalar_one()


def _delivery(world: Scenario, refurbisher: str, buyer: int) -> Delivery:
    org = getattr(world, f"refurbisher_{refurbisher}")
    return db.session.execute(
        select(Delivery).where(
            Delivery.refurbisher_id == org.id, Delivery.buyer_id == world.buyers[buyer - 1].id
        )
    ).scalar_one()


def _today() -> str:
    return paris_date_of(utcnow()).isoformat()


# --- reading ------------------------------------------------------------------------------


def test_coordinator_sees_every_purchase_order_in_full(api, world):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/purchase-orders", headers=bearer(world.coordinator))
    assert response.status_code == 200
    body = response.get_json()
    assert body["next_cursor"] is None
    assert [po["refurbisher"]["name"] for po in body["items"]] == ["Atelier A", "Atelier B"]
    po_a = body["items"][0]
    assert set(po_a) >= {"id", "number", "refurbisher", "lines", "deliveries", "campaign_id"}
    assert po_a["number"].startswith("BC-")
    assert [(li["quantity"], li["unit_price_ht"]) for li in po_a["lines"]] == [
        (10, "210.00"),
        (8, "120.00"),
    ]
    assert po_a["total_ht"] == "3060.00"
    assert [d["buyer"]["name"] for d in po_a["deliveries"]] == [
        "Commune 1",
        "Commune 2",
        "Commune 3",
    ]
    delivery = po_a["deliveries"][0]
    assert set(delivery) >= {"id", "buyer", "state", "lines"}
    assert set(delivery["lines"][0]) >= {
        "id", "offer_id", "quantity", "unit_price_ht", "shipped", "received",
    }  # fmt: skip
    assert (
        delivery["state"],
        delivery["lines"][0]["shipped"],
        delivery["lines"][0]["received"],
    ) == (
        "pending",
        0,
        None,
    )


def test_refurbisher_sees_only_its_own(api, world):  # type: ignore[no-untyped-def]
    headers = bearer(world.people["refurbisher_a"])
    items = api.get("/api/v1/purchase-orders", headers=headers).get_json()["items"]
    assert [po["id"] for po in items] == [_po(world, "a").id]
    assert_problem(api.get(f"/api/v1/purchase-orders/{_po(world, 'b').id}", headers=headers), 404)


def test_buyer_sees_only_its_delivery_and_lines(api, world):  # type: ignore[no-untyped-def]
    headers = bearer(world.people["buyer1"])
    items = api.get("/api/v1/purchase-orders", headers=headers).get_json()["items"]
    assert [po["id"] for po in items] == [_po(world, "a").id]
    [po] = items
    assert [d["buyer"]["name"] for d in po["deliveries"]] == ["Commune 1"]
    mine = _delivery(world, "a", 1)
    # its own quantities, never the purchase order's totals over every buyer
    assert [li["quantity"] for li in po["lines"]] == [
        li["quantity"] for li in po["deliveries"][0]["lines"]
    ]
    assert Decimal(po["total_ht"]) == mine.total_ht
    assert "Commune 2" not in str(po) and "Commune 3" not in str(po)
    # the purchase order of Atelier B delivers nothing to commune 1
    assert_problem(api.get(f"/api/v1/purchase-orders/{_po(world, 'b').id}", headers=headers), 404)
    detail = api.get(f"/api/v1/purchase-orders/{po['id']}", headers=headers).get_json()
    assert detail == po


def test_purchase_orders_cursor_pages(api, world):  # type: ignore[no-untyped-def]
    headers = bearer(world.coordinator)
    first = api.get("/api/v1/purchase-orders?limit=1", headers=headers).get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = api.get(
        f"/api/v1/purchase-orders?limit=1&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    assert [po["refurbisher"]["name"] for po in second["items"]] == ["Atelier B"]
    assert second["next_cursor"] is None
    filtered = api.get(
        f"/api/v1/purchase-orders?campaign_id={world.campaign.id + 1}", headers=headers
    ).get_json()
    assert filtered["items"] == []


@pytest.mark.parametrize("query", ["limit=0", "cursor=nope", "campaign_id=x"])
def test_purchase_orders_bad_query_422(api, world, query):  # type: ignore[no-untyped-def]
    assert_problem(
        api.get(f"/api/v1/purchase-orders?{query}", headers=bearer(world.coordinator)), 422
    )


def test_unknown_purchase_order_404(api, world):  # type: ignore[no-untyped-def]
    assert_problem(api.get("/api/v1/purchase-orders/999", headers=bearer(world.coordinator)), 404)


# --- shipment -----------------------------------------------------------------------------


def test_refurbisher_ships_a_delivery(api, world):  # type: ignore[no-untyped-def]
    delivery = _delivery(world, "a", 1)
    response = api.post(
        f"/api/v1/deliveries/{delivery.id}/shipment",
        json={"serials": "SN1\nSN2"},
        headers=bearer(world.people["refurbisher_a"]),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["state"], body["shipped_on"], body["buyer"]["name"]) == (
        "shipped",
        _today(),
        "Commune 1",
    )
    assert [li["shipped"] for li in body["lines"]] == [li["quantity"] for li in body["lines"]]
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).serial_numbers == "SN1\nSN2"
    assert db.session.get(Campaign, world.campaign.id).state == CampaignState.IN_DELIVERY


def test_shipment_of_another_refurbishers_delivery_404(api, world):  # type: ignore[no-untyped-def]
    delivery = _delivery(world, "a", 1)
    response = api.post(
        f"/api/v1/deliveries/{delivery.id}/shipment",
        json={},
        headers=bearer(world.people["refurbisher_b"]),
    )
    assert_problem(response, 404)
    assert db.session.get(Delivery, delivery.id).status == DeliveryStatus.PENDING


@pytest.mark.parametrize("who", ["buyer1", "coordinator"])
def test_shipment_refused_to_other_roles(api, world, who):  # type: ignore[no-untyped-def]
    delivery = _delivery(world, "a", 1)
    response = api.post(
        f"/api/v1/deliveries/{delivery.id}/shipment", json={}, headers=bearer(world.people[who])
    )
    assert_problem(response, 403)
    assert db.session.get(Delivery, delivery.id).status == DeliveryStatus.PENDING


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"shipped_on": "demain"}, "shipped_on"),
        ({"shipped_on": "2999-01-01"}, "shipped_on"),
        ({"serials": 12}, "serials"),
        ({"carrier": "x"}, "carrier"),
    ],
)
def test_shipment_malformed_422_unchanged(api, world, body, field):  # type: ignore[no-untyped-def]
    delivery = _delivery(world, "a", 1)
    response = api.post(
        f"/api/v1/deliveries/{delivery.id}/shipment",
        json=body,
        headers=bearer(world.people["refurbisher_a"]),
    )
    assert field in assert_problem(response, 422)["errors"]
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).status == DeliveryStatus.PENDING


def test_shipment_idempotent_retry_then_conflict_without_key(api, world):  # type: ignore[no-untyped-def]
    delivery = _delivery(world, "a", 1)
    url = f"/api/v1/deliveries/{delivery.id}/shipment"
    headers = bearer(world.people["refurbisher_a"])
    first = api.post(url, json={}, headers=headers | {"Idempotency-Key": "ship-1"})
    again = api.post(url, json={}, headers=headers | {"Idempotency-Key": "ship-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    assert_problem(api.post(url, json={}, headers=headers), 409)


# --- receipt ------------------------------------------------------------------------------


@pytest.fixture
def shipped(world):  # type: ignore[no-untyped-def]
    delivery = _delivery(world, "a", 1)
    services.ship_delivery(
        delivery, paris_date_of(utcnow()), None, by=world.people["refurbisher_a"], notify=False
    )
    return db.session.get(Delivery, delivery.id)


def _receipt_lines(delivery: Delivery, missing: int = 0) -> list[dict[str, int]]:
    from nrhub.consolidation.models import DeliveryLine

    lines = db.session.execute(
        select(DeliveryLine)
        .where(DeliveryLine.delivery_id == delivery.id)
        .order_by(DeliveryLine.id)
    ).scalars()
    return [
        {"line_id": line.id, "quantity": line.quantity - (missing if i == 0 else 0)}
        for i, line in enumerate(lines)
    ]


def _ledger_count() -> int:
    return db.session.scalar(select(func.count(SpendEntry.id)))


def test_buyer_confirms_receipt_and_ledger_is_written(api, world, shipped):  # type: ignore[no-untyped-def]
    lines = _receipt_lines(shipped, missing=1)
    response = api.post(
        f"/api/v1/deliveries/{shipped.id}/receipt",
        json={"received_on": _today(), "lines": lines, "comment": "Un écran cassé"},
        headers=bearer(world.people["buyer1"]),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "partial" and body["received_on"] == _today()  # a laptop missing
    assert [li["received"] for li in body["lines"]] == [li["quantity"] for li in lines]
    total = Decimal(body["total_ht"])
    closed = api.post(
        f"/api/v1/deliveries/{shipped.id}/not-delivered",
        json={"reason": "Portable en rupture"},
        headers=bearer(world.people["buyer1"]),
    )
    assert closed.status_code == 200, closed.get_data(as_text=True)
    body = closed.get_json()
    assert body["state"] == "received"
    assert [li["not_delivered"] for li in body["lines"]] == [1, 0]
    assert Decimal(body["total_ht"]) == total - Decimal("210.00")
    rows = db.session.execute(
        select(SpendEntry.quantity, SpendEntry.amount, SpendEntry.origin, SpendEntry.is_reuse)
        .where(SpendEntry.buyer_id == world.buyers[0].id)
        .order_by(SpendEntry.id)
    ).all()
    # commune 1: laptop 2 received (3 allocated, 1 missing) at 210.00, monitor 5 at 120.00
    assert rows == [
        (2, Decimal("420.00"), SpendOrigin.HUB, True),
        (5, Decimal("600.00"), SpendOrigin.HUB, True),
    ]


def test_receipt_by_another_buyer_404(api, world, shipped):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/deliveries/{shipped.id}/receipt",
        json={"received_on": _today(), "lines": _receipt_lines(shipped)},
        headers=bearer(world.people["buyer2"]),
    )
    assert_problem(response, 404)
    assert _ledger_count() == 0


@pytest.mark.parametrize("who", ["refurbisher_a", "coordinator"])
def test_receipt_refused_to_other_roles(api, world, shipped, who):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/deliveries/{shipped.id}/receipt",
        json={"received_on": _today(), "lines": _receipt_lines(shipped)},
        headers=bearer(world.people[who]),
    )
    assert_problem(response, 403)
    assert _ledger_count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_on": "hier"}, "received_on"),
        ({"received_on": None}, "received_on"),
        ({"lines": []}, "lines"),
        ({"lines": "tout"}, "lines"),
        ("over", "lines.0.quantity"),
        ("nothing", "lines"),
        ("left_out", "lines"),
        ("duplicate", "lines.1.line_id"),
        ({"received_on": "2999-01-01"}, "received_on"),
    ],
)
def test_receipt_malformed_422_nothing_written(api, world, shipped, change, field):  # type: ignore[no-untyped-def]
    lines = _receipt_lines(shipped)
    body: dict = {"received_on": _today(), "lines": lines}
    if change == "over":
        lines[0]["quantity"] += 1
    elif change == "nothing":
        body["lines"] = [{**line, "quantity": 0} for line in lines]
    elif change == "left_out":
        body["lines"] = lines[1:]
    elif change == "duplicate":
        body["lines"] = [lines[0], lines[0]]
    else:
        body |= change
    response = api.post(
        f"/api/v1/deliveries/{shipped.id}/receipt",
        json=body,
        headers=bearer(world.people["buyer1"]),
    )
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert _ledger_count() == 0
    db.session.expire_all()
    assert db.session.get(Delivery, shipped.id).status == DeliveryStatus.SHIPPED


def test_receipt_before_shipment_409(api, world):  # type: ignore[no-untyped-def]
    delivery = _delivery(world, "a", 1)
    response = api.post(
        f"/api/v1/deliveries/{delivery.id}/receipt",
        json={"received_on": _today(), "lines": _receipt_lines(delivery)},
        headers=bearer(world.people["buyer1"]),
    )
    assert_problem(response, 409)
    assert _ledger_count() == 0


def test_receipt_idempotent_retry_writes_ledger_once(api, world, shipped):  # type: ignore[no-untyped-def]
    headers = bearer(world.people["buyer1"]) | {"Idempotency-Key": "rcpt-1"}
    body = {"received_on": _today(), "lines": _receipt_lines(shipped)}
    url = f"/api/v1/deliveries/{shipped.id}/receipt"
    first = api.post(url, json=body, headers=headers)
    again = api.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    assert _ledger_count() == 2


def test_ids_beyond_the_database_range_are_not_found(api, world):  # type: ignore[no-untyped-def]
    headers = bearer(world.coordinator)
    for url in (
        "/api/v1/purchase-orders/18446744073709551616",
        "/api/v1/purchase-orders/2147483648",
    ):
        assert_problem(api.get(url, headers=headers), 404)
    huge = api.get("/api/v1/purchase-orders?campaign_id=99999999999", headers=headers)
    assert "campaign_id" in assert_problem(huge, 422)["errors"]
    cursor = api.get("/api/v1/purchase-orders?cursor=9999999999", headers=headers).get_json()
    assert cursor == {"items": [], "next_cursor": None}
