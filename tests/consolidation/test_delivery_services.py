"""Shipping and receipt: states, limits, and the ledger rows written at receipt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from nrhub.campaigns.models import CampaignState
from nrhub.consolidation import delivery_services, services
from nrhub.consolidation.models import Delivery, DeliveryLine, DeliveryStatus
from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry, SpendOrigin
from nrhub.stats import queries as stats_queries
from tests.consolidation import factories as f

SHIPPED = dt.date(2026, 10, 12)
RECEIVED = dt.date(2026, 10, 14)


@pytest.fixture
def consolidated(world):
    f.run(
        services.confirm_consolidation,
        world.campaign,
        by=world.coordinator,
        at=f.CONFIRMED_AT,
    )
    db.session.expire_all()
    return world


def delivery_of(world, refurbisher, buyer_index: int) -> Delivery:
    return db.session.execute(
        select(Delivery).where(
            Delivery.refurbisher_id == refurbisher.id,
            Delivery.buyer_id == world.buyers[buyer_index].id,
        )
    ).scalar_one()


def lines_of(delivery: Delivery) -> list[DeliveryLine]:
    return list(
        db.session.execute(
            select(DeliveryLine)
            .where(DeliveryLine.delivery_id == delivery.id)
            .order_by(DeliveryLine.id)
        ).scalars()
    )


def ship_all(world) -> None:
    for delivery in db.session.execute(select(Delivery)).scalars().all():
        person = world.people[
            "refurbisher_a"
            if delivery.refurbisher_id == world.refurbisher_a.id
            else "refurbisher_b"
        ]
        f.run(services.ship_delivery, delivery, SHIPPED, None, by=person)


def test_ship_moves_delivery_and_campaign_and_tells_the_buyer(consolidated, outbox):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 0)
    f.run(
        services.ship_delivery,
        delivery,
        SHIPPED,
        "SN-1\nSN-2, SN-3\n\nSN-1",
        by=world.people["refurbisher_a"],
    )
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.SHIPPED
    assert delivery.shipped_on == SHIPPED
    assert delivery.serial_numbers == "SN-1\nSN-2\nSN-3"
    assert world.campaign.state == CampaignState.IN_DELIVERY
    assert [m.to for m in outbox] == [["acheteur1@test.fr", "atelier-a@test.fr"]]
    assert "12/10/2026" in outbox[0].body


def test_ship_twice_is_refused(consolidated):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 0)
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    with pytest.raises(ConflictError):
        f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])


def test_ship_refused_to_another_refurbisher_and_in_the_future(consolidated):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 0)
    with pytest.raises(PermissionDeniedError):
        f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_b"])
    with pytest.raises(PermissionDeniedError):
        f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["buyer1"])
    with pytest.raises(ValidationError):
        f.run(
            services.ship_delivery,
            delivery,
            dt.date.today() + dt.timedelta(days=2),
            None,
            by=world.people["refurbisher_a"],
        )
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.PENDING


def test_receipt_before_shipping_is_refused(consolidated):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 0)
    quantities = {line.id: line.quantity for line in lines_of(delivery)}
    with pytest.raises(ConflictError):
        f.run(
            services.confirm_receipt,
            delivery,
            RECEIVED,
            quantities,
            None,
            by=world.people["buyer1"],
        )


def test_receipt_writes_one_ledger_row_per_received_line(consolidated, outbox):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 0)  # laptop 3 × 210, monitor 5 × 120
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    laptop, monitor = lines_of(delivery)
    f.run(
        services.confirm_receipt,
        delivery,
        RECEIVED,
        {laptop.id: 3, monitor.id: 4},
        "Un écran arrivé cassé, renvoyé.",
        by=world.people["buyer1"],
    )
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.PARTIAL  # one monitor still expected
    assert delivery.received_on == RECEIVED
    assert (laptop.received_quantity, monitor.received_quantity) == (3, 4)
    rows = db.session.execute(select(SpendEntry).order_by(SpendEntry.id)).scalars().all()
    assert [
        (r.delivery_line_id, r.quantity, r.amount, r.category_id, r.spent_on, r.year) for r in rows
    ] == [
        (laptop.id, 3, Decimal("630.00"), world.listings["laptop"].category_id, RECEIVED, 2026),
        (monitor.id, 4, Decimal("480.00"), world.listings["monitor"].category_id, RECEIVED, 2026),
    ]
    for row in rows:
        assert row.buyer_id == world.buyers[0].id
        assert row.origin == SpendOrigin.HUB
        assert row.is_reuse
        assert row.supplier_id == world.refurbisher_a.id
        assert row.supplier_name == "Atelier A"
        assert row.supplier_is_ess
        assert row.campaign_id == world.campaign.id
        assert row.social_consideration == "Clause sociale"
        assert row.environmental_consideration == "Critère environnemental"
    assert world.campaign.state == CampaignState.IN_DELIVERY  # other deliveries outstanding
    assert ["acheteur1@test.fr", "atelier-a@test.fr"] in [m.to for m in outbox]


def test_receipt_of_nothing_is_refused_and_writes_no_ledger_row(consolidated):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_b, 2)  # phone 1 × 179.99
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_b"])
    (phone,) = lines_of(delivery)
    with pytest.raises(ValidationError, match="au moins une unité reçue"):
        f.run(
            services.confirm_receipt,
            delivery,
            RECEIVED,
            {phone.id: 0},
            "Colis perdu",
            by=world.people["buyer3"],
        )
    assert db.session.execute(select(SpendEntry)).first() is None
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.SHIPPED


@pytest.mark.parametrize(
    ("received", "comment", "field"),
    [
        ({"laptop": 4, "monitor": 5}, None, "line_"),  # more than shipped
        ({"laptop": -1, "monitor": 5}, None, "line_"),
        ({"laptop": 3}, None, "line_"),  # a line missing
    ],
)
def test_invalid_receipt_is_refused_and_writes_nothing(consolidated, received, comment, field):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 0)
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    laptop, monitor = lines_of(delivery)
    ids = {"laptop": laptop.id, "monitor": monitor.id}
    with pytest.raises(ValidationError) as caught:
        f.run(
            services.confirm_receipt,
            delivery,
            RECEIVED,
            {ids[k]: v for k, v in received.items()},
            comment,
            by=world.people["buyer1"],
        )
    assert caught.value.field.startswith(field)
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.SHIPPED
    assert db.session.execute(select(SpendEntry)).first() is None


def test_receipt_dates_must_be_between_shipping_and_today(consolidated):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 1)
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    quantities = {line.id: line.quantity for line in lines_of(delivery)}
    for day in (SHIPPED - dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=2)):
        with pytest.raises(ValidationError):
            f.run(
                services.confirm_receipt, delivery, day, quantities, None, by=world.people["buyer2"]
            )


def test_receipt_only_by_the_buyer_and_only_once(consolidated):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 1)
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    quantities = {line.id: line.quantity for line in lines_of(delivery)}
    for intruder in ("buyer1", "refurbisher_a", "coordinator"):
        with pytest.raises(PermissionDeniedError):
            f.run(
                services.confirm_receipt,
                delivery,
                RECEIVED,
                quantities,
                None,
                by=world.people[intruder],
            )
    f.run(services.confirm_receipt, delivery, RECEIVED, quantities, None, by=world.people["buyer2"])
    with pytest.raises(ConflictError):
        f.run(
            services.confirm_receipt,
            delivery,
            RECEIVED,
            quantities,
            None,
            by=world.people["buyer2"],
        )
    assert len(db.session.execute(select(SpendEntry)).all()) == 1


def test_campaign_is_done_when_every_delivery_is_received(consolidated):
    world = consolidated
    ship_all(world)
    deliveries = db.session.execute(select(Delivery).order_by(Delivery.id)).scalars().all()
    buyer_person = {b.id: world.people[f"buyer{i}"] for i, b in enumerate(world.buyers, 1)}
    for number, delivery in enumerate(deliveries):
        assert world.campaign.state == CampaignState.IN_DELIVERY
        quantities = {line.id: line.quantity for line in lines_of(delivery)}
        f.run(
            services.confirm_receipt,
            delivery,
            RECEIVED,
            quantities,
            None,
            by=buyer_person[delivery.buyer_id],
        )
        db.session.expire_all()
        expected = (
            CampaignState.DONE if number == len(deliveries) - 1 else CampaignState.IN_DELIVERY
        )
        assert world.campaign.state == expected
    total = sum(r.amount for r in db.session.execute(select(SpendEntry)).scalars())
    assert total == Decimal("4139.94")


def test_receipt_on_new_years_eve_counts_in_that_year(world):
    f.run(
        services.confirm_consolidation,
        world.campaign,
        by=world.coordinator,
        at=dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.UTC),
    )
    delivery = delivery_of(world, world.refurbisher_a, 1)
    f.run(
        services.ship_delivery,
        delivery,
        dt.date(2025, 12, 30),
        None,
        by=world.people["refurbisher_a"],
    )
    quantities = {line.id: line.quantity for line in lines_of(delivery)}
    f.run(
        services.confirm_receipt,
        delivery,
        dt.date(2025, 12, 31),
        quantities,
        None,
        by=world.people["buyer2"],
    )
    row = db.session.execute(select(SpendEntry)).scalar_one()
    assert (row.spent_on, row.year) == (dt.date(2025, 12, 31), 2025)


# --- Shipment dates: from the purchase order's day (Paris) to today ----------------------


def test_shipment_may_not_be_dated_before_its_purchase_order(world):
    # The purchase order is issued on 4 October at 22:30 UTC: 5 October in Paris.
    f.run(
        services.confirm_consolidation,
        world.campaign,
        by=world.coordinator,
        at=dt.datetime(2026, 10, 4, 22, 30, tzinfo=dt.UTC),
    )
    delivery = delivery_of(world, world.refurbisher_a, 0)
    with pytest.raises(ValidationError) as caught:
        f.run(
            services.ship_delivery,
            delivery,
            dt.date(2026, 10, 4),
            "SN-1",
            by=world.people["refurbisher_a"],
        )
    assert caught.value.field == "shipped_on"
    assert str(caught.value) == (
        "La date d'expédition ne peut pas précéder celle du bon de commande (05/10/2026)."
    )
    db.session.expire_all()
    assert (delivery.status, delivery.shipped_on, delivery.serial_numbers) == (
        DeliveryStatus.PENDING,
        None,
        None,
    )
    assert world.campaign.state == CampaignState.CONSOLIDATED
    # The purchase order's own day is allowed.
    f.run(
        services.ship_delivery,
        delivery,
        dt.date(2026, 10, 5),
        None,
        by=world.people["refurbisher_a"],
    )
    db.session.expire_all()
    assert (delivery.status, delivery.shipped_on) == (DeliveryStatus.SHIPPED, dt.date(2026, 10, 5))


def test_shipment_today_is_allowed_and_tomorrow_refused(consolidated, monkeypatch):
    world = consolidated
    delivery = delivery_of(world, world.refurbisher_a, 0)
    monkeypatch.setattr(delivery_services, "paris_today", lambda: dt.date(2026, 11, 1))
    with pytest.raises(ValidationError) as caught:
        f.run(
            services.ship_delivery,
            delivery,
            dt.date(2026, 11, 2),
            None,
            by=world.people["refurbisher_a"],
        )
    assert str(caught.value) == "La date d'expédition ne peut pas être dans le futur."
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.PENDING
    f.run(
        services.ship_delivery,
        delivery,
        dt.date(2026, 11, 1),
        None,
        by=world.people["refurbisher_a"],
    )
    db.session.expire_all()
    assert delivery.shipped_on == dt.date(2026, 11, 1)


def test_each_person_reads_the_mails_in_the_language_of_their_account(world, outbox):
    world.people["buyer2"].locale = "en"
    db.session.commit()
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, at=f.CONFIRMED_AT)
    english = next(m for m in outbox if m.to == ["acheteur2@test.fr"])
    assert english.subject == "[nrhub] Campaign “Campagne automne 2026”: your allocation"
    assert english.body.startswith("Hello,\n\nThe group purchasing campaign")
    french = next(m for m in outbox if m.to == ["acheteur1@test.fr"])
    assert french.subject == "[nrhub] Campagne « Campagne automne 2026 » : votre attribution"
    assert french.body.startswith("Bonjour,\n\nLa campagne d'achat groupé")
    outbox.clear()

    delivery = delivery_of(world, world.refurbisher_a, 1)
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    by_recipient = {tuple(m.to): m for m in outbox}
    assert sorted(by_recipient) == [("acheteur2@test.fr",), ("atelier-a@test.fr",)]
    assert by_recipient[("acheteur2@test.fr",)].subject == (
        "[nrhub] Delivery shipped — BC-2026-0001 — Commune 2"
    )
    assert "Atelier A shipped the delivery of purchase order BC-2026-0001" in (
        by_recipient[("acheteur2@test.fr",)].body
    )
    assert by_recipient[("atelier-a@test.fr",)].subject == (
        "[nrhub] Livraison expédiée — BC-2026-0001 — Commune 2"
    )


def test_a_recycled_content_listing_writes_recycled_spend_at_receipt(world):
    """The monitor's listing integrates recycled materials when the campaign consolidates:
    its purchase-order line keeps it (a later change of the listing changes nothing) and
    the receipt's monitor row is recycled-content spend; the laptop's row is not."""
    world.listings["monitor"].has_recycled_materials = True
    db.session.commit()
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, at=f.CONFIRMED_AT)
    db.session.expire_all()
    world.listings["monitor"].has_recycled_materials = False
    world.listings["laptop"].has_recycled_materials = True
    db.session.commit()
    delivery = delivery_of(world, world.refurbisher_a, 0)  # laptop 3 × 210, monitor 5 × 120
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    laptop, monitor = lines_of(delivery)
    f.run(
        services.confirm_receipt,
        delivery,
        RECEIVED,
        {laptop.id: 3, monitor.id: 5},
        None,
        by=world.people["buyer1"],
    )
    rows = db.session.execute(select(SpendEntry).order_by(SpendEntry.id)).scalars().all()
    assert [(r.delivery_line_id, r.has_recycled_materials) for r in rows] == [
        (laptop.id, False),
        (monitor.id, True),
    ]
    figures = stats_queries.indicators(2026, buyer_id=world.buyers[0].id)
    assert figures.recycled_spend == Decimal("600.00")
    assert figures.it_spend == Decimal("1230.00")
