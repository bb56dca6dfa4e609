"""The campaign page keeps its offers in the cache (``caching.Area.CAMPAIGNS``), never
their orders: an order shows at once, an offer's change as soon as it is committed."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select, update

from nrhub import caching
from nrhub.agreements.models import MembershipAgreement
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import queries
from nrhub.campaigns import services as campaign_services
from nrhub.campaigns.models import Campaign, CampaignOffer, CampaignState
from nrhub.campaigns.services import CampaignData
from nrhub.catalog.maintenance import active_by_listing
from nrhub.catalog.models import Category, MaintenanceKind
from nrhub.extensions import cache, db
from nrhub.repairs import maintenance
from nrhub.repairs.maintenance import MaintenanceData
from nrhub.transactions import unit_of_work
from tests.campaigns.conftest import category_ids
from tests.conftest import login
from tests.queries import tables_read


@pytest.fixture
def cached_app(app: Flask) -> Flask:
    app.config.update(CACHE_TYPE="SimpleCache", CAMPAIGN_CACHE_SECONDS=30)
    cache.init_app(app)
    return app


def _ordered_and_committed(client, campaign_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    html = client.get(f"/campagnes/{campaign_id}").get_data(as_text=True)
    ordered = re.search(r'data-cell="ordered"[^>]*>([^<]*)<', html)
    committed = re.search(r'data-committed="(\d+)"', html)
    assert ordered and committed, html
    return ordered.group(1), committed.group(1)


def test_orders_show_at_once(cached_app, client, people, make_campaign, listing, make_offer):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 10)
    login(client, people.buyer.email)
    assert _ordered_and_committed(client, campaign.id) == ("0", "10")
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 4}, by=people.other_buyer)
    # An order moves no generation of the area (its tables are not the offers')...
    assert caching.areas_of({"purchase_request", "purchase_request_line"}) == set()
    # ... and yet shows at once: the quantities ordered are never kept.
    assert _ordered_and_committed(client, campaign.id) == ("4", "10")


def test_a_copy_is_not_served_after_a_committed_offer_change(
    cached_app, client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 10)
    login(client, people.buyer.email)
    assert _ordered_and_committed(client, campaign.id) == ("0", "10")
    # Behind the application's back (its own connection: no generation moves), the kept
    # copy is what the page shows...
    with db.engine.begin() as connection:
        connection.execute(
            update(CampaignOffer).where(CampaignOffer.id == offer.id).values(committed_quantity=11)
        )
    assert _ordered_and_committed(client, campaign.id) == ("0", "10")
    # ... and a write through the application empties it.
    with unit_of_work():
        db.session.get(CampaignOffer, offer.id).committed_quantity = 12  # type: ignore[union-attr]
    assert _ordered_and_committed(client, campaign.id) == ("0", "12")


def test_the_campaigns_area_lists_every_table_the_kept_offers_read(
    app, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    make_offer(campaign, listing, 10)
    campaign_id = campaign.id  # read before: an expired campaign reloads itself
    with tables_read() as tables:
        assert queries.offer_rows(campaign_id, statuses=None)
    assert "campaign_offer" in tables
    assert tables <= caching.AREA_TABLES[caching.Area.CAMPAIGNS]


def test_kept_rows_are_only_those_every_buyer_sees_alike(
    cached_app, client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 10)
    login(client, people.buyer.email)
    field = f'name="qty_{offer.id}" type="number" value="0"'
    assert field in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 3}, by=people.buyer)
    mine = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert f'name="qty_{offer.id}" type="number" value="3"' in mine
    assert 'data-others="0"' in mine
    other = cached_app.test_client()
    login(other, people.other_buyer.email)
    theirs = other.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert field in theirs and 'data-others="3"' in theirs


def test_the_membership_notice_follows_a_committed_agreement_change(
    cached_app, client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    make_offer(campaign, listing, 10)
    login(client, people.buyer.email)
    notice = "n'a pas de convention d'adhésion en vigueur"
    assert notice not in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    agreements = db.session.execute(
        select(MembershipAgreement).where(
            MembershipAgreement.buyer_id == people.buyer.organisation_id
        )
    ).scalars()
    with unit_of_work():
        for agreement in agreements:
            # Signed long ago, ended the day after: not in force today.
            agreement.signed_on = agreement.signed_on - dt.timedelta(days=400)
            agreement.ends_on = agreement.signed_on + dt.timedelta(days=1)
    assert notice in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)


def test_a_maintenance_offer_shows_as_soon_as_it_is_committed(
    cached_app, client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    make_offer(campaign, listing, 10)
    login(client, people.buyer.email)
    assert "Sans maintenance" not in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    data = MaintenanceData(MaintenanceKind.EXTENDED_WARRANTY, 24, Decimal("35.00"), "Pièces")
    with unit_of_work():
        maintenance.create_maintenance_offer(listing, data, by=people.refurbisher)
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "Extension de garantie 24 mois" in html and "Sans maintenance" in html


def test_the_kept_maintenance_reads_only_the_campaigns_area(app, listing):  # type: ignore[no-untyped-def]
    listing_id = listing.id  # read before: an expired listing reloads itself
    with tables_read() as tables:
        active_by_listing([listing_id])
    assert tables == {"maintenance_offer"}
    assert tables <= caching.AREA_TABLES[caching.Area.CAMPAIGNS]


def test_the_kept_categories_follow_a_committed_campaign_change(
    cached_app, client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign(codes=("laptop", "smartphone"))
    make_offer(campaign, listing, 10)
    label = db.session.execute(select(Category.label_fr).where(Category.code == "tablet"))
    tablet = label.scalar_one()
    login(client, people.buyer.email)
    assert tablet not in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    data = CampaignData(
        title=campaign.title,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        category_ids=category_ids("laptop", "smartphone", "tablet"),
    )
    with unit_of_work():
        campaign_services.update_campaign(campaign, data, by=people.coordinator)
    assert tablet in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)


def test_the_kept_details_read_only_the_campaigns_area(app, make_campaign):  # type: ignore[no-untyped-def]
    campaign_id = make_campaign().id
    with tables_read() as tables:
        details = queries.campaign_details(campaign_id)
    assert len(details.categories) == 2
    assert tables and tables <= caching.AREA_TABLES[caching.Area.CAMPAIGNS]


def test_the_kept_campaign_follows_a_committed_change_and_each_person_s_rights(
    cached_app, client, people, make_campaign, listing, make_offer
):  # type: ignore[no-untyped-def]
    campaign = make_campaign(title="Campagne hiver")
    make_offer(campaign, listing, 10)
    with unit_of_work():
        db.session.get(Campaign, campaign.id).state = CampaignState.DRAFT  # type: ignore[union-attr]
    coordinator = cached_app.test_client()
    login(coordinator, people.coordinator.email)
    assert coordinator.get(f"/campagnes/{campaign.id}").status_code == 200  # kept
    # The kept draft is not shown to a buyer...
    login(client, people.buyer.email)
    assert client.get(f"/campagnes/{campaign.id}").status_code == 404
    with unit_of_work():
        db.session.get(Campaign, campaign.id).state = CampaignState.OPEN  # type: ignore[union-attr]
    # ... and its committed opening shows at once, with no campaign row read again.
    campaign_id = campaign.id
    assert client.get(f"/campagnes/{campaign_id}").status_code == 200
    db.session.expunge_all()  # as a worker's request, which begins with an empty session
    with tables_read() as tables:
        html = client.get(f"/campagnes/{campaign_id}").get_data(as_text=True)
    assert "Campagne hiver" in html
    assert "campaign" not in tables
    # Behind the application's back (no generation moves), the kept copy is what shows.
    with db.engine.begin() as connection:
        connection.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(title="Campagne été")
        )
    assert "Campagne hiver" in client.get(f"/campagnes/{campaign_id}").get_data(as_text=True)
