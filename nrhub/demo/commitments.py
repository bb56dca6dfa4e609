"""Demo data: Vitré's commitments for the past campaigns, recorded before their
consolidation (idempotent)."""

from __future__ import annotations

from sqlalchemy import exists, select

from nrhub.campaigns.models import Campaign, CampaignState, Order
from nrhub.commitments.services import CommitmentData, get_commitment, record_commitment
from nrhub.demo.consolidation import PLANS, _first_person
from nrhub.demo.organisations import organisation
from nrhub.extensions import db


def load() -> None:
    """Before consolidation: Vitré's engagement for each past campaign it ordered in."""
    vitre = organisation("vitre")
    buyer = _first_person(vitre.id)
    for number, plan in enumerate(PLANS, start=1):
        campaign = db.session.execute(
            select(Campaign).where(Campaign.title == plan.title)
        ).scalar_one_or_none()
        if campaign is None or campaign.state != CampaignState.CLOSED:
            continue
        ordered = db.session.execute(
            select(exists().where(Order.campaign_id == campaign.id, Order.buyer_id == vitre.id))
        ).scalar_one()
        if not ordered or get_commitment(campaign.id, vitre.id) is not None:
            continue
        record_commitment(
            campaign,
            CommitmentData(
                engagement_number=f"EJ-{plan.first_shipping.year}-{number:05d}",
                budget_nature="2183",
                budget_chapter="21",
                service_code="DSI-VITRE",
                delivery_address="Mairie de Vitré, service informatique, "
                "5 place du Château, 35500 Vitré",
            ),
            by=buyer,
        )
