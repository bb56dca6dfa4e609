"""Demo data of the consolidation area: two past campaigns consolidated, delivered, received.

The campaigns demo creates them closed, with accepted offers and orders. Here they go
through consolidation (proportional rule), shipping and receipt, so that the ledger holds
hub spend in the previous year (autumn 2025, one partial receipt) and in the current one
(spring 2026), and both campaigns end "done". Idempotent: each step is done once; a
campaign that does not exist yet is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select

from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.consolidation.allocation import Rule
from nrhub.consolidation.models import Delivery, DeliveryLine, DeliveryStatus
from nrhub.consolidation.services import (
    confirm_consolidation,
    confirm_receipt,
    record_not_delivered,
    ship_delivery,
)
from nrhub.db import utcnow
from nrhub.demo.organisations import organisation
from nrhub.extensions import db
from nrhub.formatting import PARIS, paris_date_of

log = logging.getLogger(__name__)

AUTUMN_2025 = "Campagne automne 2025 — équipement des écoles"
SPRING_2026 = "Campagne printemps 2026 — renouvellement des mairies"

PARTIAL_COMMENT = (
    "Un poste est arrivé avec l'écran fissuré : refusé à la livraison et renvoyé au "
    "reconditionneur, qui le remplacera hors campagne."
)


@dataclass(frozen=True)
class _Plan:
    title: str
    first_shipping: dt.date
    partial: bool  # one delivery received with a unit short


PLANS = (
    _Plan(AUTUMN_2025, dt.date(2025, 11, 12), partial=True),
    _Plan(SPRING_2026, dt.date(2026, 4, 7), partial=False),
)


def load() -> None:
    """Consolidate, ship and receive the demo's past campaigns (idempotent)."""
    coordinator = _first_person(organisation("hub").id)
    for plan in PLANS:
        campaign = db.session.execute(
            select(Campaign).where(Campaign.title == plan.title)
        ).scalar_one_or_none()
        if campaign is None:
            log.info("Demo campaign %r not found: consolidation skipped.", plan.title)
            continue
        if campaign.state == CampaignState.CLOSED:
            confirm_consolidation(
                campaign, Rule.PROPORTIONAL, by=coordinator, at=_moment(campaign), notify=False
            )
        _deliver(campaign.id, plan)


def _moment(campaign: Campaign) -> dt.datetime:
    """Three days after the close, at 10:00 in Paris (never in the future)."""
    day = paris_date_of(campaign.closes_at) + dt.timedelta(days=3)
    local = dt.datetime.combine(day, dt.time(10, 0), tzinfo=PARIS)
    return min(local.astimezone(dt.UTC), utcnow())


def _first_person(organisation_id: int) -> User:
    return db.session.execute(
        select(User)
        .where(User.organisation_id == organisation_id, User.is_removed.is_(False))
        .order_by(User.id)
        .limit(1)
    ).scalar_one()


def _deliver(campaign_id: int, plan: _Plan) -> None:
    today = paris_date_of(utcnow())
    deliveries = (
        db.session.execute(
            select(Delivery).where(Delivery.campaign_id == campaign_id).order_by(Delivery.id)
        )
        .scalars()
        .all()
    )
    partial_done = False
    for index, delivery in enumerate(deliveries):
        shipped_on = min(plan.first_shipping + dt.timedelta(days=index % 10), today)
        received_on = min(shipped_on + dt.timedelta(days=6 + 3 * (index % 6)), today)
        if delivery.status == DeliveryStatus.PENDING:
            ship_delivery(
                delivery,
                shipped_on,
                _serials(delivery, plan),
                by=_first_person(delivery.refurbisher_id),
                notify=False,
            )
        if delivery.status == DeliveryStatus.SHIPPED:
            lines = (
                db.session.execute(
                    select(DeliveryLine)
                    .where(DeliveryLine.delivery_id == delivery.id)
                    .order_by(DeliveryLine.id)
                )
                .scalars()
                .all()
            )
            quantities = {line.id: line.quantity for line in lines}
            comment = None
            if plan.partial and not partial_done:
                short = next((line for line in lines if line.quantity >= 2), None)
                if short is not None:
                    quantities[short.id] -= 1
                    comment = PARTIAL_COMMENT
                    partial_done = True
            confirm_receipt(
                delivery,
                max(received_on, delivery.shipped_on or received_on),
                quantities,
                comment,
                by=_first_person(delivery.buyer_id),
                notify=False,
            )
            if comment is not None:  # the refused unit will not come in this campaign
                record_not_delivered(
                    delivery, PARTIAL_COMMENT, by=_first_person(delivery.buyer_id), notify=False
                )


def _serials(delivery: Delivery, plan: _Plan) -> str:
    """A few plausible serial numbers (the refurbisher's labels) for the first units."""
    year = plan.first_shipping.year % 100
    return "\n".join(f"NR{year}-{delivery.id:04d}-{n:02d}" for n in range(1, 4))
