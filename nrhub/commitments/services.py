"""The buyer records its commitment for a campaign; consolidation copies it onto its
deliveries, where it can still be completed until the delivery is invoiced."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select, update

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign, CampaignState, Order, OrderStatus
from nrhub.commitments.models import BuyerCommitment
from nrhub.consolidation.models import Delivery, DeliveryLine
from nrhub.db import utcnow
from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.security import Role

ENGAGEMENT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./_-]{0,49}")
NATURE_PATTERN = re.compile(r"[0-9]{2,6}")
CHAPTER_PATTERN = re.compile(r"[0-9]{2,3}")
SERVICE_CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}")
CLOSED_STATES = (CampaignState.DRAFT, CampaignState.CANCELLED, CampaignState.DONE)


@dataclass(frozen=True)
class CommitmentData:
    engagement_number: str
    budget_nature: str
    budget_chapter: str
    service_code: str | None
    delivery_address: str


def clean_commitment(data: CommitmentData) -> CommitmentData:
    """The fields trimmed and checked; the first wrong one is refused with its message."""
    engagement = data.engagement_number.strip()
    nature = data.budget_nature.strip()
    chapter = data.budget_chapter.strip()
    service = (data.service_code or "").strip() or None
    address = data.delivery_address.strip()
    if not ENGAGEMENT_PATTERN.fullmatch(engagement):
        raise ValidationError(
            _(
                "Indiquez le numéro d'engagement juridique (50 caractères au plus : lettres, "
                "chiffres, espaces, points, tirets, barres obliques)."
            ),
            "engagement_number",
        )
    if not NATURE_PATTERN.fullmatch(nature):
        raise ValidationError(
            _("La nature budgétaire M57 s'écrit en chiffres, par exemple 2183."),
            "budget_nature",
        )
    if not CHAPTER_PATTERN.fullmatch(chapter):
        raise ValidationError(
            _("Le chapitre budgétaire s'écrit en 2 ou 3 chiffres, par exemple 21."),
            "budget_chapter",
        )
    if service is not None and not SERVICE_CODE_PATTERN.fullmatch(service):
        raise ValidationError(
            _(
                "Le code service Chorus Pro ne contient que des lettres, des chiffres, "
                "des tirets et des soulignés (100 caractères au plus)."
            ),
            "service_code",
        )
    if not 10 <= len(address) <= 500:
        raise ValidationError(
            _("Indiquez l'adresse de livraison complète (10 à 500 caractères)."),
            "delivery_address",
        )
    return CommitmentData(engagement, nature, chapter, service, address)


def get_commitment(campaign_id: int, buyer_id: int) -> BuyerCommitment | None:
    return db.session.execute(
        select(BuyerCommitment).where(
            BuyerCommitment.campaign_id == campaign_id, BuyerCommitment.buyer_id == buyer_id
        )
    ).scalar_one_or_none()


def record_commitment(campaign: Campaign, data: CommitmentData, *, by: User) -> BuyerCommitment:
    """The buyer (with an order in the campaign) records or corrects its commitment. After
    consolidation, its deliveries take the new values too, except those already invoiced
    (their documents are issued: the commitment they cite stays)."""
    if not (by.is_active_member and by.role == Role.BUYER):
        raise PermissionDeniedError(_("Seul un acheteur enregistre son engagement."))
    if campaign.state in CLOSED_STATES:
        raise ConflictError(_("Cette campagne n'accepte plus d'engagement."))
    buyer_id = by.organisation_id
    has_order = db.session.execute(
        select(
            exists().where(
                Order.campaign_id == campaign.id,
                Order.buyer_id == buyer_id,
                Order.status == OrderStatus.ACTIVE,
            )
        )
    ).scalar_one()
    if not has_order:
        raise ConflictError(_("Passez d'abord votre commande dans cette campagne."))
    data = clean_commitment(data)
    commitment = get_commitment(campaign.id, buyer_id)
    if commitment is None:
        commitment = BuyerCommitment(campaign_id=campaign.id, buyer_id=buyer_id)
        db.session.add(commitment)
    commitment.engagement_number = data.engagement_number
    commitment.budget_nature = data.budget_nature
    commitment.budget_chapter = data.budget_chapter
    commitment.service_code = data.service_code
    commitment.delivery_address = data.delivery_address
    commitment.updated_at = utcnow()
    commitment.updated_by_id = by.id
    db.session.flush()
    db.session.execute(
        update(Delivery)
        .where(
            Delivery.campaign_id == campaign.id,
            Delivery.buyer_id == buyer_id,
            ~exists().where(
                DeliveryLine.delivery_id == Delivery.id, DeliveryLine.invoiced_quantity > 0
            ),
        )
        .values(
            engagement_number=data.engagement_number,
            budget_nature=data.budget_nature,
            budget_chapter=data.budget_chapter,
            service_code=data.service_code,
            delivery_address=data.delivery_address,
        )
        .execution_options(synchronize_session=False)
    )
    record(
        "commitment.recorded",
        object_type="campaign",
        object_id=campaign.id,
        by=by,
        engagement_number=data.engagement_number,
    )
    return commitment
