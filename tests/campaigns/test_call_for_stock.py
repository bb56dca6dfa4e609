"""The call for stock: a published phase before ordering, seen by refurbishers only, with
its own deadline; opening ordering then tells the member buyers. Confirmation pages."""

from __future__ import annotations

import datetime as dt

import pytest

from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import services
from nrhub.campaigns.models import Campaign, CampaignOffer, CampaignState, Order, OrderStatus
from nrhub.db import utcnow
from nrhub.errors import ConflictError, ValidationError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests.api.conftest import bearer
from tests.campaigns.conftest import outbox
from tests.conftest import login

DUE = "2099-01-10T18:00"  # Paris time in winter: 17:00 UTC


def _draft(make_campaign, **kwargs):  # type: ignore[no-untyped-def]
    now = utcnow()
    return make_campaign(
        CampaignState.DRAFT,
        opens_at=now + dt.timedelta(days=5),
        closes_at=dt.datetime(2099, 2, 1, tzinfo=dt.UTC),
        **kwargs,
    )


def test_publishing_the_call_mails_the_refurbishers_of_its_categories_only(
    app, client, people, make_campaign, listing
):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign)
    outbox(app).clear()
    login(client, people.coordinator.email)
    page = client.get(f"/campagnes/{campaign.id}/appel-de-stock")
    assert page.status_code == 200
    response = client.post(f"/campagnes/{campaign.id}/appel-de-stock", data={"offers_due_at": DUE})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Campaign, campaign.id)
    assert stored.state == CampaignState.CALL_FOR_STOCK
    assert stored.offers_due_at == dt.datetime(2099, 1, 10, 17, 0, tzinfo=dt.UTC)
    (message,) = outbox(app)
    # Atelier Alpha sells laptops; Atelier Beta has no listing in the campaign's categories.
    assert message.to == [people.refurbisher.email]
    assert "Appel de stock" in message.subject
    assert "10/01/2099 18:00" in message.body
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "Campagne en appel de stock" in html
    assert "jusqu'au 10/01/2099 18:00" in html


def test_the_call_is_seen_by_refurbishers_and_not_by_buyers(client, people, make_campaign, listing):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign, title="Appel printemps")
    with unit_of_work():
        services.publish_call(
            campaign, dt.datetime(2099, 1, 10, tzinfo=dt.UTC), by=people.coordinator
        )
    login(client, people.refurbisher.email)
    assert client.get(f"/campagnes/{campaign.id}").status_code == 200
    assert "Appel printemps" in client.get("/campagnes/").get_data(as_text=True)
    response = client.post(
        f"/campagnes/{campaign.id}/offres",
        data={"listing_id": str(listing.id), "committed_quantity": "6"},
    )
    assert response.status_code == 302
    offer = db.session.execute(db.select(CampaignOffer)).scalar_one()
    assert offer.committed_quantity == 6
    client.post("/deconnexion")
    client.get("/")
    login(client, people.buyer.email)
    assert client.get(f"/campagnes/{campaign.id}").status_code == 404
    assert "Appel printemps" not in client.get("/campagnes/").get_data(as_text=True)


def test_opening_after_the_call_mails_active_member_buyers(
    app, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign)
    with unit_of_work():
        services.publish_call(
            campaign, dt.datetime(2099, 1, 10, tzinfo=dt.UTC), by=people.coordinator
        )
    make_offer(campaign, listing, 8)  # committed and accepted during the call
    outbox(app).clear()
    with unit_of_work():
        services.open_campaign(campaign, by=people.coordinator)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.OPEN
    (message,) = outbox(app)
    assert sorted(message.to) == sorted([people.buyer.email, people.other_buyer.email])
    assert "Commandes ouvertes" in message.subject


def test_stock_changes_stop_at_the_call_deadline(people, make_campaign, listing, make_offer):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign)
    due = utcnow() + dt.timedelta(hours=1)
    with unit_of_work():
        services.publish_call(campaign, due, by=people.coordinator)
    offer = make_offer(campaign, listing, 5, accept=False)
    later = due + dt.timedelta(minutes=1)
    with (
        pytest.raises(ConflictError, match="date limite de l'appel de stock est passée"),
        unit_of_work(),
    ):
        offer_services.change_offer_quantity(offer, 7, by=people.refurbisher, now=later)
    with pytest.raises(ConflictError, match="date limite"), unit_of_work():
        offer_services.withdraw_offer(offer, by=people.refurbisher, now=later)
    db.session.expire_all()
    assert db.session.get(CampaignOffer, offer.id).committed_quantity == 5


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (dt.timedelta(minutes=-5), "dans le futur"),
        (dt.timedelta(days=400 * 365), "ne peut pas suivre la clôture"),
    ],
)
def test_call_deadline_must_be_future_and_not_after_closing(people, make_campaign, due, message):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign)
    with pytest.raises(ValidationError, match=message), unit_of_work():
        services.publish_call(campaign, utcnow() + due, by=people.coordinator)
    db.session.expire_all()
    stored = db.session.get(Campaign, campaign.id)
    assert (stored.state, stored.offers_due_at) == (CampaignState.DRAFT, None)


def test_call_published_once_only(people, make_campaign):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign)
    due = dt.datetime(2099, 1, 10, tzinfo=dt.UTC)
    with unit_of_work():
        services.publish_call(campaign, due, by=people.coordinator)
    with (
        pytest.raises(ConflictError, match="appel de stock d'une campagne en appel de stock"),
        unit_of_work(),
    ):
        services.publish_call(campaign, due, by=people.coordinator)


def test_drafts_take_no_offer(people, make_campaign, listing):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign)
    with pytest.raises(ConflictError), unit_of_work():
        offer_services.commit_offer(campaign, listing.id, 3, by=people.refurbisher)


def test_api_follows_the_same_states(client, people, make_campaign, listing):  # type: ignore[no-untyped-def]
    campaign = _draft(make_campaign)
    url = f"/api/v1/campaigns/{campaign.id}/transitions"
    coordinator = bearer(people.coordinator)
    missing = client.post(url, json={"to": "call_for_stock"}, headers=coordinator)
    assert missing.status_code == 422
    response = client.post(
        url,
        json={"to": "call_for_stock", "offers_due_at": "2099-01-10T18:00:00+01:00"},
        headers=coordinator,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["state"], body["offers_due_at"]) == ("call_for_stock", "2099-01-10T17:00:00+00:00")
    offer = client.post(
        f"/api/v1/campaigns/{campaign.id}/offers",
        json={"listing_id": listing.id, "quantity": 4},
        headers=bearer(people.refurbisher),
    )
    assert offer.status_code == 201, offer.get_data(as_text=True)
    buyer = bearer(people.buyer)
    assert client.get(f"/api/v1/campaigns/{campaign.id}", headers=buyer).status_code == 404
    opened = client.post(url, json={"to": "open"}, headers=coordinator)
    assert opened.get_json()["state"] == "open"
    assert client.get(f"/api/v1/campaigns/{campaign.id}", headers=buyer).status_code == 200


def test_closing_asks_for_confirmation_first(client, people, make_campaign):  # type: ignore[no-untyped-def]
    campaign = make_campaign(CampaignState.OPEN)
    login(client, people.coordinator.email)
    detail = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert f'href="/campagnes/{campaign.id}/cloturer"' in detail
    page = client.get(f"/campagnes/{campaign.id}/cloturer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Clôturer les commandes de « Campagne de test » ?" in html
    assert "Revenir sans rien changer" in html
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.OPEN
    assert client.post(f"/campagnes/{campaign.id}/cloturer").status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.CLOSED


def test_cancelling_an_order_asks_for_confirmation_first(
    client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign(CampaignState.OPEN)
    offer = make_offer(campaign, listing, 10)
    login(client, people.buyer.email)
    client.post(f"/campagnes/{campaign.id}/commande", data={f"qty_{offer.id}": "2"})
    order = db.session.execute(db.select(Order)).scalar_one()
    url = f"/campagnes/{campaign.id}/commandes/{order.id}/annuler"
    assert f'href="{url}"' in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    page = client.get(url)
    assert page.status_code == 200
    assert "Annuler votre commande" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.ACTIVE
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    # Another buyer neither sees nor confirms it.
    client.post("/deconnexion")
    client.get("/")
    login(client, people.other_buyer.email)
    assert client.get(url).status_code == 404
