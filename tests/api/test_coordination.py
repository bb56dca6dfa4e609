"""The API that runs a campaign: create, transitions, offer decisions, commitments,
consolidation; and the whole campaign flow scripted through the API alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import services as campaign_services
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    Order,
)
from nrhub.catalog.models import Listing, PriceTier
from nrhub.consolidation.models import Consolidation, PurchaseOrder
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.ledger.models import SpendEntry
from tests.api.conftest import bearer
from tests.api.test_api import assert_problem
from tests.api.test_campaigns_indicators import _campaign
from tests.factories import BuyerFactory, ListingFactory, UserFactory


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def campaign_body(**changes):  # type: ignore[no-untyped-def]
    now = utcnow()
    body = {
        "title": "Portables 2027",
        "description": "Achat groupé",
        "opens_at": _iso(now + dt.timedelta(days=1)),
        "closes_at": _iso(now + dt.timedelta(days=20)),
        "delivery_from": (now + dt.timedelta(days=30)).date().isoformat(),
        "delivery_to": (now + dt.timedelta(days=60)).date().isoformat(),
        "categories": ["laptop", "monitor"],
    }
    return body | changes


# --- POST /campaigns ----------------------------------------------------------------------


def test_create_campaign_as_draft(api, people):  # type: ignore[no-untyped-def]
    body = campaign_body(
        opens_at="2027-03-01T09:00:00+01:00",
        closes_at="2027-03-20T18:00:00+01:00",
        delivery_from="2027-04-01",
        delivery_to="2027-05-01",
    )
    response = api.post("/api/v1/campaigns", json=body, headers=bearer(people["coordinator"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    out = response.get_json()
    assert out["state"] == "draft"
    assert out["title"] == "Portables 2027"
    assert out["categories"] == ["laptop", "monitor"]
    assert out["opens_at"] == "2027-03-01T08:00:00+00:00"
    assert out["offers"] == [] and out["clause_ids"] == []
    stored = db.session.get(Campaign, out["id"])
    assert stored.state == CampaignState.DRAFT
    assert stored.opens_at == dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"categories": []}, "categories"),
        ({"categories": ["fusée"]}, "categories"),
        ({"opens_at": "2027-03-01T09:00:00"}, "opens_at"),  # no offset
        ({"closes_at": "2020-01-01T00:00:00+00:00"}, "closes_at"),  # before opening
        ({"opens_at": "1500-01-01T00:00:00+00:00"}, "opens_at"),
        ({"delivery_from": "pas une date"}, "delivery_from"),
        ({"extra": 1}, "extra"),
    ],
)
def test_create_campaign_malformed_422_nothing_written(api, people, changes, field):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/campaigns", json=campaign_body(**changes), headers=bearer(people["coordinator"])
    )
    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert _count(Campaign) == 0


def test_create_campaign_body_not_json_422(api, people):  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/campaigns", data="titre=x", headers=bearer(people["coordinator"]))
    assert assert_problem(response, 422)["errors"] == {
        "body": ["Un corps JSON valide est attendu."]
    }
    assert _count(Campaign) == 0


@pytest.mark.parametrize("role", ["buyer", "refurbisher"])
def test_create_campaign_refused_to_members(api, people, role):  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(people[role]))
    assert_problem(response, 403)
    assert _count(Campaign) == 0


def test_create_campaign_idempotent_retry(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["coordinator"]) | {"Idempotency-Key": "camp-1"}
    body = campaign_body()
    first = api.post("/api/v1/campaigns", json=body, headers=headers)
    again = api.post("/api/v1/campaigns", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(Campaign) == 1


# --- POST /campaigns/{id}/transitions -----------------------------------------------------


def test_transitions_open_close_and_cancel(api, people):  # type: ignore[no-untyped-def]
    coordinator = people["coordinator"]
    headers = bearer(coordinator)
    first = _campaign(coordinator, state=CampaignState.DRAFT)
    url = f"/api/v1/campaigns/{first.id}/transitions"
    opened = api.post(url, json={"to": "open"}, headers=headers)
    assert opened.status_code == 200 and opened.get_json()["state"] == "open"
    closed = api.post(url, json={"to": "closed"}, headers=headers)
    assert closed.get_json()["state"] == "closed"
    assert db.session.get(Campaign, first.id).closed_at is not None
    cancelled = api.post(url, json={"to": "cancelled", "reason": "Budget gelé"}, headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    stored = db.session.get(Campaign, first.id)
    assert (stored.state, stored.cancel_reason) == (CampaignState.CANCELLED, "Budget gelé")


def test_transition_refused_by_state_409(api, people):  # type: ignore[no-untyped-def]
    item = _campaign(people["coordinator"], state=CampaignState.OPEN)
    response = api.post(
        f"/api/v1/campaigns/{item.id}/transitions",
        json={"to": "open"},
        headers=bearer(people["coordinator"]),
    )
    assert "ouvrir" in assert_problem(response, 409)["detail"]
    assert db.session.get(Campaign, item.id).state == CampaignState.OPEN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "cancelled"}, "reason"),
        ({"to": "cancelled", "reason": "non"}, "reason"),
        ({"to": "done"}, "to"),
        ({}, "to"),
    ],
)
def test_transition_malformed_422_unchanged(api, people, body, field):  # type: ignore[no-untyped-def]
    item = _campaign(people["coordinator"], state=CampaignState.OPEN)
    response = api.post(
        f"/api/v1/campaigns/{item.id}/transitions",
        json=body,
        headers=bearer(people["coordinator"]),
    )
    assert field in assert_problem(response, 422)["errors"]
    db.session.expire_all()
    assert db.session.get(Campaign, item.id).state == CampaignState.OPEN


@pytest.mark.parametrize("role", ["buyer", "refurbisher"])
def test_transition_refused_to_members(api, people, role):  # type: ignore[no-untyped-def]
    item = _campaign(people["coordinator"], state=CampaignState.OPEN)
    response = api.post(
        f"/api/v1/campaigns/{item.id}/transitions",
        json={"to": "closed"},
        headers=bearer(people[role]),
    )
    assert_problem(response, 403)
    assert db.session.get(Campaign, item.id).state == CampaignState.OPEN


def test_transition_unknown_campaign_404(api, people):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/campaigns/999/transitions",
        json={"to": "open"},
        headers=bearer(people["coordinator"]),
    )
    assert_problem(response, 404)


def test_transition_idempotent_retry_replays_success(api, people):  # type: ignore[no-untyped-def]
    item = _campaign(people["coordinator"], state=CampaignState.OPEN)
    headers = bearer(people["coordinator"]) | {"Idempotency-Key": "close-1"}
    url = f"/api/v1/campaigns/{item.id}/transitions"
    first = api.post(url, json={"to": "closed"}, headers=headers)
    again = api.post(url, json={"to": "closed"}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    # without the key, the same request is a new one, refused by the state
    plain = api.post(url, json={"to": "closed"}, headers=bearer(people["coordinator"]))
    assert_problem(plain, 409)


# --- POST /offers/{id}/decision -----------------------------------------------------------


@pytest.fixture
def pending_offer(people):  # type: ignore[no-untyped-def]
    item = _campaign(people["coordinator"], state=CampaignState.OPEN)
    listing = ListingFactory(refurbisher=people["refurbisher"].organisation, quantity=10)
    db.session.commit()
    return offer_services.commit_offer(item, listing.id, 4, by=people["refurbisher"])


@pytest.mark.parametrize(
    ("accept", "status", "stock"), [(True, "accepted", 6), (False, "refused", 10)]
)
def test_decide_offer(api, people, pending_offer, accept, status, stock):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/offers/{pending_offer.id}/decision",
        json={"accept": accept},
        headers=bearer(people["coordinator"]),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()
    assert (out["id"], out["status"], out["accepted"], out["committed"]) == (
        pending_offer.id,
        status,
        accept,
        4,
    )
    db.session.expire_all()
    assert db.session.get(CampaignOffer, pending_offer.id).status == status
    assert db.session.get(Listing, pending_offer.listing_id).quantity == stock


@pytest.mark.parametrize("body", [{"accept": "oui"}, {}, {"accept": True, "why": "x"}])
def test_decide_offer_malformed_422(api, people, pending_offer, body):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/offers/{pending_offer.id}/decision",
        json=body,
        headers=bearer(people["coordinator"]),
    )
    assert_problem(response, 422)
    assert db.session.get(CampaignOffer, pending_offer.id).status == OfferStatus.PENDING


@pytest.mark.parametrize("role", ["buyer", "refurbisher"])
def test_decide_offer_refused_to_members(api, people, pending_offer, role):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/offers/{pending_offer.id}/decision",
        json={"accept": True},
        headers=bearer(people[role]),
    )
    assert_problem(response, 403)
    assert db.session.get(CampaignOffer, pending_offer.id).status == OfferStatus.PENDING


def test_decide_unknown_offer_404_and_twice_409(api, people, pending_offer):  # type: ignore[no-untyped-def]
    headers = bearer(people["coordinator"])
    assert_problem(
        api.post("/api/v1/offers/9999/decision", json={"accept": True}, headers=headers), 404
    )
    url = f"/api/v1/offers/{pending_offer.id}/decision"
    assert api.post(url, json={"accept": True}, headers=headers).status_code == 200
    assert_problem(api.post(url, json={"accept": True}, headers=headers), 409)


def test_decide_offer_idempotent_retry(api, people, pending_offer):  # type: ignore[no-untyped-def]
    headers = bearer(people["coordinator"]) | {"Idempotency-Key": "d-1"}
    url = f"/api/v1/offers/{pending_offer.id}/decision"
    first = api.post(url, json={"accept": False}, headers=headers)
    again = api.post(url, json={"accept": False}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    db.session.expire_all()
    assert db.session.get(Listing, pending_offer.listing_id).quantity == 10  # given back once


# --- POST /campaigns/{id}/offers ----------------------------------------------------------


@pytest.fixture
def open_campaign(people):  # type: ignore[no-untyped-def]
    campaign = _campaign(people["coordinator"], state=CampaignState.OPEN)
    listing = ListingFactory(
        refurbisher=people["refurbisher"].organisation, quantity=10, unit_price=Decimal("300")
    )
    foreign = ListingFactory(refurbisher=people["other_refurbisher"].organisation, quantity=10)
    db.session.commit()
    return {"campaign": campaign, "listing": listing, "foreign": foreign}


def test_commit_offer_with_tiers(api, people, open_campaign):  # type: ignore[no-untyped-def]
    listing = open_campaign["listing"]
    response = api.post(
        f"/api/v1/campaigns/{open_campaign['campaign'].id}/offers",
        json={
            "listing_id": listing.id,
            "quantity": 7,
            "tiers": [{"min_quantity": 5, "unit_price_ht": "280.00"}],
        },
        headers=bearer(people["refurbisher"]),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    out = response.get_json()
    assert (out["listing_id"], out["committed"], out["status"], out["accepted"]) == (
        listing.id,
        7,
        "pending",
        False,
    )
    assert (out["unit_price_ht"], out["units_to_next_tier"], out["next_tier_unit_price_ht"]) == (
        "300.00",
        5,
        "280.00",
    )
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).quantity == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "3"}, "quantity"),
        ({"tiers": [{"min_quantity": 5, "unit_price_ht": "310.00"}]}, "tiers"),
        ({"tiers": [{"min_quantity": 1, "unit_price_ht": "10.00"}]}, "tiers.0.min_quantity"),
        ({"listing_id": None}, "listing_id"),
    ],
)
def test_commit_offer_malformed_422_stock_untouched(api, people, open_campaign, body, field):  # type: ignore[no-untyped-def]
    payload = {"listing_id": open_campaign["listing"].id, "quantity": 3} | body
    response = api.post(
        f"/api/v1/campaigns/{open_campaign['campaign'].id}/offers",
        json=payload,
        headers=bearer(people["refurbisher"]),
    )
    assert field in assert_problem(response, 422)["errors"]
    db.session.expire_all()
    assert db.session.get(Listing, open_campaign["listing"].id).quantity == 10
    assert _count(CampaignOffer) == 0


def test_commit_offer_other_refurbishers_listing_or_draft_campaign_404(api, people, open_campaign):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    url = f"/api/v1/campaigns/{open_campaign['campaign'].id}/offers"
    foreign = open_campaign["foreign"]
    assert_problem(
        api.post(url, json={"listing_id": foreign.id, "quantity": 1}, headers=headers), 404
    )
    draft = _campaign(people["coordinator"], state=CampaignState.DRAFT, title="Brouillon")
    assert_problem(
        api.post(
            f"/api/v1/campaigns/{draft.id}/offers",
            json={"listing_id": open_campaign["listing"].id, "quantity": 1},
            headers=headers,
        ),
        404,
    )
    db.session.expire_all()
    assert db.session.get(Listing, foreign.id).quantity == 10
    assert _count(CampaignOffer) == 0


def test_commit_offer_closed_campaign_409(api, people, open_campaign):  # type: ignore[no-untyped-def]
    campaign = open_campaign["campaign"]
    campaign.state = CampaignState.CLOSED
    db.session.commit()
    response = api.post(
        f"/api/v1/campaigns/{campaign.id}/offers",
        json={"listing_id": open_campaign["listing"].id, "quantity": 1},
        headers=bearer(people["refurbisher"]),
    )
    assert_problem(response, 409)
    assert _count(CampaignOffer) == 0


@pytest.mark.parametrize("role", ["buyer", "coordinator"])
def test_commit_offer_refused_to_other_roles(api, people, open_campaign, role):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/campaigns/{open_campaign['campaign'].id}/offers",
        json={"listing_id": open_campaign["listing"].id, "quantity": 1},
        headers=bearer(people[role]),
    )
    assert_problem(response, 403)
    assert _count(CampaignOffer) == 0


def test_commit_offer_idempotent_retry_takes_stock_once(api, people, open_campaign):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"]) | {"Idempotency-Key": "offer-1"}
    url = f"/api/v1/campaigns/{open_campaign['campaign'].id}/offers"
    body = {"listing_id": open_campaign["listing"].id, "quantity": 4}
    first = api.post(url, json=body, headers=headers)
    again = api.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json() == again.get_json()
    db.session.expire_all()
    assert db.session.get(Listing, open_campaign["listing"].id).quantity == 6
    assert _count(CampaignOffer) == 1


# --- POST /campaigns/{id}/consolidation ---------------------------------------------------


@pytest.fixture
def closed_campaign(people):  # type: ignore[no-untyped-def]
    """12 units committed (tiers 5 → 280, 10 → 260); buyer A asks 10, buyer B asks 5."""
    coordinator, refurbisher = people["coordinator"], people["refurbisher"]
    listing = ListingFactory(
        refurbisher=refurbisher.organisation, quantity=30, unit_price=Decimal("300.00")
    )
    db.session.add_all(
        [
            PriceTier(listing=listing, min_quantity=5, unit_price=Decimal("280.00")),
            PriceTier(listing=listing, min_quantity=10, unit_price=Decimal("260.00")),
        ]
    )
    db.session.commit()
    campaign = _campaign(coordinator)
    offer = offer_services.commit_offer(campaign, listing.id, 12, by=refurbisher)
    offer_services.decide_offer(offer, True, by=coordinator)
    other_buyer = UserFactory(organisation=BuyerFactory(name="Commune B"), email="b2@example.fr")
    people["buyer"].organisation.name = "Commune A"
    db.session.commit()
    order_services.place_order(campaign, {offer.id: 10}, by=people["buyer"])
    order_services.place_order(campaign, {offer.id: 5}, by=other_buyer)
    campaign_services.close_campaign(campaign, by=coordinator)
    return {"campaign": campaign, "offer": offer, "listing": listing, "other_buyer": other_buyer}


def test_consolidation_preview_writes_nothing(api, people, closed_campaign):  # type: ignore[no-untyped-def]
    campaign, offer = closed_campaign["campaign"], closed_campaign["offer"]
    response = api.post(
        f"/api/v1/campaigns/{campaign.id}/consolidation",
        json={"rule": "proportional", "confirm": False},
        headers=bearer(people["coordinator"]),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()
    assert (out["confirmed"], out["rule"], out["demand"], out["committed"], out["allocated"]) == (
        False,
        "proportional",
        15,
        12,
        12,
    )
    assert out["total_ht"] == "3120.00"  # 12 × 260.00
    [row] = out["offers"]
    assert (row["offer_id"], row["unit_price_ht"], row["unallocated"]) == (offer.id, "260.00", 0)
    # 12 × 10/15 = 8, 12 × 5/15 = 4
    assert [
        (a["buyer"]["name"], a["asked"], a["quantity"], a["amount_ht"]) for a in row["allocations"]
    ] == [
        ("Commune A", 10, 8, "2080.00"),
        ("Commune B", 5, 4, "1040.00"),
    ]
    assert [(b["buyer"]["name"], b["quantity"], b["amount_ht"]) for b in out["buyers"]] == [
        ("Commune A", 8, "2080.00"),
        ("Commune B", 4, "1040.00"),
    ]
    fifo = api.post(
        f"/api/v1/campaigns/{campaign.id}/consolidation",
        json={"rule": "fifo"},
        headers=bearer(people["coordinator"]),
    ).get_json()
    assert [a["quantity"] for a in fifo["offers"][0]["allocations"]] == [10, 2]
    assert _count(Consolidation) == 0 and _count(PurchaseOrder) == 0
    assert db.session.get(Campaign, campaign.id).state == CampaignState.CLOSED


def test_consolidation_confirm_returns_purchase_orders_and_is_idempotent(
    api, people, closed_campaign
):  # type: ignore[no-untyped-def]
    campaign = closed_campaign["campaign"]
    url = f"/api/v1/campaigns/{campaign.id}/consolidation"
    headers = bearer(people["coordinator"])
    response = api.post(url, json={"rule": "proportional", "confirm": True}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()
    assert (out["confirmed"], out["created"], out["rule"]) == (True, True, "proportional")
    [po] = out["purchase_orders"]
    assert po["refurbisher"]["id"] == people["refurbisher"].organisation_id
    assert po["lines"][0]["quantity"] == 12 and po["lines"][0]["unit_price_ht"] == "260.00"
    assert po["total_ht"] == "3120.00"
    assert sorted((d["buyer"]["name"], d["state"], d["total_ht"]) for d in po["deliveries"]) == [
        ("Commune A", "pending", "2080.00"),
        ("Commune B", "pending", "1040.00"),
    ]
    # the same shape as GET /purchase-orders/{id}
    assert api.get(f"/api/v1/purchase-orders/{po['id']}", headers=headers).get_json() == po
    again = api.post(url, json={"rule": "fifo", "confirm": True}, headers=headers).get_json()
    assert (again["created"], again["rule"], again["purchase_orders"]) == (
        False,
        "proportional",
        [po],
    )
    assert _count(PurchaseOrder) == 1
    # the preview of a consolidated campaign is a conflict
    assert_problem(api.post(url, json={"confirm": False}, headers=headers), 409)


def test_consolidation_of_open_campaign_409(api, people):  # type: ignore[no-untyped-def]
    item = _campaign(people["coordinator"], state=CampaignState.OPEN)
    for confirm in (False, True):
        response = api.post(
            f"/api/v1/campaigns/{item.id}/consolidation",
            json={"confirm": confirm},
            headers=bearer(people["coordinator"]),
        )
        assert_problem(response, 409)
    assert db.session.get(Campaign, item.id).state == CampaignState.OPEN


@pytest.mark.parametrize("body", [{"rule": "random"}, {"confirm": "yes"}, [], {"rule": None}])
def test_consolidation_malformed_422_nothing_written(api, people, closed_campaign, body):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/campaigns/{closed_campaign['campaign'].id}/consolidation",
        json=body,
        headers=bearer(people["coordinator"]),
    )
    assert_problem(response, 422)
    assert _count(Consolidation) == 0


@pytest.mark.parametrize("role", ["buyer", "refurbisher"])
def test_consolidation_refused_to_members(api, people, closed_campaign, role):  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/v1/campaigns/{closed_campaign['campaign'].id}/consolidation",
        json={"confirm": True},
        headers=bearer(people[role]),
    )
    assert_problem(response, 403)
    assert _count(Consolidation) == 0


def test_consolidation_unknown_campaign_404(api, people):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/campaigns/4242/consolidation", json={}, headers=bearer(people["coordinator"])
    )
    assert_problem(response, 404)


def test_consolidation_confirm_idempotent_retry(api, people, closed_campaign):  # type: ignore[no-untyped-def]
    headers = bearer(people["coordinator"]) | {"Idempotency-Key": "conso-1"}
    url = f"/api/v1/campaigns/{closed_campaign['campaign'].id}/consolidation"
    first = api.post(url, json={"confirm": True}, headers=headers)
    again = api.post(url, json={"confirm": True}, headers=headers)
    assert first.get_json()["created"] is True
    assert again.get_json() == first.get_json()  # the first answer, created true
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(Consolidation) == 1


# --- the whole flow, through the API alone ------------------------------------------------


def test_full_campaign_flow_through_the_api(api, people):  # type: ignore[no-untyped-def]
    coordinator = bearer(people["coordinator"])
    refurbisher = bearer(people["refurbisher"])
    buyer_a = bearer(people["buyer"])
    buyer_b = bearer(UserFactory(organisation=BuyerFactory(), email="b2@example.fr"))
    db.session.commit()
    now = utcnow()

    # the refurbisher publishes its stock by SKU
    listing = api.put(
        "/api/v1/listings/by-sku/FLOW-1",
        json={
            "category": "laptop",
            "brand": "Lenovo",
            "model": "ThinkPad T14",
            "grade": "A",
            "quantity": 20,
            "unit_price_ht": "300.00",
            "price_tiers": [{"min_quantity": 10, "unit_price_ht": "270.00"}],
            "status": "published",
        },
        headers=refurbisher,
    )
    assert listing.status_code == 201, listing.get_data(as_text=True)
    listing_id = listing.get_json()["id"]

    created = api.post(
        "/api/v1/campaigns",
        json=campaign_body(
            opens_at=_iso(now - dt.timedelta(hours=1)), delivery_from=None, delivery_to=None
        ),
        headers=coordinator,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    campaign_id = created.get_json()["id"]
    transitions = f"/api/v1/campaigns/{campaign_id}/transitions"
    assert api.post(transitions, json={"to": "open"}, headers=coordinator).status_code == 200

    offer = api.post(
        f"/api/v1/campaigns/{campaign_id}/offers",
        json={"listing_id": listing_id, "quantity": 12},
        headers=refurbisher,
    )
    assert offer.status_code == 201, offer.get_data(as_text=True)
    offer_id = offer.get_json()["id"]
    decided = api.post(
        f"/api/v1/offers/{offer_id}/decision", json={"accept": True}, headers=coordinator
    )
    assert decided.get_json()["accepted"] is True

    for headers, quantity in ((buyer_a, 7), (buyer_b, 4)):
        order = api.put(
            f"/api/v1/campaigns/{campaign_id}/order",
            json={"lines": [{"offer_id": offer_id, "quantity": quantity}]},
            headers=headers,
        )
        assert order.status_code == 200, order.get_data(as_text=True)
    detail = api.get(f"/api/v1/campaigns/{campaign_id}", headers=buyer_a).get_json()
    assert (detail["offers"][0]["ordered"], detail["offers"][0]["pooled_unit_price_ht"]) == (
        11,
        "270.00",
    )
    assert api.post(transitions, json={"to": "closed"}, headers=coordinator).status_code == 200

    consolidation = f"/api/v1/campaigns/{campaign_id}/consolidation"
    preview = api.post(consolidation, json={"confirm": False}, headers=coordinator).get_json()
    assert (preview["allocated"], preview["total_ht"]) == (11, "2970.00")
    confirmed = api.post(consolidation, json={"confirm": True}, headers=coordinator).get_json()
    [po] = confirmed["purchase_orders"]
    assert po["total_ht"] == "2970.00"

    received_total = Decimal("0")
    for headers in (buyer_a, buyer_b):
        [mine] = api.get("/api/v1/purchase-orders", headers=headers).get_json()["items"]
        [delivery] = mine["deliveries"]
        shipped = api.post(
            f"/api/v1/deliveries/{delivery['id']}/shipment", json={}, headers=refurbisher
        )
        assert shipped.get_json()["state"] == "shipped", shipped.get_data(as_text=True)
        receipt = api.post(
            f"/api/v1/deliveries/{delivery['id']}/receipt",
            json={
                # The shipment is dated the Paris day: so must the receipt be (near
                # midnight UTC, the UTC date is the day before).
                "received_on": paris_date_of(now).isoformat(),
                "lines": [
                    {"line_id": li["id"], "quantity": li["quantity"]} for li in delivery["lines"]
                ],
            },
            headers=headers,
        )
        assert receipt.status_code == 200, receipt.get_data(as_text=True)
        assert receipt.get_json()["state"] == "received"
        received_total += Decimal(receipt.get_json()["total_ht"])
    assert received_total == Decimal("2970.00")
    assert db.session.get(Campaign, campaign_id).state == CampaignState.DONE

    year = db.session.scalar(select(func.max(SpendEntry.year)))
    mine = api.get(f"/api/v1/indicators?year={year}", headers=buyer_a).get_json()
    assert (mine["it_spend"], mine["reuse_spend"], mine["reuse_share"]) == (
        "1890.00",  # 7 × 270.00
        "1890.00",
        "1.0000",
    )
    hub = api.get(f"/api/v1/indicators?year={year}", headers=coordinator).get_json()
    assert (hub["reuse_spend"], hub["reuse_quantity"]) == ("2970.00", 11)
    expenses = api.get(f"/api/v1/expenses?year={year}", headers=buyer_a).get_json()["items"]
    assert [(e["origin"], e["quantity"], e["amount_ht"]) for e in expenses] == [
        ("hub", 7, "1890.00")
    ]
    assert db.session.scalar(select(func.count(Order.id))) == 2
