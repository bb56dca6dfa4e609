"""A consolidated, shipped and received campaign with maintenance, and repair helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select

from nrhub.campaigns.models import OrderLine
from nrhub.catalog.models import MaintenanceKind, MaintenanceOffer
from nrhub.consolidation import services as consolidation
from nrhub.consolidation.models import Delivery, DeliveryLine
from nrhub.extensions import db
from tests import factories
from tests.consolidation.factories import CONFIRMED_AT, Scenario, scenario

SHIPPED = dt.date(2026, 10, 12)
RECEIVED = dt.date(2026, 10, 14)


@dataclass
class World:
    base: Scenario
    maintenance: MaintenanceOffer  # laptop, 24 months, 30.00 € HT
    warranty: MaintenanceOffer  # monitor, 36 months, 15.50 € HT

    def __getattr__(self, name: str):  # the scenario's fields, for brevity
        return getattr(self.base, name)


def maintenance_offer(listing, kind, months: int, price: str, active: bool = True):
    return factories.MaintenanceOfferFactory(
        listing=listing,
        kind=kind,
        duration_months=months,
        unit_price=Decimal(price),
        coverage="Pièces et main-d'œuvre, intervention sous 5 jours.",
        is_active=active,
    )


def choose(line_id: int, offer: MaintenanceOffer) -> None:
    line = db.session.get(OrderLine, line_id)
    line.maintenance_offer_id = offer.id
    line.maintenance_unit_price = offer.unit_price


@pytest.fixture
def world(app) -> World:
    base = scenario()
    maintenance = maintenance_offer(
        base.listings["laptop"], MaintenanceKind.MAINTENANCE, 24, "30.00"
    )
    warranty = maintenance_offer(
        base.listings["monitor"], MaintenanceKind.EXTENDED_WARRANTY, 36, "15.50"
    )
    choose(base.lines[("laptop", 1)], maintenance)
    choose(base.lines[("monitor", 3)], warranty)
    db.session.commit()
    return World(base, maintenance, warranty)


@pytest.fixture
def outbox(app) -> list:
    mailman = app.extensions["mailman"]
    mailman.outbox = []
    return mailman.outbox


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


def consolidate(world) -> None:
    # Dated before SHIPPED: a shipment may not precede its purchase order.
    consolidation.confirm_consolidation(
        world.campaign, by=world.coordinator, at=CONFIRMED_AT, notify=False
    )
    db.session.expire_all()


def ship_and_receive(world, *, keep_pending: tuple[Delivery, ...] = ()) -> None:
    """Ship every delivery and confirm the receipt of all units (but ``keep_pending``)."""
    for delivery in db.session.execute(select(Delivery).order_by(Delivery.id)).scalars().all():
        refurbisher = (
            "refurbisher_a"
            if delivery.refurbisher_id == world.refurbisher_a.id
            else "refurbisher_b"
        )
        consolidation.ship_delivery(
            delivery, SHIPPED, None, by=world.people[refurbisher], notify=False
        )
        if delivery.id in {d.id for d in keep_pending}:
            continue
        number = [b.id for b in world.buyers].index(delivery.buyer_id) + 1
        consolidation.confirm_receipt(
            delivery,
            RECEIVED,
            {line.id: line.quantity for line in lines_of(delivery)},
            None,
            by=world.people[f"buyer{number}"],
            notify=False,
        )
    db.session.expire_all()


@pytest.fixture
def received(world) -> World:
    consolidate(world)
    ship_and_receive(world)
    return world
