"""Demo data: one invoiced delivery (idempotent)."""

from __future__ import annotations

import logging

from sqlalchemy import exists, select

from nrhub.campaigns.models import Campaign
from nrhub.consolidation.models import Delivery, DeliveryStatus
from nrhub.demo.consolidation import SPRING_2026, _first_person
from nrhub.demo.organisations import organisation
from nrhub.extensions import db
from nrhub.invoices.models import Invoice
from nrhub.invoices.services import issue_invoice

log = logging.getLogger(__name__)


def load() -> None:
    """After the receipts: the first received delivery to Vitré of the spring campaign is
    invoiced by its refurbisher."""
    vitre = organisation("vitre")
    spring = db.session.execute(
        select(Campaign.id).where(Campaign.title == SPRING_2026)
    ).scalar_one_or_none()
    invoiced = db.session.execute(
        select(
            exists().where(
                Invoice.buyer_id == vitre.id,
                Invoice.delivery_id == Delivery.id,
                Delivery.campaign_id == spring,
            )
        )
    ).scalar_one()
    if spring is None or invoiced:
        return
    delivery = db.session.execute(
        select(Delivery)
        .where(
            Delivery.campaign_id == spring,
            Delivery.buyer_id == vitre.id,
            Delivery.status == DeliveryStatus.RECEIVED,
        )
        .order_by(Delivery.id)
        .limit(1)
    ).scalar_one_or_none()
    if delivery is None or delivery.received_on is None:
        log.info("No received delivery to invoice in the demo.")
        return
    issue_invoice(
        delivery,
        f"FA-{delivery.received_on.year}-{delivery.id:04d}",
        delivery.received_on,
        by=_first_person(delivery.refurbisher_id),
    )
