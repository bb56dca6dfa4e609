"""No oversell under concurrency: real connections on the test database (SQLite file, or
PostgreSQL with NRHUB_TEST_BACKEND=postgresql), one app context and session per thread, each
use case in its own unit of work as a request runs it."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import selectinload

from nrhub.auth.models import User
from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import services
from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    Campaign,
    CampaignOffer,
    CampaignState,
    Order,
    OrderEvent,
)
from nrhub.errors import ConflictError, DomainError, InsufficientStockError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.campaigns.conftest import free_stock

THREADS = 8
ATTEMPTS = 10
STOCK = 30


def _run_threads(app: Flask, work: Callable[[int], None]) -> list[BaseException]:
    # The test's own session must not hold SQLite's write lock while the threads run.
    db.session.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def runner(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                work(index)
            except BaseException as err:  # collected, asserted in the main thread
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_commitments_never_oversell(app, people, make_campaign, listing):
    listing.quantity = STOCK
    db.session.commit()
    campaign_ids = [make_campaign(title=f"Campagne {i}").id for i in range(THREADS)]
    refurbisher_id, listing_id = people.refurbisher.id, listing.id
    refusals = []

    def work(index: int) -> None:
        rng = random.Random(index)
        by = db.session.get(User, refurbisher_id)
        campaign = db.session.get(Campaign, campaign_ids[index])
        offer = None
        for _attempt in range(ATTEMPTS):
            try:
                with unit_of_work():
                    if offer is None:
                        offer = offer_services.commit_offer(
                            campaign, listing_id, rng.randint(1, 8), by=by
                        )
                    elif rng.random() < 0.15:
                        offer_services.withdraw_offer(offer, by=by)
                        offer = None
                    else:
                        offer_services.change_offer_quantity(offer, rng.randint(1, 10), by=by)
            except InsufficientStockError as err:
                refusals.append(str(err))

    errors = _run_threads(app, work)
    assert errors == []
    db.session.expire_all()
    committed = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(CampaignOffer.committed_quantity), 0)).where(
            CampaignOffer.listing_id == listing_id,
            CampaignOffer.status.in_(HOLDING_STATUSES),
        )
    ).scalar_one()
    free = free_stock(listing_id)
    assert free >= 0
    assert committed + free == STOCK
    assert refusals, "the race never hit the stock limit"
    assert all(r.startswith("Stock libre insuffisant") for r in refusals)


def test_concurrent_orders_of_one_buyer_make_one_order(
    app, people, make_campaign, listing, make_offer
):
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 5)
    campaign_id, offer_id, buyer_id = campaign.id, offer.id, people.buyer.id
    conflicts = []

    def work(index: int) -> None:
        by = db.session.get(User, buyer_id)
        for attempt in range(ATTEMPTS):
            try:
                with unit_of_work():
                    campaign = db.session.get(Campaign, campaign_id)
                    order_services.place_order(
                        campaign, {offer_id: index * ATTEMPTS + attempt + 1}, by=by
                    )
            except ConflictError as err:  # the refusal when two people create it at once
                conflicts.append(str(err))

    errors = _run_threads(app, work)
    assert errors == []
    orders = db.session.execute(db.select(Order)).scalars().all()
    assert len(orders) == 1
    events = db.session.execute(
        db.select(db.func.count(OrderEvent.id)).where(OrderEvent.order_id == orders[0].id)
    ).scalar_one()
    assert events == THREADS * ATTEMPTS - len(conflicts)


def _committed(listing_id: int) -> int:
    return int(
        db.session.execute(
            db.select(db.func.coalesce(db.func.sum(CampaignOffer.committed_quantity), 0)).where(
                CampaignOffer.listing_id == listing_id,
                CampaignOffer.status.in_(HOLDING_STATUSES),
            )
        ).scalar_one()
    )


def test_transitions_racing_on_one_campaign_never_invent_units(
    app, people, make_campaign, listing, make_offer
):
    campaign = make_campaign()
    accepted = make_offer(campaign, listing, 10)
    phones = factories.ListingFactory(refurbisher=people.other_refurbisher.organisation, quantity=5)
    db.session.commit()
    pending = make_offer(campaign, phones, 5, accept=False)
    ids = {
        "campaign": campaign.id,
        "accepted": accepted.id,
        "pending": pending.id,
        "coordinator": people.coordinator.id,
        "refurbisher": people.refurbisher.id,
        "other_refurbisher": people.other_refurbisher.id,
    }
    refusals: list[str] = []

    def act(index: int) -> None:
        def user(key: str) -> User:
            found = db.session.get(User, ids[key])
            assert found is not None
            return found

        def offer(key: str) -> CampaignOffer:
            found = db.session.get(CampaignOffer, ids[key])
            assert found is not None
            return found

        this = db.session.get(Campaign, ids["campaign"])
        assert this is not None
        coordinator = user("coordinator")
        actions = [
            lambda: services.cancel_campaign(this, "Annulée en test", by=coordinator),
            lambda: services.cancel_campaign(this, "Annulée en test", by=coordinator),
            lambda: services.close_campaign(this, by=coordinator),
            lambda: offer_services.withdraw_offer(offer("accepted"), by=user("refurbisher")),
            lambda: offer_services.decide_offer(offer("pending"), False, by=coordinator),
            lambda: offer_services.change_offer_quantity(
                offer("accepted"), 15, by=user("refurbisher")
            ),
            lambda: offer_services.decide_offer(offer("accepted"), False, by=coordinator),
            lambda: offer_services.withdraw_offer(offer("pending"), by=user("other_refurbisher")),
        ]
        try:
            with unit_of_work():
                actions[index]()
        except DomainError as err:  # a loser is refused, in French
            refusals.append(str(err))

    errors = _run_threads(app, act)

    assert errors == []
    db.session.expire_all()
    # A cancel is allowed from "closed" too: whatever ran before, the campaign ends cancelled
    # and every unit is back in the free stock, once.
    assert db.session.get(Campaign, campaign.id).state == CampaignState.CANCELLED
    assert (free_stock(listing.id), _committed(listing.id)) == (20, 0)
    assert (free_stock(phones.id), _committed(phones.id)) == (5, 0)
    assert refusals.count("Impossible d'annuler une campagne annulée.") == 1


def _wait_until_blocked(seconds: float = 10.0) -> None:
    """Return once another transaction waits for a lock (PostgreSQL), or after a moment
    (SQLite: a writer waits at BEGIN IMMEDIATE, which nothing here can see)."""
    if db.engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    deadline = time.monotonic() + seconds
    with db.engine.connect() as connection:
        while connection.execute(waiting).scalar_one() == 0:
            assert time.monotonic() < deadline, "the second change never waited"
            time.sleep(0.02)


def test_a_change_waiting_for_another_reads_the_lines_it_wrote(
    app, people, make_campaign, listing, make_offer
):
    """Two changes of one order at once: the second waits for the first's lock on the
    order, then works on the lines the first wrote (a line removed, a line added), not on
    what its own statement saw before waiting."""
    campaign = make_campaign()
    laptop = make_offer(campaign, listing, 5)
    phones = factories.ListingFactory(refurbisher=people.refurbisher.organisation, quantity=5)
    db.session.commit()
    phone = make_offer(campaign, phones, 5)
    with unit_of_work():
        order_services.place_order(campaign, {laptop.id: 1}, by=people.buyer)
    campaign_id, buyer_id, laptop_id, phone_id = campaign.id, people.buyer.id, laptop.id, phone.id
    db.session.commit()
    first_wrote = threading.Event()
    errors: list[BaseException] = []

    def change(quantities: dict[int, int], first: bool) -> None:
        with app.app_context():
            try:
                with unit_of_work():
                    order_services.place_order(
                        db.session.get(Campaign, campaign_id),
                        quantities,
                        by=db.session.get(User, buyer_id),
                    )
                    if first:
                        first_wrote.set()
                        _wait_until_blocked()
            except BaseException as err:  # asserted in the main thread
                errors.append(err)
                first_wrote.set()
            finally:
                db.session.remove()

    first = threading.Thread(target=change, args=({laptop_id: 0, phone_id: 2}, True))
    first.start()
    first_wrote.wait(timeout=30)
    second = threading.Thread(target=change, args=({laptop_id: 3}, False))
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert errors == []
    db.session.expire_all()
    order = db.session.execute(db.select(Order).options(selectinload(Order.lines))).scalar_one()
    assert {line.offer_id: line.quantity for line in order.lines} == {laptop_id: 3, phone_id: 2}
    last = (
        db.session.execute(
            db.select(OrderEvent)
            .where(OrderEvent.order_id == order.id)
            .order_by(OrderEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert last is not None
    assert last.lines == [
        {"offer_id": oid, "quantity": q} for oid, q in sorted({laptop_id: 3, phone_id: 2}.items())
    ]
