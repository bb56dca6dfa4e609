"""Fixtures of the campaigns tests: people of each role, campaigns, listings, offers.

Services are called as production calls them, inside ``with unit_of_work():`` (commit on
success, rollback on a refusal); the fixtures' data are committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from nrhub.auth.models import User
from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import services
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
    Order,
    OrderLine,
    OrderStatus,
)
from nrhub.campaigns.pricing import Tier
from nrhub.catalog.models import Category, Listing
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.organisations.models import OrgStatus
from nrhub.transactions import unit_of_work
from tests import factories


@dataclass
class People:
    coordinator: User
    refurbisher: User
    other_refurbisher: User
    buyer: User
    other_buyer: User
    pending: User


@pytest.fixture
def people(app) -> People:  # type: ignore[no-untyped-def]
    result = People(
        coordinator=factories.CoordinatorFactory(email="coord@example.fr"),
        refurbisher=factories.RefurbisherPersonFactory(
            email="recond@example.fr", organisation__name="Atelier Alpha"
        ),
        other_refurbisher=factories.RefurbisherPersonFactory(
            email="recond2@example.fr", organisation__name="Atelier Beta"
        ),
        buyer=factories.BuyerPersonFactory(
            email="vitre@example.fr", organisation__name="Commune de Vitré"
        ),
        other_buyer=factories.BuyerPersonFactory(
            email="lannion@example.fr", organisation__name="Commune de Lannion"
        ),
        pending=factories.BuyerPersonFactory(
            email="attente@example.fr",
            organisation__name="Commune en attente",
            organisation__status=OrgStatus.PENDING,
        ),
    )
    db.session.commit()
    return result


def category_ids(*codes: str) -> list[int]:
    return list(
        db.session.execute(db.select(Category.id).where(Category.code.in_(codes))).scalars()
    )


MakeCampaign = Callable[..., Campaign]


@pytest.fixture
def make_campaign(people: People) -> MakeCampaign:
    def make(
        state: CampaignState = CampaignState.OPEN,
        opens_at: dt.datetime | None = None,
        closes_at: dt.datetime | None = None,
        codes: tuple[str, ...] = ("laptop", "smartphone"),
        title: str = "Campagne de test",
    ) -> Campaign:
        now = utcnow()
        with unit_of_work():
            campaign = services.create_campaign(
                services.CampaignData(
                    title=title,
                    opens_at=opens_at or now - dt.timedelta(days=1),
                    closes_at=closes_at or now + dt.timedelta(days=10),
                    category_ids=category_ids(*codes),
                ),
                by=people.coordinator,
            )
            campaign.state = state
        return campaign

    return make


@pytest.fixture
def listing(people: People) -> Listing:
    item = factories.ListingFactory(
        refurbisher=people.refurbisher.organisation,
        quantity=20,
        unit_price=Decimal("300.00"),
        brand="Lenovo",
        model="ThinkPad T14 Gen 1",
    )
    db.session.commit()
    return item


MakeOffer = Callable[..., CampaignOffer]


@pytest.fixture
def make_offer(people: People) -> MakeOffer:
    def make(
        campaign: Campaign,
        listing: Listing,
        quantity: int = 10,
        accept: bool = True,
        tiers: tuple[Tier, ...] = (),
    ) -> CampaignOffer:
        owner = (
            db.session.execute(
                db.select(User).where(User.organisation_id == listing.refurbisher_id)
            )
            .scalars()
            .first()
        )
        assert owner is not None
        with unit_of_work():
            offer = offer_services.commit_offer(
                campaign, listing.id, quantity, tiers=tiers, by=owner
            )
            if accept:
                offer_services.decide_offer(offer, True, by=people.coordinator)
        return offer

    return make


def add_listing_tiers(listing: Listing, *tiers: tuple[int, str]) -> None:
    for min_quantity, price in tiers:
        factories.PriceTierFactory(
            listing=listing, min_quantity=min_quantity, unit_price=Decimal(price)
        )
    db.session.commit()


def free_stock(listing_id: int) -> int:
    return db.session.execute(
        db.select(Listing.quantity).where(Listing.id == listing_id)
    ).scalar_one()


def ordered_per_offer(campaign_id: int) -> dict[int, int]:
    """The units ordered per offer of a campaign, summed from the active orders' lines: the
    definition that the demand the database keeps (offer_demand) must equal."""
    rows = db.session.execute(
        db.select(OrderLine.offer_id, db.func.sum(OrderLine.quantity))
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.campaign_id == campaign_id, Order.status == OrderStatus.ACTIVE)
        .group_by(OrderLine.offer_id)
    )
    return {offer_id: int(units) for offer_id, units in rows if units}


def outbox(app) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Messages sent through the locmem mail backend during the test."""
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox
