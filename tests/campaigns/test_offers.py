"""Campaign offers: committed units leave free stock and come back on every way out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns.models import CampaignOffer, CampaignState, OfferStatus
from nrhub.campaigns.pricing import Tier
from nrhub.catalog.models import ListingStatus
from nrhub.errors import (
    ConflictError,
    InsufficientStockError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.campaigns.conftest import free_stock, outbox
from tests.conftest import login


def test_commit_takes_units_from_free_stock(people, make_campaign, listing):
    campaign = make_campaign()
    with unit_of_work():
        offer = offer_services.commit_offer(campaign, listing.id, 7, by=people.refurbisher)
    assert offer.status == OfferStatus.PENDING
    assert offer.committed_quantity == 7
    assert offer.unit_price == Decimal("300.00")
    assert free_stock(listing.id) == 13


def test_commit_cannot_exceed_free_stock(people, make_campaign, listing):
    campaign = make_campaign()
    with (
        pytest.raises(InsufficientStockError, match="Stock libre insuffisant : 20 unités"),
        unit_of_work(),
    ):
        offer_services.commit_offer(campaign, listing.id, 21, by=people.refurbisher)
    assert free_stock(listing.id) == 20
    assert db.session.execute(db.select(CampaignOffer)).first() is None


def test_change_quantity_moves_the_difference(people, make_campaign, listing, make_offer):
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 10)
    with unit_of_work():
        offer_services.change_offer_quantity(offer, 15, by=people.refurbisher)
    assert free_stock(listing.id) == 5
    with unit_of_work():
        offer_services.change_offer_quantity(offer, 4, by=people.refurbisher)
    assert free_stock(listing.id) == 16
    with pytest.raises(InsufficientStockError), unit_of_work():
        offer_services.change_offer_quantity(offer, 21, by=people.refurbisher)
    db.session.expire_all()
    assert db.session.get(CampaignOffer, offer.id).committed_quantity == 4
    assert free_stock(listing.id) == 16


def test_refusal_gives_units_back_and_mails_the_refurbisher(app, people, make_campaign, listing):
    campaign = make_campaign()
    with unit_of_work():
        offer = offer_services.commit_offer(campaign, listing.id, 6, by=people.refurbisher)
    outbox(app).clear()
    with unit_of_work():
        offer_services.decide_offer(offer, False, by=people.coordinator)
    assert offer.status == OfferStatus.REFUSED
    assert free_stock(listing.id) == 20
    (message,) = outbox(app)
    assert message.to == [people.refurbisher.email]
    assert "n'a pas retenu votre offre « Lenovo ThinkPad T14 Gen 1 »" in message.body


def test_withdraw_gives_units_back_and_the_listing_can_be_committed_again(
    people, make_campaign, listing, make_offer
):
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 9)
    with unit_of_work():
        offer_services.withdraw_offer(offer, by=people.refurbisher)
    assert free_stock(listing.id) == 20
    with unit_of_work():
        again = offer_services.commit_offer(campaign, listing.id, 3, by=people.refurbisher)
    assert again.id == offer.id and again.status == OfferStatus.PENDING
    assert free_stock(listing.id) == 17


def test_withdraw_refused_once_an_order_uses_the_offer(people, make_campaign, listing, make_offer):
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 9)
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 2}, by=people.buyer)
    with pytest.raises(ConflictError, match="ne peut plus être retirée"), unit_of_work():
        offer_services.withdraw_offer(offer, by=people.refurbisher)
    with pytest.raises(ConflictError, match="ne peut plus être refusée"), unit_of_work():
        offer_services.decide_offer(offer, False, by=people.coordinator)
    assert free_stock(listing.id) == 11


def test_committing_twice_the_same_listing_is_refused(people, make_campaign, listing, make_offer):
    campaign = make_campaign()
    make_offer(campaign, listing, 2)
    with pytest.raises(ConflictError, match="déjà engagée"), unit_of_work():
        offer_services.commit_offer(campaign, listing.id, 2, by=people.refurbisher)
    assert free_stock(listing.id) == 18


def test_commit_rules(people, make_campaign, listing):
    campaign = make_campaign(codes=("smartphone",))
    with pytest.raises(ValidationError, match="pas éligible"), unit_of_work():
        offer_services.commit_offer(campaign, listing.id, 1, by=people.refurbisher)
    open_laptops = make_campaign(title="Portables")
    with pytest.raises(NotFoundError), unit_of_work():
        offer_services.commit_offer(open_laptops, listing.id, 1, by=people.other_refurbisher)
    with pytest.raises(PermissionDeniedError), unit_of_work():
        offer_services.commit_offer(open_laptops, listing.id, 1, by=people.buyer)
    with pytest.raises(ValidationError), unit_of_work():
        offer_services.commit_offer(open_laptops, listing.id, 0, by=people.refurbisher)
    closed = make_campaign(CampaignState.CLOSED, title="Close")
    with pytest.raises(ConflictError, match="n'accepte plus"), unit_of_work():
        offer_services.commit_offer(closed, listing.id, 1, by=people.refurbisher)
    listing.status = ListingStatus.DRAFT
    db.session.commit()
    with pytest.raises(ConflictError, match="publiée"), unit_of_work():
        offer_services.commit_offer(open_laptops, listing.id, 1, by=people.refurbisher)
    assert free_stock(listing.id) == 20


@pytest.mark.parametrize(
    "tiers",
    [
        (Tier(1, Decimal("290")),),
        (Tier(10, Decimal("310")),),
        (Tier(10, Decimal("280")), Tier(20, Decimal("285"))),
        (Tier(10, Decimal("280")), Tier(10, Decimal("270"))),
    ],
)
def test_campaign_tiers_must_lower_the_price(people, make_campaign, listing, tiers):
    campaign = make_campaign()
    with pytest.raises(ValidationError), unit_of_work():
        offer_services.commit_offer(campaign, listing.id, 5, tiers=tiers, by=people.refurbisher)
    assert free_stock(listing.id) == 20


def test_refurbisher_commits_through_the_page_with_tiers(client, people, make_campaign, listing):
    campaign = make_campaign()
    login(client, people.refurbisher.email)
    page = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "Lenovo ThinkPad T14 Gen 1" in page
    response = client.post(
        f"/campagnes/{campaign.id}/offres",
        data={
            "listing_id": str(listing.id),
            "committed_quantity": "12",
            "tiers-0-min_quantity": "10",
            "tiers-0-unit_price": "279,90",
        },
    )
    assert response.status_code == 302
    offer = db.session.execute(db.select(CampaignOffer)).scalar_one()
    assert offer.committed_quantity == 12
    tiers = (
        db.session.execute(db.select(CampaignOffer).options(db.selectinload(CampaignOffer.tiers)))
        .scalar_one()
        .tiers
    )
    assert [(t.min_quantity, t.unit_price) for t in tiers] == [(10, Decimal("279.90"))]
    assert free_stock(listing.id) == 8


def test_commit_form_errors_are_422_next_to_fields(client, people, make_campaign, listing):
    campaign = make_campaign()
    login(client, people.refurbisher.email)
    response = client.post(
        f"/campagnes/{campaign.id}/offres",
        data={"listing_id": str(listing.id), "committed_quantity": "0"},
    )
    assert response.status_code == 422
    assert 'id="committed_quantity-erreur"' in response.get_data(as_text=True)
    response = client.post(
        f"/campagnes/{campaign.id}/offres",
        data={"listing_id": str(listing.id), "committed_quantity": "50"},
        follow_redirects=True,
    )
    assert "Stock libre insuffisant" in response.get_data(as_text=True)
    assert free_stock(listing.id) == 20


def test_refurbisher_cannot_touch_another_refurbishers_offer(
    client, people, make_campaign, listing, make_offer
):
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 5)
    login(client, people.other_refurbisher.email)
    base = f"/campagnes/{campaign.id}/offres/{offer.id}"
    assert client.post(f"{base}/quantite", data={"committed_quantity": "1"}).status_code == 404
    assert client.post(f"{base}/retirer").status_code == 404
    assert free_stock(listing.id) == 15


def test_coordinator_accepts_through_the_page(client, people, make_campaign, listing):
    campaign = make_campaign()
    with unit_of_work():
        offer = offer_services.commit_offer(campaign, listing.id, 5, by=people.refurbisher)
    login(client, people.coordinator.email)
    assert client.post(f"/campagnes/{campaign.id}/offres/{offer.id}/accepter").status_code == 302
    db.session.expire_all()
    assert db.session.get(CampaignOffer, offer.id).status == OfferStatus.ACCEPTED


def test_other_listing_of_same_campaign_is_independent(people, make_campaign, listing, make_offer):
    campaign = make_campaign()
    second = factories.ListingFactory(refurbisher=people.refurbisher.organisation, quantity=3)
    db.session.commit()
    make_offer(campaign, listing, 20)
    make_offer(campaign, second, 3)
    assert free_stock(listing.id) == 0 and free_stock(second.id) == 0


def test_a_refusal_through_the_page_undoes_what_the_use_case_wrote(
    client, people, make_campaign, listing, make_offer
):
    # The new quantity is written (compare-and-set) before the stock says no: the page
    # answers with a message and a redirect, which commits, so the refusal must undo it.
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 10)
    login(client, people.refurbisher.email)
    response = client.post(
        f"/campagnes/{campaign.id}/offres/{offer.id}/quantite",
        data={"committed_quantity": "31"},
        follow_redirects=True,
    )
    assert "Stock libre insuffisant" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CampaignOffer, offer.id).committed_quantity == 10
    assert free_stock(listing.id) == 10
