"""The campaign rush's data: the catalogue, one open campaign with its orders, 200 buyers
with their API tokens and sessions, and the catalogue addresses the load draws from."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import urllib.parse
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user
from sqlalchemy import insert, select

from bench import catalog
from bench.server import USER_AGENT
from nrhub.agreements.models import MembershipAgreement
from nrhub.api.tokens import issue_token
from nrhub.auth.models import User
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    CampaignState,
    OfferStatus,
    Order,
    OrderLine,
    OrderStatus,
    campaign_category,
)
from nrhub.catalog.models import Category, Listing
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from nrhub.transactions import unit_of_work

BUYERS = 200
OFFERS = 100
LINES_PER_ORDER = 10
CATALOGUE_URLS = 60


@dataclass(frozen=True)
class RushWorld:
    campaign_id: int
    offer_ids: list[int]
    coordinator_id: int
    buyers: list[tuple[int, str]]  # user id, raw API token


def _build() -> RushWorld:
    org_ids = catalog._organisations()
    catalog._listings(org_ids)
    now = utcnow()
    organisations = Organisation.__table__
    base = {
        "postcode": "35000",
        "department_code": "35",
        "region_code": "53",
        "status": OrgStatus.ACTIVE.value,
        "created_at": now,
    }
    hub = {"kind": OrgKind.HUB.value, "name": "Centrale", "contact_email": "centrale@bench.fr"}
    rows = [{**base, **hub, "siret": "80000000000000"}]
    rows += [
        {
            **base,
            "kind": OrgKind.BUYER.value,
            "name": f"Commune {n}",
            "siret": f"{80000000000001 + n}",
            "contact_email": f"mairie{n}@bench.fr",
        }
        for n in range(BUYERS)
    ]
    hub_id, *buyer_org_ids = db.session.execute(
        insert(organisations).returning(organisations.c.id, sort_by_parameter_order=True), rows
    ).scalars()
    people = [(hub_id, "coordination@bench.fr")]
    people += [(org_id, f"acheteur{n}@bench.fr") for n, org_id in enumerate(buyer_org_ids)]
    users = User.__table__
    user_ids = list(
        db.session.execute(
            insert(users).returning(users.c.id, sort_by_parameter_order=True),
            [
                {
                    "email": email,
                    "name": email,
                    "password_hash": "x",  # sessions are signed by the bench: no login
                    "organisation_id": org_id,
                    "session_token": secrets.token_urlsafe(32),
                    "created_at": now,
                }
                for org_id, email in people
            ],
        ).scalars()
    )
    _memberships(buyer_org_ids, now)
    campaign_id, offer_ids = _campaign(now)
    _orders(campaign_id, offer_ids, buyer_org_ids, now)
    db.session.commit()
    buyers = []
    for user_id in user_ids[1:]:
        user = db.session.get(User, user_id)
        assert user is not None
        with unit_of_work():
            _token, raw = issue_token(user, "Ruée", by=user)
        buyers.append((user_id, raw))
    return RushWorld(campaign_id, offer_ids, user_ids[0], buyers)


def _memberships(buyer_org_ids: list[int], now: dt.datetime) -> None:
    """A membership agreement in force for every buyer: without one, a buyer may not order
    (every order change would be refused)."""
    db.session.execute(
        insert(MembershipAgreement.__table__),
        [
            {
                "buyer_id": org_id,
                "text_version": "2026-01",
                "signed_on": now.date() - dt.timedelta(days=30),
                "signatory_name": "Maire",
                "signatory_role": "Maire",
                "deliberation_reference": "",
                "created_at": now,
                "updated_at": now,
            }
            for org_id in buyer_org_ids
        ],
    )


def _campaign(now: dt.datetime) -> tuple[int, list[int]]:
    campaign = Campaign(
        title="Campagne de la ruée",
        opens_at=now - dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=1),
        state=CampaignState.OPEN,
    )
    db.session.add(campaign)
    db.session.flush()
    categories = list(db.session.execute(select(Category.id)).scalars())
    db.session.execute(
        campaign_category.insert(),
        [{"campaign_id": campaign.id, "category_id": c} for c in categories],
    )
    listings = db.session.execute(
        select(Listing.id, Listing.refurbisher_id, Listing.unit_price)
        .order_by(Listing.id)
        .limit(OFFERS)
    ).all()
    offers = CampaignOffer.__table__
    offer_ids = list(
        db.session.execute(
            insert(offers).returning(offers.c.id, sort_by_parameter_order=True),
            [
                {
                    "campaign_id": campaign.id,
                    "listing_id": listing_id,
                    "refurbisher_id": refurbisher_id,
                    # Half the offers little stock: demand goes beyond it during the rush.
                    "committed_quantity": 40 if n % 2 else 400,
                    "unit_price": price,
                    "status": OfferStatus.ACCEPTED.value,
                    "created_at": now,
                }
                for n, (listing_id, refurbisher_id, price) in enumerate(listings)
            ],
        ).scalars()
    )
    db.session.execute(
        insert(CampaignOfferTier.__table__),
        [
            {"offer_id": offer_id, "min_quantity": minimum, "unit_price": price}
            for offer_id in offer_ids[::3]
            for minimum, price in ((20, Decimal("90.00")), (100, Decimal("80.00")))
        ],
    )
    return campaign.id, offer_ids


def _orders(
    campaign_id: int,
    offer_ids: list[int],
    buyer_org_ids: list[int],
    now: dt.datetime,
    lines: int = LINES_PER_ORDER,
) -> None:
    rng = random.Random(16)
    orders = Order.__table__
    order_ids = db.session.execute(
        insert(orders).returning(orders.c.id, sort_by_parameter_order=True),
        [
            {
                "campaign_id": campaign_id,
                "buyer_id": org_id,
                "status": OrderStatus.ACTIVE.value,
                "created_at": now,
                "updated_at": now,
            }
            for org_id in buyer_org_ids
        ],
    ).scalars()
    db.session.execute(
        insert(OrderLine.__table__),
        [
            {"order_id": order_id, "offer_id": offer_id, "quantity": rng.randint(1, 5)}
            | {"updated_at": now}
            for order_id in order_ids
            for offer_id in rng.sample(offer_ids, lines)
        ],
    )


def catalogue_urls(categories: list[str], count: int = CATALOGUE_URLS) -> list[str]:
    """``count`` distinct catalogue addresses: the catalogue bench's, then combinations of
    filters, sorts and pages drawn with a fixed seed."""
    rng = random.Random(16)
    options: dict[str, list[str]] = {
        "categorie": ["", "", *categories],
        "grade": ["", "", "A+", "A", "B"],
        "departement": ["", "", "", "35", "29", "44"],
        "en_stock": ["", "y"],
        "tri": ["", "prix", "prix-decroissant", "recent"],
        "prix_max": ["", "", "300", "600"],
        "garantie_min": ["", "", "12", "24"],
        "q": ["", "", "", "", "thinkpad", "dell"],
        "page": ["", "", "2", "5"],
    }
    urls = list(dict.fromkeys(catalog.QUERIES))
    while len(urls) < count:
        chosen = {name: rng.choice(values) for name, values in options.items()}
        query = urllib.parse.urlencode({k: v for k, v in chosen.items() if v})
        url = f"/catalogue?{query}" if query else "/catalogue"
        if url not in urls:
            urls.append(url)
    return urls


def session_cookie(app: Flask, secret_key: str, user: User) -> str:
    """The session cookie the login form would give ``user`` (as the bench's client), signed
    with the server's key: 200 logins with production argon2id would take minutes."""
    with app.test_request_context(
        "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        assert login_user(user)
        content = dict(session) | {"csrf_token": secrets.token_hex(20)}
    signer = Flask("bench-sessions")
    signer.secret_key = secret_key
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    assert serializer is not None
    return str(serializer.dumps(content))
