"""Consolidation and deliveries raced over HTTP, on gunicorn workers: one confirmation makes
one set of purchase orders (the others replay it), one shipment and one receipt per
delivery (the others get 409), the ledger written once, and never a 500."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.catalog.models import Listing
from nrhub.consolidation import services
from nrhub.consolidation.models import (
    Allocation,
    Consolidation,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
)
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.ledger.models import SpendEntry
from tests.consolidation import factories as f
from tests.consolidation.factories import Scenario, scenario
from tests.races.conftest import api_call, commit_setup, race, statuses, token_for

COPIES = 6


def count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def consolidate(world: Scenario) -> None:
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, notify=False)


def delivery_of(world: Scenario, refurbisher: int, buyer: int) -> Delivery:
    refurbisher_id = (world.refurbisher_a, world.refurbisher_b)[refurbisher].id
    return db.session.execute(
        select(Delivery).where(
            Delivery.refurbisher_id == refurbisher_id,
            Delivery.buyer_id == world.buyers[buyer].id,
        )
    ).scalar_one()


def receipt_body(delivery_id: int) -> dict[str, object]:
    lines = db.session.execute(
        select(DeliveryLine.id, DeliveryLine.quantity)
        .where(DeliveryLine.delivery_id == delivery_id)
        .order_by(DeliveryLine.id)
    ).all()
    return {
        "received_on": paris_today().isoformat(),
        "lines": [{"line_id": line_id, "quantity": quantity} for line_id, quantity in lines],
    }


def ship(world: Scenario, delivery: Delivery) -> None:
    person = next(p for p in world.people.values() if p.organisation_id == delivery.refurbisher_id)
    f.run(services.ship_delivery, delivery, paris_today(), None, by=person, notify=False)


def test_parallel_confirmations_create_one_set_of_purchase_orders(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    campaign_id = world.campaign.id
    token = token_for(world.coordinator)
    call = api_call(
        race_server,
        token,
        "POST",
        f"/campaigns/{campaign_id}/consolidation",
        json={"confirm": True, "rule": "proportional"},
    )
    commit_setup()

    responses = race([call] * COPIES)

    assert statuses(responses) == [200] * COPIES
    bodies = [r.json() for r in responses]
    assert sorted(b["created"] for b in bodies) == [False] * (COPIES - 1) + [True]
    assert len({tuple(po["id"] for po in b["purchase_orders"]) for b in bodies}) == 1
    assert len({b["consolidation_id"] for b in bodies}) == 1
    db.session.expire_all()
    assert count(Consolidation) == 1
    assert count(PurchaseOrder) == 2
    assert count(Allocation) == 7
    assert count(Delivery) == 5
    # The 12 unallocated monitors given back once.
    assert db.session.get(Listing, world.listings["monitor"].id).quantity == 22
    assert db.session.get(Campaign, campaign_id).state == CampaignState.CONSOLIDATED


def test_parallel_shipments_of_one_delivery_ship_it_once(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    consolidate(world)
    delivery_id = delivery_of(world, 0, 0).id
    token = token_for(world.people["refurbisher_a"])
    calls = [
        api_call(
            race_server,
            token,
            "POST",
            f"/deliveries/{delivery_id}/shipment",
            json={"serials": f"SN-{n}"},
        )
        for n in range(COPIES)
    ]
    commit_setup()

    responses = race(calls)

    assert statuses(responses) == [200] + [409] * (COPIES - 1)
    conflicts = [r for r in responses if r.status_code == 409]
    assert {r.json()["detail"] for r in conflicts} == {"Cette livraison a déjà été expédiée."}
    db.session.expire_all()
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery.status == DeliveryStatus.SHIPPED
    assert delivery.serial_numbers in {f"SN-{n}" for n in range(COPIES)}
    assert db.session.get(Campaign, world.campaign.id).state == CampaignState.IN_DELIVERY


def test_parallel_receipts_of_one_delivery_write_the_ledger_once(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    consolidate(world)
    delivery = delivery_of(world, 0, 0)  # 3 laptops at 210.00, 5 monitors at 120.00
    ship(world, delivery)
    body = receipt_body(delivery.id)
    token = token_for(world.people["buyer1"])
    call = api_call(race_server, token, "POST", f"/deliveries/{delivery.id}/receipt", json=body)
    commit_setup()

    responses = race([call] * COPIES)

    assert statuses(responses) == [200] + [409] * (COPIES - 1)
    conflicts = [r for r in responses if r.status_code == 409]
    assert {r.json()["detail"] for r in conflicts} == {
        "La réception de cette livraison a déjà été confirmée."
    }
    db.session.expire_all()
    rows = db.session.execute(select(SpendEntry.quantity, SpendEntry.amount)).all()
    assert sorted(rows) == [(3, Decimal("630.00")), (5, Decimal("600.00"))]
    assert db.session.get(Delivery, delivery.id).status == DeliveryStatus.RECEIVED


def test_the_last_two_receipts_in_parallel_finish_the_campaign(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    consolidate(world)
    deliveries = list(db.session.execute(select(Delivery).order_by(Delivery.id)).scalars())
    for delivery in deliveries:
        ship(world, delivery)
    # The last two share no ledger summary row: only the campaign's lock orders them.
    last = [delivery_of(world, 0, 2), delivery_of(world, 1, 1)]
    for delivery in deliveries:
        if delivery not in last:
            buyer = next(p for p in world.people.values() if p.organisation_id == delivery.buyer_id)
            quantities = {
                line["line_id"]: line["quantity"] for line in receipt_body(delivery.id)["lines"]
            }
            f.run(
                services.confirm_receipt,
                delivery,
                paris_today(),
                quantities,
                None,
                by=buyer,
                notify=False,
            )
    bodies = [receipt_body(d.id) for d in last]
    tokens = [token_for(world.people["buyer3"]), token_for(world.people["buyer2"])]
    calls = [
        api_call(race_server, token, "POST", f"/deliveries/{d.id}/receipt", json=body)
        for token, d, body in zip(tokens, last, bodies, strict=True)
    ]
    commit_setup()

    responses = race(calls)

    assert statuses(responses) == [200, 200]
    db.session.expire_all()
    assert count(Delivery, Delivery.status == DeliveryStatus.RECEIVED) == 5
    assert db.session.get(Campaign, world.campaign.id).state == CampaignState.DONE
    assert db.session.execute(select(func.sum(SpendEntry.amount))).scalar_one() == Decimal(
        "4139.94"
    )


def test_parallel_partial_receipts_never_receive_more_than_shipped(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    consolidate(world)
    delivery = delivery_of(world, 0, 0)  # 3 laptops at 210.00, 5 monitors at 120.00
    ship(world, delivery)
    laptop, monitor = (line["line_id"] for line in receipt_body(delivery.id)["lines"])
    body = {
        "received_on": paris_today().isoformat(),
        "lines": [{"line_id": laptop, "quantity": 0}, {"line_id": monitor, "quantity": 1}],
    }
    token = token_for(world.people["buyer1"])
    call = api_call(race_server, token, "POST", f"/deliveries/{delivery.id}/receipt", json=body)
    commit_setup()

    responses = race([call] * COPIES)  # one monitor each, five monitors shipped

    # A loser either lost the compare-and-set (409) or, served after the fifth receipt
    # (SQLite serialises writers), was told no monitor is still expected (422).
    answered = statuses(responses)
    assert answered[:5] == [200] * 5
    assert set(answered[5:]) <= {409, 422} and len(answered) == COPIES
    db.session.expire_all()
    rows = db.session.execute(select(SpendEntry.quantity, SpendEntry.amount)).all()
    assert rows == [(1, Decimal("120.00"))] * 5
    assert db.session.get(DeliveryLine, monitor).received_quantity == 5
    assert db.session.get(Delivery, delivery.id).status == DeliveryStatus.PARTIAL  # laptops
