"""Demo data of maintenance and repairs: maintenance offers on the campaigns' listings,
maintenance chosen on some orders of the open campaign, and repair requests in each state
on the received deliveries of the past campaigns.

The past campaigns are left as the consolidation demo made them (their amounts are what
the other demos and their tests expect); maintenance is chosen only in the open campaign,
and only while it is open. Idempotent: offers by (listing, kind, duration), requests by
their description; what is missing (no campaign, no delivery) is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from nrhub.auth.models import User
from nrhub.campaigns import orders as order_services
from nrhub.campaigns.models import Campaign, CampaignOffer, Order, OrderLine, OrderStatus
from nrhub.catalog import maintenance as maintenance_offers
from nrhub.catalog.models import Listing, MaintenanceKind, MaintenanceOffer
from nrhub.consolidation.models import Delivery, DeliveryLine, DeliveryStatus
from nrhub.db import utcnow
from nrhub.demo.organisations import organisation
from nrhub.extensions import db
from nrhub.formatting import PARIS, paris_date_of
from nrhub.repairs import maintenance as maintenance_services
from nrhub.repairs import services
from nrhub.repairs.maintenance import MaintenanceData
from nrhub.repairs.models import RepairRequest, RepairStatus

log = logging.getLogger(__name__)

OPEN_CAMPAIGN = "Campagne hiver 2026 — portables et smartphones"

MAINTENANCE_SPECS = (
    (
        MaintenanceKind.MAINTENANCE,
        24,
        Decimal("39.00"),
        "Diagnostic et réparation sur site ou en atelier, pièces et main-d'œuvre, prêt d'un "
        "appareil équivalent au-delà de 5 jours ouvrés.",
    ),
    (
        MaintenanceKind.EXTENDED_WARRANTY,
        36,
        Decimal("25.00"),
        "Extension de la garantie panne de 36 mois après la garantie commerciale : "
        "remplacement de l'appareil s'il n'est pas réparable.",
    ),
)

BUYER_CHOICES = (
    ("vitre", MaintenanceKind.MAINTENANCE),
    ("lannion", MaintenanceKind.EXTENDED_WARRANTY),
)


@dataclass(frozen=True)
class RepairSpec:
    description: str
    path: tuple[RepairStatus, ...]  # the steps after opening
    days: tuple[int, ...]  # days after receipt of the opening, then of each step
    message: str = ""


REPAIR_SPECS = (
    RepairSpec(
        "Le portable ne charge plus : le voyant de l'alimentation reste éteint.",
        (RepairStatus.IN_PROGRESS, RepairStatus.REPAIRED),
        (20, 21, 24),
        "Connecteur de charge remplacé, appareil testé 48 h.",
    ),
    RepairSpec(
        "L'écran clignote après quelques minutes d'utilisation.",
        (RepairStatus.IN_PROGRESS, RepairStatus.REPLACED),
        (35, 36, 41),
        "Dalle défectueuse non disponible : écran remplacé par un modèle équivalent.",
    ),
    RepairSpec(
        "La batterie ne tient plus qu'une heure.",
        (RepairStatus.IN_PROGRESS, RepairStatus.REPAIRED),
        (50, 52, 53),
        "Batterie neuve installée.",
    ),
    RepairSpec(
        "Écran fissuré après une chute dans le bureau.",
        (RepairStatus.REFUSED,),
        (12, 14),
        "Casse accidentelle : non couverte par la garantie. Un devis de réparation vous "
        "est envoyé séparément.",
    ),
    RepairSpec(
        "Le clavier a plusieurs touches qui ne répondent plus.",
        (RepairStatus.IN_PROGRESS,),
        (60, 62),
        "Pièce commandée, intervention prévue la semaine prochaine.",
    ),
    RepairSpec("Le haut-parleur grésille pendant les visioconférences.", (), (70,)),
)


def load() -> None:
    _load_maintenance_offers()
    _choose_maintenance_in_open_campaign()
    _load_repair_requests()


def _first_person(organisation_id: int) -> User:
    return db.session.execute(
        select(User)
        .where(User.organisation_id == organisation_id, User.is_removed.is_(False))
        .order_by(User.id)
        .limit(1)
    ).scalar_one()


def _load_maintenance_offers() -> None:
    """Both offers on every listing committed to a demo campaign."""
    listing_ids = sorted(set(db.session.execute(select(CampaignOffer.listing_id)).scalars()))
    existing = set(
        db.session.execute(
            select(
                MaintenanceOffer.listing_id,
                MaintenanceOffer.kind,
                MaintenanceOffer.duration_months,
            )
        ).all()
    )
    for listing in db.session.execute(
        select(Listing).where(Listing.id.in_(listing_ids)).order_by(Listing.id)
    ).scalars():
        for kind, months, price, coverage in MAINTENANCE_SPECS:
            if (listing.id, kind, months) in existing:
                continue
            maintenance_services.create_maintenance_offer(
                listing,
                MaintenanceData(kind, months, price, coverage),
                by=_first_person(listing.refurbisher_id),
            )


def _choose_maintenance_in_open_campaign() -> None:
    """Two buyers add maintenance to their lines of the open campaign, while it is open."""
    campaign = db.session.execute(
        select(Campaign).where(Campaign.title == OPEN_CAMPAIGN)
    ).scalar_one_or_none()
    now = utcnow()
    if campaign is None or not campaign.is_open_at(now):
        log.info("Demo open campaign missing or closed: no maintenance chosen.")
        return
    offers = {
        o.id: o.listing_id
        for o in db.session.execute(
            select(CampaignOffer).where(CampaignOffer.campaign_id == campaign.id)
        ).scalars()
    }
    by_listing = maintenance_offers.active_by_listing(offers.values())
    for key, kind in BUYER_CHOICES:
        buyer = organisation(key)
        order = db.session.execute(
            select(Order).where(
                Order.campaign_id == campaign.id,
                Order.buyer_id == buyer.id,
                Order.status == OrderStatus.ACTIVE,
            )
        ).scalar_one_or_none()
        if order is None:
            continue
        choices = {}
        for offer_id, listing_id in offers.items():
            chosen = next((m for m in by_listing.get(listing_id, []) if m.kind == kind), None)
            if chosen is not None:
                choices[offer_id] = chosen.id
        lines = set(
            db.session.execute(
                select(OrderLine.offer_id).where(OrderLine.order_id == order.id)
            ).scalars()
        )
        choices = {k: v for k, v in choices.items() if k in lines}
        if choices:
            order_services.place_order(
                campaign, {}, by=_first_person(buyer.id), now=now, maintenance=choices
            )
            campaign = db.session.get_one(Campaign, campaign.id)


def _at(day: dt.date, days: int) -> dt.datetime:
    """``days`` after ``day`` at 10:00 in Paris, never in the future."""
    local = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(10), tzinfo=PARIS)
    return min(local.astimezone(dt.UTC), utcnow() - dt.timedelta(minutes=len(REPAIR_SPECS)))


def _load_repair_requests() -> None:
    """One request per spec, each on a different received delivery line."""
    done = set(db.session.execute(select(RepairRequest.description)).scalars())
    rows = db.session.execute(
        select(DeliveryLine, Delivery)
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .where(Delivery.status == DeliveryStatus.RECEIVED, DeliveryLine.received_quantity > 0)
        .order_by(Delivery.id, DeliveryLine.id)
    ).all()
    if not rows:
        log.info("No received delivery in the demo: no repair request.")
        return
    # Spread the requests over deliveries (and so over buyers and refurbishers).
    spread = rows[:: max(1, len(rows) // len(REPAIR_SPECS))] or rows
    for index, spec in enumerate(REPAIR_SPECS):
        if spec.description in done:
            continue
        line, delivery = spread[index % len(spread)]
        received_on = delivery.received_on or paris_date_of(utcnow())
        request = services.open_repair_request(
            services.RepairInput(line.id, 1, spec.description),
            by=_first_person(delivery.buyer_id),
            now=_at(received_on, spec.days[0]),
            notify=False,
        )
        for step, days in zip(spec.path, spec.days[1:], strict=True):
            last = step == spec.path[-1]
            services.change_status(
                request,
                step,
                spec.message if last or step == RepairStatus.REFUSED else "",
                by=_first_person(delivery.refurbisher_id),
                now=_at(received_on, days),
                notify=False,
            )
