"""Demo campaigns: one draft, one open with offers and orders, two closed ones that the
consolidation demo consolidates, delivers and receives.

Everything goes through the campaign services, at the moment it would have happened
(``now=`` inside each window), so stock, history and audit are what real use leaves.
Idempotent by title; a campaign whose listings are missing from the catalogue demo gets no
offer for them (the loader skips gracefully).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from nrhub.auth.models import User
from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import services
from nrhub.campaigns.models import Campaign, CampaignOffer, CampaignState
from nrhub.catalog.models import Category, Listing, ListingStatus
from nrhub.clauses.models import Clause
from nrhub.db import utcnow
from nrhub.demo import agreements
from nrhub.demo.organisations import organisation
from nrhub.extensions import db
from nrhub.formatting import paris_date_of, paris_to_utc


@dataclass(frozen=True)
class OfferSpec:
    refurbisher: str
    category: str
    committed: int
    # Demand per buyer key; the sum may exceed what is committed (shared at consolidation).
    demand: dict[str, int]


@dataclass(frozen=True)
class CampaignSpec:
    title: str
    description: str
    opens: dt.datetime  # aware UTC
    closes: dt.datetime
    delivery: tuple[dt.date, dt.date]
    categories: tuple[str, ...]
    clauses: tuple[str, ...]
    state: CampaignState
    offers: tuple[OfferSpec, ...] = ()
    # The number of the demo framework agreement's lot the campaign calls off.
    lot: int | None = 1


def _paris(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return paris_to_utc(dt.datetime(year, month, day, hour))


def _specs(now: dt.datetime) -> tuple[CampaignSpec, ...]:
    start_day = paris_date_of(now) - dt.timedelta(days=10)
    opens = paris_to_utc(dt.datetime.combine(start_day, dt.time(9)))
    closes = paris_to_utc(dt.datetime.combine(start_day + dt.timedelta(days=30), dt.time(18)))
    close_day = start_day + dt.timedelta(days=30)
    return (
        CampaignSpec(
            "Campagne printemps 2027 — postes de travail",
            "Renouvellement des postes fixes des services : unités centrales, écrans et "
            "portables d'appoint, reconditionnés en Bretagne.",
            _paris(2027, 3, 1, 9),
            _paris(2027, 3, 31, 18),
            (dt.date(2027, 4, 19), dt.date(2027, 5, 28)),
            ("desktop", "monitor", "laptop"),
            ("reemploi-part-minimale", "mises-a-jour-5-ans", "heures-insertion"),
            CampaignState.DRAFT,
        ),
        CampaignSpec(
            "Campagne hiver 2026 — portables et smartphones",
            "Portables pour le télétravail des agents et smartphones pour les équipes "
            "techniques, avec effacement certifié et reprise des anciens équipements.",
            opens,
            closes,
            (close_day + dt.timedelta(days=15), close_day + dt.timedelta(days=60)),
            ("laptop", "smartphone", "monitor"),
            (
                "reemploi-part-minimale",
                "effacement-certifie",
                "reprise-equipements",
                "heures-insertion",
            ),
            CampaignState.OPEN,
            (
                OfferSpec("ordi-breizh", "laptop", 12, {"vitre": 4, "lannion": 3, "fougeres": 2}),
                OfferSpec(
                    "coop-ouest", "smartphone", 15, {"vitre": 5, "quimperle": 6, "pontivy": 3}
                ),
                OfferSpec(
                    "atelier-leon", "monitor", 10, {"lannion": 4, "pontivy": 2, "fougeres": 2}
                ),
            ),
        ),
        CampaignSpec(
            "Campagne automne 2025 — équipement des écoles",
            "Portables et écrans pour les écoles élémentaires des communes membres, livrés "
            "pour les vacances de la Toussaint.",
            _paris(2025, 9, 1, 9),
            _paris(2025, 9, 30, 18),
            (dt.date(2025, 10, 15), dt.date(2025, 11, 28)),
            ("laptop", "monitor", "tablet"),
            ("reemploi-part-minimale", "pieces-detachees", "effacement-certifie", "reserve-siae"),
            CampaignState.CLOSED,
            (
                OfferSpec(
                    "ordi-breizh",
                    "laptop",
                    20,
                    {"vitre": 8, "lannion": 6, "quimperle": 5, "pontivy": 4, "plouguerneau": 3},
                ),
                OfferSpec(
                    "atelier-leon",
                    "monitor",
                    15,
                    {"vitre": 4, "lannion": 3, "fougeres": 3, "saint-meen": 2},
                ),
            ),
        ),
        CampaignSpec(
            "Campagne printemps 2026 — renouvellement des mairies",
            "Renouvellement des postes d'accueil et de secrétariat des mairies : portables, "
            "écrans et smartphones, avec maintenance au-delà de la garantie.",
            _paris(2026, 3, 2, 9),
            _paris(2026, 3, 27, 18),
            (dt.date(2026, 4, 15), dt.date(2026, 5, 29)),
            ("laptop", "monitor", "smartphone"),
            ("mises-a-jour-5-ans", "maintenance-hors-garantie", "critere-insertion"),
            CampaignState.CLOSED,
            (
                OfferSpec(
                    "coop-ouest",
                    "laptop",
                    12,
                    {"vitre": 5, "lannion": 4, "cc-val-ille": 4, "concarneau": 3},
                ),
                OfferSpec(
                    "atelier-leon",
                    "monitor",
                    12,
                    {"vitre": 3, "lannion": 2, "ccas-vannes": 3, "fougeres": 2},
                ),
                OfferSpec(
                    "coop-ouest",
                    "smartphone",
                    10,
                    {"lannion": 3, "ccas-vannes": 4, "concarneau": 2},
                ),
            ),
        ),
    )


def _first_user(key: str) -> User:
    org = organisation(key)
    return db.session.execute(
        select(User).where(User.organisation_id == org.id).order_by(User.id).limit(1)
    ).scalar_one()


def _listing(refurbisher_key: str, category_code: str) -> Listing | None:
    """The refurbisher's published listing of that category with the most free stock."""
    org = organisation(refurbisher_key)
    return db.session.execute(
        select(Listing)
        .join(Category, Listing.category_id == Category.id)
        .where(
            Listing.refurbisher_id == org.id,
            Category.code == category_code,
            Listing.status == ListingStatus.PUBLISHED,
            Listing.quantity > 0,
        )
        .order_by(Listing.quantity.desc(), Listing.id)
        .limit(1)
    ).scalar_one_or_none()


def _ids(model: type[Category] | type[Clause], codes: tuple[str, ...]) -> list[int]:
    return list(db.session.execute(select(model.id).where(model.code.in_(codes))).scalars())


def _load_campaign(spec: CampaignSpec, coordinator: User, now: dt.datetime) -> None:
    campaign = services.create_campaign(
        services.CampaignData(
            title=spec.title,
            description=spec.description,
            opens_at=spec.opens,
            closes_at=spec.closes,
            delivery_from=spec.delivery[0],
            delivery_to=spec.delivery[1],
            category_ids=_ids(Category, spec.categories),
            clause_ids=_ids(Clause, spec.clauses),
            framework_lot_id=agreements.lot_id(spec.lot) if spec.lot else None,
        ),
        by=coordinator,
    )
    if spec.state == CampaignState.DRAFT:
        return
    before = spec.opens - dt.timedelta(days=3)
    services.open_campaign(campaign, by=coordinator, now=before)
    placed: list[tuple[CampaignOffer, OfferSpec]] = []
    for offer_spec in spec.offers:
        listing = _listing(offer_spec.refurbisher, offer_spec.category)
        if listing is None:
            current_app.logger.info(
                "Démo : pas d'offre %s chez %s", offer_spec.category, offer_spec.refurbisher
            )
            continue
        quantity = min(offer_spec.committed, listing.quantity)
        offer = offer_services.commit_offer(
            campaign, listing.id, quantity, by=_first_user(offer_spec.refurbisher), now=before
        )
        offer_services.decide_offer(offer, True, by=coordinator, now=before + dt.timedelta(days=1))
        placed.append((offer, offer_spec))
    buyers = sorted({key for _, spec_ in placed for key in spec_.demand})
    for index, buyer_key in enumerate(buyers):
        quantities = {o.id: s.demand[buyer_key] for o, s in placed if buyer_key in s.demand}
        moment = min(
            spec.opens + dt.timedelta(days=1 + index, hours=1, minutes=7 * index),
            now - dt.timedelta(minutes=1),
        )
        campaign = db.session.get_one(Campaign, campaign.id)
        order_services.place_order(campaign, quantities, by=_first_user(buyer_key), now=moment)
    if spec.state == CampaignState.CLOSED:
        services.close_campaign(campaign, by=coordinator, now=spec.closes)


def load() -> None:
    """Idempotent: a campaign whose title exists is left as it is. The legal frame comes
    first: buyers order under their membership agreement, campaigns under a lot."""
    agreements.load()
    now = utcnow()
    coordinator = _first_user("hub")
    existing = set(db.session.execute(select(Campaign.title)).scalars())
    for spec in _specs(now):
        if spec.title not in existing:
            _load_campaign(spec, coordinator, now)
