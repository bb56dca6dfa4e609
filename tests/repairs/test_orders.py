"""Buyers add a maintenance offer of the listing to an order line in an open campaign."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.campaigns import orders as order_services
from nrhub.campaigns.models import CampaignState, OrderEvent, OrderLine
from nrhub.catalog.models import MaintenanceKind
from nrhub.db import utcnow
from nrhub.errors import ValidationError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.consolidation import factories as f
from tests.repairs.conftest import maintenance_offer


@pytest.fixture
def shop(app, request_ctx):
    refurbisher = factories.RefurbisherFactory(name="Atelier A")
    buyer = factories.BuyerFactory(name="Commune 1")
    person = f.person(buyer, "acheteur@test.fr")
    campaign = f.campaign(state=CampaignState.OPEN, closes_at=utcnow() + dt.timedelta(days=2))
    laptop = factories.ListingFactory(refurbisher=refurbisher, sku="LAP", unit_price=Decimal("200"))
    monitor = factories.ListingFactory(refurbisher=refurbisher, sku="MON", unit_price=Decimal("90"))
    offers = {"laptop": f.offer(campaign, laptop, 10), "monitor": f.offer(campaign, monitor, 10)}
    m = {
        "laptop": maintenance_offer(laptop, MaintenanceKind.MAINTENANCE, 24, "30.00"),
        "monitor": maintenance_offer(monitor, MaintenanceKind.MAINTENANCE, 12, "9.00"),
        "inactive": maintenance_offer(
            laptop, MaintenanceKind.EXTENDED_WARRANTY, 36, "40.00", False
        ),
    }
    db.session.commit()
    return campaign, person, offers, m


def lines() -> list[tuple[int, int, int | None, Decimal | None]]:
    return [
        (line.offer_id, line.quantity, line.maintenance_offer_id, line.maintenance_unit_price)
        for line in db.session.execute(select(OrderLine).order_by(OrderLine.offer_id)).scalars()
    ]


def events() -> int:
    return db.session.execute(select(func.count(OrderEvent.id))).scalar_one()


def test_order_with_maintenance_keeps_the_price_it_saw(shop):
    campaign, person, offers, m = shop
    laptop = offers["laptop"].id
    order_services.place_order(
        campaign, {laptop: 3}, by=person, maintenance={laptop: m["laptop"].id}
    )
    assert lines() == [(laptop, 3, m["laptop"].id, Decimal("30.00"))]
    event = db.session.execute(select(OrderEvent)).scalar_one()
    assert event.lines == [
        {"offer_id": laptop, "quantity": 3, "maintenance_offer_id": m["laptop"].id}
    ]
    m["laptop"].unit_price = Decimal("35.00")
    db.session.commit()
    assert lines()[0][3] == Decimal("30.00")


def test_changing_only_the_maintenance_is_a_change_and_none_keeps_it(shop):
    campaign, person, offers, m = shop
    laptop = offers["laptop"].id
    order_services.place_order(campaign, {laptop: 3}, by=person)
    assert lines() == [(laptop, 3, None, None)]
    order_services.place_order(
        campaign, {laptop: 3}, by=person, maintenance={laptop: m["laptop"].id}
    )
    assert lines() == [(laptop, 3, m["laptop"].id, Decimal("30.00"))]
    assert events() == 2
    order_services.place_order(campaign, {laptop: 4}, by=person)  # maintenance not mentioned: kept
    assert lines() == [(laptop, 4, m["laptop"].id, Decimal("30.00"))]
    order_services.place_order(
        campaign, {laptop: 4}, by=person, maintenance={laptop: m["laptop"].id}
    )
    assert events() == 3  # unchanged order: no new event
    order_services.place_order(campaign, {laptop: 4}, by=person, maintenance={laptop: None})
    assert lines() == [(laptop, 4, None, None)]


@pytest.mark.parametrize("which", ["monitor", "inactive", "unknown"])
def test_maintenance_of_another_listing_or_inactive_is_refused(shop, which):
    campaign, person, offers, m = shop
    laptop = offers["laptop"].id
    with unit_of_work():
        order_services.place_order(campaign, {laptop: 2}, by=person)
    chosen = 9999 if which == "unknown" else m[which].id
    with pytest.raises(ValidationError) as err, unit_of_work():
        order_services.place_order(campaign, {laptop: 5}, by=person, maintenance={laptop: chosen})
    assert err.value.field == f"mnt_{laptop}"
    assert lines() == [(laptop, 2, None, None)]
    assert events() == 1
