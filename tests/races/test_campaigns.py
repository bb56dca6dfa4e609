"""Campaign transitions raced over HTTP against gunicorn workers: each state change has one
winner, units come back to the free stock exactly once, a cancelled campaign never holds a
purchase order, and every loser is told 409 (never a 5xx)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import requests
from sqlalchemy import func, select

from nrhub.audit.models import AuditEvent
from nrhub.auth.models import User
from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import services
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferDemand,
    OfferStatus,
    Order,
    OrderEvent,
    OrderStatus,
)
from nrhub.catalog.models import Category, Listing
from nrhub.consolidation.models import Consolidation, Delivery, PurchaseOrder
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.mail.models import OutboxMail
from nrhub.transactions import unit_of_work
from tests.campaigns.conftest import ordered_per_offer
from tests.conftest import csrf_token_from
from tests.factories import (
    PASSWORD,
    BuyerFactory,
    HubFactory,
    ListingFactory,
    RefurbisherFactory,
    UserFactory,
)
from tests.races.conftest import RaceServer, api_call, commit_setup, race, statuses, token_for

STOCK = 10
COMMITTED = 6
REASON = "Trop peu d'offres reçues pour cette campagne."


@dataclass
class World:
    coordinator: User
    refurbisher: User
    buyer: User
    campaign_id: int
    listing_id: int
    offer_id: int


def _world(*, accept: bool = True, order: bool = False, close: bool = False) -> World:
    """An open campaign where a refurbisher committed COMMITTED of its STOCK units (the
    offer accepted or pending), a buyer's order on it if asked, closed if asked."""
    coordinator = UserFactory(organisation=HubFactory())
    refurbisher = UserFactory(organisation=RefurbisherFactory())
    buyer = UserFactory(organisation=BuyerFactory())
    listing = ListingFactory(refurbisher=refurbisher.organisation, quantity=STOCK)
    commit_setup()
    now = utcnow()
    laptops = db.session.execute(select(Category.id).where(Category.code == "laptop")).scalar()
    with unit_of_work():
        campaign = services.create_campaign(
            services.CampaignData(
                title="Portables 2027",
                opens_at=now - dt.timedelta(days=1),
                closes_at=now + dt.timedelta(days=10),
                category_ids=[laptops],
            ),
            by=coordinator,
        )
        services.open_campaign(campaign, by=coordinator)
        offer = offer_services.commit_offer(campaign, listing.id, COMMITTED, by=refurbisher)
        if accept:
            offer_services.decide_offer(offer, True, by=coordinator)
        if order:
            order_services.place_order(campaign, {offer.id: 4}, by=buyer)
        if close:
            services.close_campaign(campaign, by=coordinator)
    world = World(coordinator, refurbisher, buyer, campaign.id, listing.id, offer.id)
    assert _free_stock(world) == STOCK - COMMITTED
    return world


def _free_stock(world: World) -> int:
    db.session.expire_all()
    return int(
        db.session.execute(
            select(Listing.quantity).where(Listing.id == world.listing_id)
        ).scalar_one()
    )


def _count(model: type, *where: object) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _audit(action: str) -> int:
    return _count(AuditEvent, AuditEvent.action == action)


def _state(world: World) -> str:
    db.session.expire_all()
    campaign = db.session.get(Campaign, world.campaign_id)
    assert campaign is not None
    return str(campaign.state)


def _offer_status(world: World) -> str:
    offer = db.session.get(CampaignOffer, world.offer_id)
    assert offer is not None
    return str(offer.status)


def _cancel(server: RaceServer, token: str, world: World):  # type: ignore[no-untyped-def]
    return api_call(
        server,
        token,
        "POST",
        f"/campaigns/{world.campaign_id}/transitions",
        json={"to": "cancelled", "reason": REASON},
    )


def test_ten_cancels_give_the_units_back_once(app, race_server):  # type: ignore[no-untyped-def]
    world = _world(order=True)
    token = token_for(world.coordinator)

    responses = race([_cancel(race_server, token, world)] * 10)

    assert statuses(responses) == [200] + [409] * 9
    assert all("Impossible d'annuler une campagne annulée" in r.json()["detail"]
               for r in responses if r.status_code == 409)  # fmt: skip
    assert _state(world) == CampaignState.CANCELLED
    assert _free_stock(world) == STOCK
    assert _offer_status(world) == OfferStatus.CANCELLED
    order = db.session.execute(select(Order)).scalar_one()
    assert order.status == OrderStatus.CANCELLED
    assert _count(OrderEvent, OrderEvent.action == "campaign_cancelled") == 1
    assert _audit("campaign.cancelled") == 1
    assert _count(OutboxMail, OutboxMail.subject.contains("Campagne annulée")) == 1


def test_close_racing_refusals_of_a_pending_offer(app, race_server):  # type: ignore[no-untyped-def]
    world = _world(accept=False)
    token = token_for(world.coordinator)
    close = api_call(
        race_server,
        token,
        "POST",
        f"/campaigns/{world.campaign_id}/transitions",
        json={"to": "closed"},
    )
    refuse = api_call(
        race_server, token, "POST", f"/offers/{world.offer_id}/decision", json={"accept": False}
    )

    responses = race([close, refuse] * 5)

    closes, refusals = responses[0::2], responses[1::2]
    assert statuses(closes) == [200] + [409] * 4
    refused = [r for r in refusals if r.status_code == 200]
    assert len(refused) <= 1
    assert statuses(refusals) == sorted([200] * len(refused) + [409] * (5 - len(refused)))
    assert _state(world) == CampaignState.CLOSED
    assert _offer_status(world) == OfferStatus.REFUSED
    assert _free_stock(world) == STOCK
    assert _audit("campaign_offer.refused") == len(refused)
    closed = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "campaign.closed")
    ).scalar_one()
    assert closed.details["pending_offers_released"] == 1 - len(refused)


def _web_session(server: RaceServer, email: str) -> tuple[dict[str, str], str]:
    """Log in through the login form; the session's cookies and a CSRF token for its forms."""
    browser = requests.Session()
    page = browser.get(f"{server.url}/connexion", timeout=30)
    answer = browser.post(
        f"{server.url}/connexion",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_from(page.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    home = browser.get(f"{server.url}/campagnes/", timeout=30)
    return browser.cookies.get_dict(), csrf_token_from(home.text)


def test_cancel_racing_web_withdrawals_of_the_offer(app, race_server):  # type: ignore[no-untyped-def]
    world = _world()
    token = token_for(world.coordinator)
    email = world.refurbisher.email
    commit_setup()  # reading the e-mail began a transaction: SQLite's write lock, released
    cookies, csrf = _web_session(race_server, email)
    url = f"{race_server.url}/campagnes/{world.campaign_id}/offres/{world.offer_id}/retirer"

    def withdraw() -> requests.Response:
        return requests.post(
            url, data={"csrf_token": csrf}, cookies=cookies, allow_redirects=False, timeout=60
        )

    responses = race([_cancel(race_server, token, world), withdraw] * 5)

    cancels, withdrawals = responses[0::2], responses[1::2]
    assert statuses(cancels) == [200] + [409] * 4
    # A page answers a refusal with a message and a redirect too.
    assert statuses(withdrawals) == [302] * 5
    assert _state(world) == CampaignState.CANCELLED
    assert _free_stock(world) == STOCK
    withdrawn = _audit("campaign_offer.withdrawn")
    assert withdrawn in (0, 1)
    assert _offer_status(world) == (OfferStatus.WITHDRAWN if withdrawn else OfferStatus.CANCELLED)
    cancelled = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "campaign.cancelled")
    ).scalar_one()
    assert cancelled.details["units_released"] == (0 if withdrawn else COMMITTED)


def test_cancel_racing_consolidation_has_one_winner(app, race_server):  # type: ignore[no-untyped-def]
    world = _world(order=True, close=True)
    token = token_for(world.coordinator)
    consolidate = api_call(
        race_server,
        token,
        "POST",
        f"/campaigns/{world.campaign_id}/consolidation",
        json={"confirm": True},
    )

    responses = race([_cancel(race_server, token, world), consolidate] * 5)

    cancels, consolidations = responses[0::2], responses[1::2]
    assert all(r.status_code < 500 for r in responses), [r.text[:300] for r in responses]
    state = _state(world)
    if state == CampaignState.CANCELLED:
        assert statuses(cancels) == [200] + [409] * 4
        assert statuses(consolidations) == [409] * 5
        assert _count(Consolidation) == 0
        assert _count(PurchaseOrder) == 0
        assert _count(Delivery) == 0
        assert _free_stock(world) == STOCK
        assert db.session.execute(select(Order.status)).scalar_one() == OrderStatus.CANCELLED
    else:
        assert state == CampaignState.CONSOLIDATED
        assert statuses(cancels) == [409] * 5
        assert statuses(consolidations) == [200] * 5
        assert sorted(r.json()["created"] for r in consolidations) == [False] * 4 + [True]
        assert _count(Consolidation) == 1
        assert _count(PurchaseOrder) == 1
        assert _offer_status(world) == OfferStatus.ACCEPTED
        # 4 of the 6 committed units allocated, the 2 others back in the free stock.
        assert _free_stock(world) == STOCK - 4
    assert _count(SpendEntry) == 0
    assert _audit("campaign.cancelled") + _audit("campaign.consolidated") == 1


def test_ten_calls_for_stock_publish_it_once(app, race_server):  # type: ignore[no-untyped-def]
    """Ten parallel publications of a draft's call for stock: one wins, the refurbishers
    are e-mailed once, the others are told 409."""
    coordinator = UserFactory(organisation=HubFactory())
    refurbisher = UserFactory(organisation=RefurbisherFactory())
    ListingFactory(refurbisher=refurbisher.organisation, quantity=STOCK)
    commit_setup()
    now = utcnow()
    laptops = db.session.execute(select(Category.id).where(Category.code == "laptop")).scalar()
    with unit_of_work():
        campaign = services.create_campaign(
            services.CampaignData(
                title="Appel 2027",
                opens_at=now + dt.timedelta(days=5),
                closes_at=now + dt.timedelta(days=20),
                category_ids=[laptops],
            ),
            by=coordinator,
        )
    due = (now + dt.timedelta(days=3)).isoformat()
    call = api_call(
        race_server,
        token_for(coordinator),
        "POST",
        f"/campaigns/{campaign.id}/transitions",
        json={"to": "call_for_stock", "offers_due_at": due},
    )
    mails_before = _count(OutboxMail)
    commit_setup()  # ends the test's transaction too: SQLite's lock is free for the server

    responses = race([call] * 10)

    assert statuses(responses) == [200] + [409] * 9
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.CALL_FOR_STOCK
    assert _audit("campaign.call_published") == 1
    assert _count(OutboxMail) - mails_before == 1


def _race_without_retry(server: RaceServer, calls):  # type: ignore[no-untyped-def]
    """:func:`race`, checking that no request met a deadlock (the unit of work retries it
    once, silently for the client, and says so in the server's log)."""
    logged = server.log.stat().st_size
    responses = race(calls)
    with server.log.open("rb") as log:
        log.seek(logged)
        assert b"retrying a request" not in log.read()
    return responses


def _four_offers(world: World) -> list[int]:
    """The world's offer and three more, accepted in its campaign: their ids, ascending."""
    listings = [
        ListingFactory(refurbisher=world.refurbisher.organisation, quantity=STOCK) for _ in range(3)
    ]
    commit_setup()
    campaign = db.session.get(Campaign, world.campaign_id)
    with unit_of_work():
        offer_ids = [world.offer_id]
        for listing in listings:
            offer = offer_services.commit_offer(campaign, listing.id, 5, by=world.refurbisher)
            offer_services.decide_offer(offer, True, by=world.coordinator)
            offer_ids.append(offer.id)
    return offer_ids


def _order_change(  # type: ignore[no-untyped-def]
    server: RaceServer, token: str, world: World, offer_ids: list[int], index: int
):
    """The ``index``-th buyer's order of every offer, 1 + (index + n) % 3 units of the n-th,
    the offers rotated by ``index`` and reversed for odd ones (locks asked in every order)."""
    order = offer_ids[index % 4 :] + offer_ids[: index % 4]
    if index % 2:
        order.reverse()
    lines = [{"offer_id": oid, "quantity": 1 + (index + n) % 3} for n, oid in enumerate(order)]
    return api_call(
        server, token, "PUT", f"/campaigns/{world.campaign_id}/order", json={"lines": lines}
    )


def test_orders_racing_on_the_same_offers_count_every_unit(app, race_server):  # type: ignore[no-untyped-def]
    """Buyers changing their orders at once, each on the same offers in another order: none
    waits for another in a circle (no 409), and each offer's demand is the sum of the
    lines."""
    world = _world()
    offer_ids = _four_offers(world)
    buyers = [UserFactory(organisation=BuyerFactory()) for _ in range(12)]
    tokens = [token_for(buyer) for buyer in buyers]
    calls = [
        _order_change(race_server, token, world, offer_ids, index)
        for index, token in enumerate(tokens)
    ]
    assert statuses(_race_without_retry(race_server, calls)) == [200] * len(calls)
    db.session.expire_all()
    summed = ordered_per_offer(world.campaign_id)
    kept = dict(db.session.execute(select(OfferDemand.offer_id, OfferDemand.quantity)).all())
    assert sum(summed.values()) == sum(
        1 + (i + n) % 3 for i in range(len(buyers)) for n in range(4)
    )
    assert kept == summed


def test_cancellations_racing_order_changes_count_every_unit(app, race_server):  # type: ignore[no-untyped-def]
    """Buyers cancelling their orders (on the web) while others change theirs (API) on the
    same offers: both lock the offers in one order (no 409, no deadlock), and each offer's
    demand is the sum of the remaining active orders' lines."""
    world = _world()
    offer_ids = _four_offers(world)
    campaign = db.session.get(Campaign, world.campaign_id)
    leaving = [UserFactory(organisation=BuyerFactory()) for _ in range(6)]
    staying = [UserFactory(organisation=BuyerFactory()) for _ in range(6)]
    commit_setup()
    order_ids = []
    for buyer in leaving:
        with unit_of_work():
            order = order_services.place_order(
                campaign, dict.fromkeys(reversed(offer_ids), 2), by=buyer
            )
        order_ids.append(order.id)
    tokens = [token_for(buyer) for buyer in staying]
    emails = [buyer.email for buyer in leaving]
    commit_setup()  # reading the e-mails began a transaction: SQLite's write lock, released
    sessions = [_web_session(race_server, email) for email in emails]

    def cancel(cookies: dict[str, str], csrf: str, order_id: int):  # type: ignore[no-untyped-def]
        url = f"{race_server.url}/campagnes/{world.campaign_id}/commandes/{order_id}/annuler"
        return lambda: requests.post(
            url, data={"csrf_token": csrf}, cookies=cookies, allow_redirects=False, timeout=60
        )

    calls = []
    for index, (token, (cookies, csrf), order_id) in enumerate(
        zip(tokens, sessions, order_ids, strict=True)
    ):
        calls += [
            _order_change(race_server, token, world, offer_ids, index),
            cancel(cookies, csrf, order_id),
        ]
    responses = _race_without_retry(race_server, calls)
    assert statuses(responses[0::2]) == [200] * len(staying)
    assert statuses(responses[1::2]) == [302] * len(leaving)
    db.session.expire_all()
    assert {db.session.get(Order, order_id).status for order_id in order_ids} == {  # type: ignore[union-attr]
        OrderStatus.CANCELLED
    }
    summed = ordered_per_offer(world.campaign_id)
    kept = dict(db.session.execute(select(OfferDemand.offer_id, OfferDemand.quantity)).all())
    assert sum(summed.values()) == sum(
        1 + (i + n) % 3 for i in range(len(staying)) for n in range(4)
    )
    assert kept == summed
