"""Consolidation services: preview, overrides, confirmation (atomic and idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.campaigns.models import CampaignState, OfferStatus, OrderStatus
from nrhub.catalog.models import Listing
from nrhub.consolidation import services, steps
from nrhub.consolidation.allocation import Rule
from nrhub.consolidation.models import (
    Allocation,
    AllocationOverride,
    Consolidation,
    Delivery,
    DeliveryLine,
    PurchaseOrder,
    PurchaseOrderLine,
)
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from tests import factories
from tests.consolidation import factories as f

CONFIRMED_AT = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def stock(world, key: str) -> int:
    return db.session.execute(
        select(Listing.quantity).where(Listing.id == world.listings[key].id)
    ).scalar_one()


def allocations_of(preview, key_offer_id: int) -> dict[str, int]:
    offer = next(o for o in preview.offers if o.offer.id == key_offer_id)
    return {b.buyer_name: b.quantity for b in offer.buyers}


def test_preview_shares_proportionally_and_prices_at_the_allocated_tier(world):
    preview = services.preview_consolidation(world.campaign)
    laptop = next(o for o in preview.offers if o.offer.id == world.offers["laptop"].id)
    # 10 for 3 × 4: 3 each, the extra unit to the earliest change (Commune 2).
    assert allocations_of(preview, world.offers["laptop"].id) == {
        "Commune 1": 3,
        "Commune 2": 4,
        "Commune 3": 3,
    }
    assert (laptop.demand, laptop.committed, laptop.allocated) == (12, 10, 10)
    assert laptop.unit_price == Decimal("210.00")
    assert laptop.total_ht == Decimal("2100.00")
    # Demand below committed: everyone served, at the base price (no tier).
    assert allocations_of(preview, world.offers["monitor"].id) == {"Commune 1": 5, "Commune 3": 3}
    # 6 for 6 + 2: shares 4.5 and 1.5, equal remainders, earliest change wins.
    assert allocations_of(preview, world.offers["phone"].id) == {"Commune 2": 5, "Commune 3": 1}
    assert preview.total_ht == Decimal("2100.00") + Decimal("960.00") + Decimal("1079.94")
    assert (preview.demand, preview.committed, preview.allocated) == (28, 36, 24)


def test_preview_first_come_first_served(world):
    preview = services.preview_consolidation(world.campaign, Rule.FIFO)
    assert allocations_of(preview, world.offers["laptop"].id) == {
        "Commune 1": 2,
        "Commune 2": 4,
        "Commune 3": 4,
    }
    assert allocations_of(preview, world.offers["phone"].id) == {"Commune 2": 6, "Commune 3": 0}


def test_preview_writes_nothing(world):
    services.preview_consolidation(world.campaign)
    db.session.commit()
    assert count(Allocation) == count(PurchaseOrder) == count(Consolidation) == 0


def test_price_tier_falls_back_to_the_listing_tiers(world):
    f.listing_tier(world.listings["monitor"], 8, "100.00")
    db.session.commit()
    preview = services.preview_consolidation(world.campaign)
    monitor = next(o for o in preview.offers if o.offer.id == world.offers["monitor"].id)
    assert monitor.allocated == 8
    assert monitor.unit_price == Decimal("100.00")


def test_confirm_writes_allocations_purchase_orders_and_deliveries(world, outbox):
    result = f.run(
        services.confirm_consolidation, world.campaign, by=world.coordinator, at=CONFIRMED_AT
    )
    assert result.created
    db.session.expire_all()
    campaign = world.campaign
    assert campaign.state == CampaignState.CONSOLIDATED
    assert campaign.consolidated_at == CONFIRMED_AT

    orders = (
        db.session.execute(select(PurchaseOrder).order_by(PurchaseOrder.number)).scalars().all()
    )
    assert [(po.number, po.refurbisher_id, po.total_ht) for po in orders] == [
        ("BC-2026-0001", world.refurbisher_a.id, Decimal("3060.00")),
        ("BC-2026-0002", world.refurbisher_b.id, Decimal("1079.94")),
    ]
    assert tuple(po.id for po in orders) == result.purchase_order_ids

    # One allocation per order line, linked to it and to the purchase-order line.
    allocations = db.session.execute(select(Allocation)).scalars().all()
    assert len(allocations) == 7
    po_lines = {
        line.offer_id: line for line in db.session.execute(select(PurchaseOrderLine)).scalars()
    }
    assert {k: po_lines[o.id].quantity for k, o in world.offers.items()} == {
        "laptop": 10,
        "monitor": 8,
        "phone": 6,
    }
    assert po_lines[world.offers["laptop"].id].unit_price == Decimal("210.00")
    assert po_lines[world.offers["laptop"].id].base_unit_price == Decimal("250.00")
    for allocation in allocations:
        assert allocation.purchase_order_line_id == po_lines[allocation.offer_id].id
    by_line = {a.order_line_id: a.quantity for a in allocations}
    assert by_line[world.lines[("laptop", 2)]] == 4
    assert by_line[world.lines[("phone", 3)]] == 1

    # Per buyer deliveries: Atelier A serves 3 buyers, Atelier B 2.
    deliveries = db.session.execute(select(Delivery).order_by(Delivery.id)).scalars().all()
    assert [(d.purchase_order_id, d.buyer_id, d.total_ht) for d in deliveries] == [
        (orders[0].id, world.buyers[0].id, Decimal("1230.00")),
        (orders[0].id, world.buyers[1].id, Decimal("840.00")),
        (orders[0].id, world.buyers[2].id, Decimal("990.00")),
        (orders[1].id, world.buyers[1].id, Decimal("899.95")),
        (orders[1].id, world.buyers[2].id, Decimal("179.99")),
    ]
    assert count(DeliveryLine) == 7
    delivery_quantities = db.session.execute(select(func.sum(DeliveryLine.quantity))).scalar_one()
    assert delivery_quantities == 24

    # Unallocated committed units back to free stock: 0 laptop, 12 monitors, 0 phone.
    assert (stock(world, "laptop"), stock(world, "monitor"), stock(world, "phone")) == (5, 22, 0)
    assert db.session.execute(select(Consolidation.units_returned)).scalar_one() == 12

    # E-mails after commit: each buyer and each refurbisher.
    recipients = sorted(tuple(m.to) for m in outbox)
    assert recipients == sorted(
        [
            ("acheteur1@test.fr",),
            ("acheteur2@test.fr",),
            ("acheteur3@test.fr",),
            ("atelier-a@test.fr",),
            ("atelier-b@test.fr",),
        ]
    )
    buyer2 = next(m for m in outbox if m.to == ["acheteur2@test.fr"])
    assert "ThinkPad T480 (Atelier A) : 4 attribué(s) sur 4 demandé(s), 210,00 € HT" in buyer2.body
    assert "Fairphone 4 (Atelier B) : 5 attribué(s) sur 6 demandé(s), 179,99 € HT" in buyer2.body
    refurbisher_b = next(m for m in outbox if m.to == ["atelier-b@test.fr"])
    assert "BC-2026-0002" in refurbisher_b.subject


def test_confirm_twice_changes_nothing(world, outbox):
    first = f.run(services.confirm_consolidation, world.campaign, by=world.coordinator)
    sent = len(outbox)
    db.session.expire_all()
    second = f.run(services.confirm_consolidation, world.campaign, Rule.FIFO, by=world.coordinator)
    assert not second.created
    assert second.consolidation_id == first.consolidation_id
    assert second.purchase_order_ids == first.purchase_order_ids
    assert count(Allocation) == 7
    assert count(PurchaseOrder) == 2
    assert stock(world, "monitor") == 22
    assert len(outbox) == sent


def test_confirm_refused_unless_campaign_closed(world):
    world.campaign.state = CampaignState.OPEN
    db.session.commit()
    with pytest.raises(ConflictError):
        f.run(services.confirm_consolidation, world.campaign, by=world.coordinator)
    assert count(Allocation) == count(PurchaseOrder) == 0
    assert stock(world, "monitor") == 10


def test_confirm_refused_to_a_buyer(world):
    with pytest.raises(PermissionDeniedError):
        f.run(services.confirm_consolidation, world.campaign, by=world.people["buyer1"])


@pytest.mark.parametrize(
    "step", ["insert_allocations", "insert_deliveries", "return_stock", "release_undecided_offers"]
)
def test_failure_midway_leaves_nothing_half_written(world, outbox, monkeypatch, step):
    def boom(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(steps, step, boom)
    with pytest.raises(RuntimeError):
        f.run(services.confirm_consolidation, world.campaign, by=world.coordinator)
    db.session.expire_all()
    for model in (
        Consolidation,
        Allocation,
        PurchaseOrder,
        PurchaseOrderLine,
        Delivery,
        DeliveryLine,
    ):
        assert count(model) == 0, model
    assert (stock(world, "laptop"), stock(world, "monitor"), stock(world, "phone")) == (5, 10, 0)
    assert world.campaign.state == CampaignState.CLOSED
    assert world.campaign.consolidated_at is None
    assert outbox == []
    # And it works once the failure is gone.
    monkeypatch.undo()
    assert f.run(services.confirm_consolidation, world.campaign, by=world.coordinator).created


def test_override_pins_a_line_and_is_kept_with_its_author(world):
    line = world.lines[("laptop", 1)]
    f.run(
        services.set_override,
        world.campaign,
        line,
        1,
        "Besoin réduit par la mairie",
        by=world.coordinator,
    )
    preview = services.preview_consolidation(world.campaign)
    # 1 pinned; 9 left for 4 + 4 asked: everyone else served; tier 5 → 230.00.
    assert allocations_of(preview, world.offers["laptop"].id) == {
        "Commune 1": 1,
        "Commune 2": 4,
        "Commune 3": 4,
    }
    laptop = next(o for o in preview.offers if o.offer.id == world.offers["laptop"].id)
    assert laptop.unit_price == Decimal("230.00")
    pinned = next(b for b in laptop.buyers if b.line_id == line)
    assert (pinned.computed, pinned.quantity) == (3, 1)
    assert pinned.override.author_name == world.coordinator.name

    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator)
    allocation = db.session.execute(
        select(Allocation).where(Allocation.order_line_id == line)
    ).scalar_one()
    assert (allocation.computed_quantity, allocation.quantity) == (3, 1)
    assert allocation.override_reason == "Besoin réduit par la mairie"
    assert allocation.overridden_by_id == world.coordinator.id
    assert stock(world, "laptop") == 6  # one unit left over goes back


def test_override_replaced_then_removed(world):
    line = world.lines[("phone", 3)]
    f.run(services.set_override, world.campaign, line, 2, "Priorité école", by=world.coordinator)
    f.run(
        services.set_override, world.campaign, line, 0, "Finalement inutile", by=world.coordinator
    )
    assert count(AllocationOverride) == 1
    f.run(services.remove_override, world.campaign, line, by=world.coordinator)
    assert count(AllocationOverride) == 0
    with pytest.raises(NotFoundError):
        f.run(services.remove_override, world.campaign, line, by=world.coordinator)


@pytest.mark.parametrize(
    ("quantity", "reason", "error"),
    [
        (5, "Plus que demandé", ValidationError),
        (-1, "Négatif", ValidationError),
        (2, "ok", ValidationError),
    ],
)
def test_override_refused_when_invalid(world, quantity, reason, error):
    with pytest.raises(error):
        f.run(
            services.set_override,
            world.campaign,
            world.lines[("laptop", 1)],
            quantity,
            reason,
            by=world.coordinator,
        )
    assert count(AllocationOverride) == 0


def test_overrides_may_not_exceed_committed(world):
    f.run(
        services.set_override,
        world.campaign,
        world.lines[("phone", 2)],
        6,
        "Tout pour 2",
        by=world.coordinator,
    )
    with pytest.raises(ConflictError):
        f.run(
            services.set_override,
            world.campaign,
            world.lines[("phone", 3)],
            1,
            "Et un pour 3",
            by=world.coordinator,
        )


def test_override_of_a_line_of_another_campaign_is_not_found(world):
    other = f.campaign("Autre campagne")
    db.session.commit()
    with pytest.raises(NotFoundError):
        f.run(
            services.set_override,
            other,
            world.lines[("laptop", 1)],
            1,
            "Mauvaise campagne",
            by=world.coordinator,
        )


def test_numbers_follow_on_across_campaigns_and_restart_each_year(world):
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, at=CONFIRMED_AT)
    second = f.campaign("Deuxième campagne")
    listing = factories.ListingFactory(refurbisher=world.refurbisher_b, quantity=0)
    offer = f.offer(second, listing, 3)
    f.order(second, world.buyers[0], [(offer, 2)], f.at(0))
    third = f.campaign("Campagne de l'an passé")
    offer3 = f.offer(third, factories.ListingFactory(refurbisher=world.refurbisher_a), 3)
    f.order(third, world.buyers[0], [(offer3, 1)], f.at(0))
    db.session.commit()
    f.run(services.confirm_consolidation, second, by=world.coordinator, at=CONFIRMED_AT)
    f.run(
        services.confirm_consolidation,
        third,
        by=world.coordinator,
        at=dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC),
    )
    numbers = db.session.execute(select(PurchaseOrder.number).order_by(PurchaseOrder.id)).scalars()
    # 2025-12-31 23:30 UTC is already 2026 in Paris.
    assert list(numbers) == ["BC-2026-0001", "BC-2026-0002", "BC-2026-0003", "BC-2026-0004"]
    fourth = f.campaign("Campagne 2025")
    offer4 = f.offer(fourth, factories.ListingFactory(refurbisher=world.refurbisher_a), 3)
    f.order(fourth, world.buyers[0], [(offer4, 1)], f.at(0))
    db.session.commit()
    f.run(
        services.confirm_consolidation,
        fourth,
        by=world.coordinator,
        at=dt.datetime(2025, 11, 2, 10, 0, tzinfo=dt.UTC),
    )
    assert (
        db.session.execute(
            select(PurchaseOrder.number).where(PurchaseOrder.campaign_id == fourth.id)
        ).scalar_one()
        == "BC-2025-0001"
    )


def test_cancelled_orders_and_undecided_offers_are_left_out(world):
    world.orders[0].status = OrderStatus.CANCELLED
    undecided_listing = factories.ListingFactory(refurbisher=world.refurbisher_b, quantity=1)
    undecided = f.offer(world.campaign, undecided_listing, 4, status=OfferStatus.PENDING)
    db.session.commit()
    preview = services.preview_consolidation(world.campaign)
    assert allocations_of(preview, world.offers["laptop"].id) == {"Commune 2": 4, "Commune 3": 4}
    assert undecided.id not in {o.offer.id for o in preview.offers}
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator)
    db.session.expire_all()
    assert undecided.status == OfferStatus.REFUSED
    assert undecided_listing.quantity == 5
    # Laptop: 8 of 10 allocated, 2 back; monitor: 3 of 20, 17 back.
    assert (stock(world, "laptop"), stock(world, "monitor")) == (7, 27)


def test_offer_without_orders_gives_all_units_back_and_no_purchase_order(world):
    listing = factories.ListingFactory(refurbisher=factories.RefurbisherFactory(), quantity=2)
    lonely = f.offer(world.campaign, listing, 7)
    db.session.commit()
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator)
    db.session.expire_all()
    assert listing.quantity == 9
    assert count(PurchaseOrder) == 2
    assert (
        db.session.execute(
            select(func.count())
            .select_from(PurchaseOrderLine)
            .where(PurchaseOrderLine.offer_id == lonely.id)
        ).scalar_one()
        == 0
    )


def test_equal_remainders_go_to_the_earliest_order_then_to_the_lower_buyer_id(world):
    campaign = f.campaign("Égalités")
    offer = f.offer(campaign, world.listings["monitor"], 5)
    # Lines written Commune 3 first, so that a tie broken by line id would favour it.
    # Commune 2's order was sent first; Communes 1 and 3 sent theirs at the same minute.
    for buyer, minute in ((world.buyers[2], 5), (world.buyers[1], 0), (world.buyers[0], 5)):
        f.order(campaign, buyer, [(offer, 2)], f.at(minute))
    db.session.commit()
    # 5 units for 2 + 2 + 2: exact shares 1.67, floors 1 + 1 + 1, two units left for three
    # equal remainders: the earliest order (Commune 2), then the lower buyer id (Commune 1).
    expected = {"Commune 1": 2, "Commune 2": 2, "Commune 3": 1}
    assert allocations_of(services.preview_consolidation(campaign), offer.id) == expected
    f.run(services.confirm_consolidation, campaign, by=world.coordinator, notify=False)
    written = dict(
        db.session.execute(
            select(Allocation.buyer_id, Allocation.quantity).where(
                Allocation.campaign_id == campaign.id
            )
        ).all()
    )
    assert written == {world.buyers[0].id: 2, world.buyers[1].id: 2, world.buyers[2].id: 1}
