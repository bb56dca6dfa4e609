"""Benchmarks of the campaigns area: the campaign page runs a constant number of queries.

- ``campaign_page_buyer_100_offers_ms``: median time of a buyer's campaign page with 100
  offers and 200 orders (target ≤ 40 ms);
- ``campaign_page_queries*``: SQL statements of the page, the same for 5 offers × 10 orders
  and 100 × 200 (``campaign_page_queries_constant`` 1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bench.common import analyze, bench_app, count_queries, get_ok, login, median_ms, report
from nrhub.auth.models import User
from nrhub.auth.passwords import hash_password
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    Order,
    OrderLine,
    campaign_category,
)
from nrhub.catalog.models import Category, Grade, Listing, ListingStatus, PriceTier
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus

PASSWORD = "bench-password"  # noqa: S105


def _org(kind: OrgKind, n: int) -> Organisation:
    org = Organisation(
        kind=kind,
        name=f"{kind} {n}",
        siret=f"{kind.value[:1]}{n:013d}"[:14],
        postcode="35000",
        department_code="35",
        region_code="53",
        contact_email=f"{kind}{n}@bench.fr",
        status=OrgStatus.ACTIVE,
    )
    db.session.add(org)
    return org


def _build(campaign_title: str, offers: int, buyers: int, password_hash: str) -> int:
    """A campaign with ``offers`` accepted offers and ``buyers`` orders on every offer."""
    now = utcnow()
    laptop = db.session.execute(db.select(Category).where(Category.code == "laptop")).scalar_one()
    campaign = Campaign(
        title=campaign_title,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
        state=CampaignState.OPEN,
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.execute(
        campaign_category.insert().values(campaign_id=campaign.id, category_id=laptop.id)
    )
    refurbisher = _org(OrgKind.REFURBISHER, campaign.id)
    db.session.flush()
    offer_ids = []
    for n in range(offers):
        listing = Listing(
            refurbisher_id=refurbisher.id,
            category_id=laptop.id,
            sku=f"B{campaign.id}-{n}",
            brand="Lenovo",
            model=f"ThinkPad {n}",
            grade=Grade.A,
            quantity=100,
            unit_price=Decimal("250.00"),
            status=ListingStatus.PUBLISHED,
        )
        db.session.add(listing)
        db.session.flush()
        db.session.add(
            PriceTier(listing_id=listing.id, min_quantity=10, unit_price=Decimal("230.00"))
        )
        offer = CampaignOffer(
            campaign_id=campaign.id,
            listing_id=listing.id,
            refurbisher_id=refurbisher.id,
            committed_quantity=50,
            unit_price=Decimal("250.00"),
            status=OfferStatus.ACCEPTED,
        )
        db.session.add(offer)
        db.session.flush()
        offer_ids.append(offer.id)
    for b in range(buyers):
        buyer = _org(OrgKind.BUYER, campaign.id * 100_000 + b)
        db.session.flush()
        order = Order(campaign_id=campaign.id, buyer_id=buyer.id)
        db.session.add(order)
        db.session.flush()
        db.session.add_all(
            OrderLine(order_id=order.id, offer_id=oid, quantity=1 + (b % 3)) for oid in offer_ids
        )
        if b == 0:
            db.session.add(
                User(
                    email=f"acheteur{campaign.id}@bench.fr",
                    name="Acheteur",
                    password_hash=password_hash,
                    organisation_id=buyer.id,
                )
            )
    db.session.commit()
    return campaign.id


def run() -> None:
    with bench_app() as app:
        password_hash = hash_password(PASSWORD)
        hub = _org(OrgKind.HUB, 1)
        db.session.flush()
        db.session.add(
            User(
                email="coord@bench.fr",
                name="Coordination",
                password_hash=password_hash,
                organisation_id=hub.id,
            )
        )
        db.session.commit()
        sizes = {"small": (5, 10), "large": (100, 200)}
        campaign_ids = {
            label: _build(f"Campagne {label}", offers, buyers, password_hash)
            for label, (offers, buyers) in sizes.items()
        }
        analyze()
        figures: dict[tuple[str, str], int] = {}
        for label, campaign_id in campaign_ids.items():
            for role, email in (
                ("buyer", f"acheteur{campaign_id}@bench.fr"),
                ("coordinator", "coord@bench.fr"),
            ):
                client = app.test_client()
                login(client, email, PASSWORD)
                db.session.remove()
                url = f"/campagnes/{campaign_id}"
                with count_queries() as statements:
                    get_ok(client, url)
                figures[(label, role)] = len(statements)
                if label == "large" and role == "buyer":
                    ms = median_ms(lambda c=client, u=url: get_ok(c, u), repeat=10)
                    report("campaign_page_buyer_100_offers_ms", ms, "ms")
        for role in ("buyer", "coordinator"):
            print(
                f"# campaign page queries ({role}): {figures[('small', role)]} with 5 offers × "
                f"10 orders, {figures[('large', role)]} with 100 offers × 200 orders",
                flush=True,
            )
        report("campaign_page_queries", figures[("large", "buyer")], "queries")
        report("campaign_page_queries_small", figures[("small", "buyer")], "queries")
        report("campaign_page_queries_coordinator", figures[("large", "coordinator")], "queries")
        constant = all(
            figures[("small", r)] == figures[("large", r)] for r in ("buyer", "coordinator")
        )
        report("campaign_page_queries_constant", 1.0 if constant else 0.0, "bool")
