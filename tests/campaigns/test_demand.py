"""Each offer's demand (``offer_demand``), kept by the database's triggers, is always the sum
of the lines of the active orders, whichever way they were written."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql

from nrhub.campaigns import orders as order_services
from nrhub.campaigns import queries
from nrhub.campaigns import services as campaign_services
from nrhub.campaigns.models import OfferDemand, Order, OrderLine, OrderStatus
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.campaigns.conftest import ordered_per_offer


def _kept(campaign_id: int) -> dict[int, int]:
    db.session.expire_all()
    return queries.pooled_quantities(campaign_id)


@pytest.fixture
def world(people, make_campaign, listing, make_offer):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    other = factories.ListingFactory(refurbisher=people.refurbisher.organisation, quantity=20)
    db.session.commit()
    return campaign, make_offer(campaign, listing, 10), make_offer(campaign, other, 10)


def test_every_order_change_moves_the_demand(world, people):  # type: ignore[no-untyped-def]
    campaign, first, second = world
    assert _kept(campaign.id) == {}
    steps = [
        (people.buyer, {first.id: 4}),
        (people.other_buyer, {first.id: 3, second.id: 2}),
        (people.buyer, {first.id: 1, second.id: 5}),  # a line changed, a line added
        (people.other_buyer, {first.id: 0}),  # a line removed
    ]
    for buyer, quantities in steps:
        with unit_of_work():
            order_services.place_order(campaign, quantities, by=buyer)
        assert _kept(campaign.id) == ordered_per_offer(campaign.id)
    assert _kept(campaign.id) == {first.id: 1, second.id: 7}
    order = db.session.execute(
        select(Order).where(Order.buyer_id == people.buyer.organisation_id)
    ).scalar_one()
    with unit_of_work():
        order_services.cancel_order(order, by=people.buyer)
    assert _kept(campaign.id) == ordered_per_offer(campaign.id) == {second.id: 2}
    with unit_of_work():  # the cancelled order taken up again
        order_services.place_order(campaign, {first.id: 6}, by=people.buyer)
    assert _kept(campaign.id) == ordered_per_offer(campaign.id) == {first.id: 6, second.id: 2}


def test_a_cancelled_campaign_asks_nothing_any_more(world, people):  # type: ignore[no-untyped-def]
    campaign, first, second = world
    with unit_of_work():
        order_services.place_order(campaign, {first.id: 4, second.id: 1}, by=people.buyer)
    with unit_of_work():
        campaign_services.cancel_campaign(
            campaign, "Trop peu d'offres reçues.", by=people.coordinator
        )
    # The lines stay, for the history; their orders are no longer active.
    assert db.session.scalar(select(func.count(OrderLine.id))) == 2
    assert _kept(campaign.id) == ordered_per_offer(campaign.id) == {}


def test_writes_outside_the_services_are_counted_too(world, people):  # type: ignore[no-untyped-def]
    campaign, first, second = world
    now = utcnow()
    order_id = db.session.execute(
        insert(Order)
        .values(
            campaign_id=campaign.id,
            buyer_id=people.buyer.organisation_id,
            status=OrderStatus.ACTIVE,
            created_at=now,
            updated_at=now,
        )
        .returning(Order.id)
    ).scalar_one()
    db.session.execute(
        insert(OrderLine),
        [
            {"order_id": order_id, "offer_id": first.id, "quantity": 3, "updated_at": now},
            {"order_id": order_id, "offer_id": second.id, "quantity": 2, "updated_at": now},
        ],
    )
    assert _kept(campaign.id) == {first.id: 3, second.id: 2}
    db.session.execute(update(OrderLine).where(OrderLine.offer_id == first.id).values(quantity=9))
    assert _kept(campaign.id) == ordered_per_offer(campaign.id) == {first.id: 9, second.id: 2}
    db.session.execute(
        update(Order).where(Order.id == order_id).values(status=OrderStatus.CANCELLED)
    )
    assert _kept(campaign.id) == {}
    db.session.execute(update(Order).where(Order.id == order_id).values(status="active"))
    assert _kept(campaign.id) == {first.id: 9, second.id: 2}
    # An order deleted takes its lines with it, and its demand.
    db.session.execute(delete(Order).where(Order.id == order_id))
    assert _kept(campaign.id) == ordered_per_offer(campaign.id) == {}
    db.session.commit()


def test_every_offer_has_its_row_from_the_start(world):  # type: ignore[no-untyped-def]
    _campaign, first, second = world
    rows = db.session.execute(select(OfferDemand.offer_id, OfferDemand.quantity)).all()
    assert sorted(rows) == [(first.id, 0), (second.id, 0)]


def test_an_order_locks_its_offers_in_the_order_of_their_ids():
    """Two orders on the same offers then update their demand one after the other: the
    offers' locks are taken in one order (no deadlock), and exclusively (FOR SHARE would
    let both in, then each would wait for the other's demand rows)."""
    for statement in (order_services._HOLD_OFFERS, order_services._HOLD_OFFERS_OF_ORDER):
        sql = str(statement.compile(dialect=postgresql.dialect()))
        assert "ORDER BY campaign_offer.id" in sql
        assert sql.endswith("FOR NO KEY UPDATE")
