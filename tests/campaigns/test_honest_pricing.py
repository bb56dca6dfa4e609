"""Honest pooled pricing: tiers within the committed units, next tier only when reachable,
order totals HT, VAT and TTC computed line by line (the same figures as the order script)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import queries
from nrhub.campaigns.models import CampaignOffer, CampaignState
from nrhub.campaigns.pricing import Tier, pooled_figures
from nrhub.errors import ValidationError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.campaigns.conftest import add_listing_tiers
from tests.conftest import login

D = Decimal
TIERS = (Tier(5, D("280.00")), Tier(10, D("260.00")), Tier(50, D("240.00")))


def test_price_counts_ordered_units_only_up_to_the_committed_ones():
    figures = pooled_figures(D("300.00"), TIERS, committed=8, ordered=12)
    assert figures.quantity == 8
    assert figures.unit_price == D("280.00")
    assert figures.units_to_next_tier is None  # 10 and 50 need more than the 8 committed
    assert figures.max_reachable_price == D("280.00")
    assert figures.tiers == (Tier(5, D("280.00")),)


def test_next_tier_shown_when_the_committed_units_reach_it():
    figures = pooled_figures(D("300.00"), TIERS, committed=12, ordered=3)
    assert (figures.unit_price, figures.units_to_next_tier, figures.next_tier_price) == (
        D("300.00"),
        2,
        D("280.00"),
    )
    assert figures.max_reachable_price == D("260.00")


def test_all_committed_units_ordered_means_no_next_tier():
    figures = pooled_figures(D("300.00"), TIERS, committed=10, ordered=10)
    assert (figures.unit_price, figures.units_to_next_tier) == (D("260.00"), None)


def test_a_tier_above_the_committed_units_is_refused(people, make_campaign, listing):  # type: ignore[no-untyped-def]
    campaign = make_campaign(CampaignState.OPEN)
    with (
        pytest.raises(ValidationError, match="« dès 20 » dépasse les 15 unités engagées"),
        unit_of_work(),
    ):
        offer_services.commit_offer(
            campaign, listing.id, 15, tiers=(Tier(20, D("250.00")),), by=people.refurbisher
        )
    assert db.session.execute(db.select(CampaignOffer)).first() is None


def test_lowering_the_commitment_below_an_own_tier_is_refused(
    people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign(CampaignState.OPEN)
    offer = make_offer(campaign, listing, 12, tiers=(Tier(10, D("270.00")),))
    with pytest.raises(ValidationError, match="engagez au moins 10 unités"), unit_of_work():
        offer_services.change_offer_quantity(offer, 9, by=people.refurbisher)
    with unit_of_work():
        offer_services.change_offer_quantity(offer, 10, by=people.refurbisher)
    db.session.expire_all()
    assert db.session.get(CampaignOffer, offer.id).committed_quantity == 10


def test_buyer_page_says_the_best_reachable_tier_and_totals(
    client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    add_listing_tiers(listing, (5, "280.00"), (50, "240.00"))
    campaign = make_campaign(CampaignState.OPEN)
    offer = make_offer(campaign, listing, 8)
    login(client, people.buyer.email)
    response = client.post(f"/campagnes/{campaign.id}/commande", data={f"qty_{offer.id}": "6"})
    assert response.status_code == 302
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "palier maximal atteignable : 280,00\xa0€ (8 unités engagées)" in html
    assert "encore 44" not in html
    # 6 × 280,00 = 1 680,00 HT; VAT 20 % = 336,00; TTC 2 016,00.
    assert 'data-total="ht">1\xa0680,00\xa0€' in html
    assert 'data-total="vat">336,00\xa0€' in html
    assert 'data-total="ttc">2\xa0016,00\xa0€' in html
    assert f'data-offer="{offer.id}" data-base="300.00" data-committed="8" data-others="0"' in html
    assert 'data-tiers="5:280.00"' in html  # the unreachable tier is not sent to the script
    assert "/static/js/order-totals.js" in html


def test_order_estimate_rounds_each_line_then_adds_them(people, make_campaign, make_offer):  # type: ignore[no-untyped-def]
    phone = factories.ListingFactory(
        refurbisher=people.refurbisher.organisation,
        category=factories.category("smartphone"),
        quantity=30,
        unit_price=D("13.33"),
        vat_rate=D("5.5"),
    )
    laptop = factories.ListingFactory(
        refurbisher=people.refurbisher.organisation, quantity=30, unit_price=D("279.99")
    )
    db.session.commit()
    campaign = make_campaign(CampaignState.OPEN)
    phone_offer = make_offer(campaign, phone, 10)
    laptop_offer = make_offer(campaign, laptop, 10)
    offers = queries.offer_figures(campaign.id)
    estimate = queries.estimate_order(offers, {phone_offer.id: 7, laptop_offer.id: 3})
    # 7 × 13,33 = 93,31 HT, VAT 5,5 % = 5,13; 3 × 279,99 = 839,97 HT, VAT 20 % = 167,99.
    assert (estimate.lines[phone_offer.id].ht, estimate.lines[phone_offer.id].vat) == (
        D("93.31"),
        D("5.13"),
    )
    assert (estimate.lines[laptop_offer.id].ht, estimate.lines[laptop_offer.id].vat) == (
        D("839.97"),
        D("167.99"),
    )
    assert (estimate.total.ht, estimate.total.vat, estimate.total.ttc) == (
        D("933.28"),
        D("173.12"),
        D("1106.40"),
    )


def test_order_detail_shows_totals_ht_vat_ttc(client, people, make_campaign, listing, make_offer):  # type: ignore[no-untyped-def]
    campaign = make_campaign(CampaignState.OPEN)
    offer = make_offer(campaign, listing, 10)
    login(client, people.buyer.email)
    client.post(f"/campagnes/{campaign.id}/commande", data={f"qty_{offer.id}": "3"})
    order_id = queries.buyer_order(campaign.id, people.buyer.organisation_id).id
    html = client.get(f"/campagnes/{campaign.id}/commandes/{order_id}").get_data(as_text=True)
    assert "Total HT" in html and "900,00\xa0€" in html
    assert "TVA" in html and "180,00\xa0€" in html
    assert "Total TTC" in html and "1\xa0080,00\xa0€" in html
