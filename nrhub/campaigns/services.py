"""Use cases of pooled purchasing campaigns: a campaign's life, from draft to closing.

The refurbishers' offers are in :mod:`nrhub.campaigns.offers`, the buyers' orders in
:mod:`nrhub.campaigns.orders`.

Each function is one transaction: it checks the rules, writes, records the audit event and
commits, or raises a :class:`~nrhub.errors.DomainError` with a French message and writes
nothing. The consolidation area takes over once a campaign is closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.labels import STATE_NAMES
from nrhub.campaigns.messages import _, notify
from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    Order,
    OrderEvent,
    OrderStatus,
)
from nrhub.campaigns.stock import give_back_units
from nrhub.catalog.models import Category, Listing
from nrhub.clauses.models import Clause
from nrhub.db import utcnow
from nrhub.errors import (
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from nrhub.extensions import db
from nrhub.formatting import paris_date_of

# The most units one offer commits or one order line asks for.
MAX_ORDER_QUANTITY = 100_000

# ---------------------------------------------------------------- campaigns


@dataclass(frozen=True)
class CampaignData:
    """What a coordinator enters for a campaign (times already converted to aware UTC)."""

    title: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    description: str = ""
    delivery_from: dt.date | None = None
    delivery_to: dt.date | None = None
    category_ids: Sequence[int] = field(default_factory=tuple)
    clause_ids: Sequence[int] = field(default_factory=tuple)


def require_coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDeniedError(_("Seule la coordination peut gérer les campagnes."))


def load_for_update(campaign_id: int) -> Campaign:
    return db.session.execute(
        select(Campaign)
        .options(selectinload(Campaign.categories), selectinload(Campaign.clauses))
        .where(Campaign.id == campaign_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _apply_campaign_data(campaign: Campaign, data: CampaignData) -> None:
    title = data.title.strip()
    if not title:
        raise ValidationError(_("Indiquez un titre."), field="title")
    if data.closes_at <= data.opens_at:
        raise ValidationError(
            _("La clôture des commandes doit suivre leur ouverture."), field="closes_at"
        )
    if data.delivery_from and data.delivery_to and data.delivery_to < data.delivery_from:
        raise ValidationError(
            _("La fin de la période de livraison doit suivre son début."), field="delivery_to"
        )
    if data.delivery_from and data.delivery_from < paris_date_of(data.closes_at):
        raise ValidationError(
            _("Les livraisons ne peuvent commencer qu'après la clôture des commandes."),
            field="delivery_from",
        )
    category_ids = set(data.category_ids)
    if not category_ids:
        raise ValidationError(
            _("Choisissez au moins une catégorie éligible."), field="category_ids"
        )
    categories = (
        db.session.execute(
            select(Category).where(Category.id.in_(category_ids)).order_by(Category.sort_order)
        )
        .scalars()
        .all()
    )
    clause_ids = set(data.clause_ids)
    clauses = (
        db.session.execute(select(Clause).where(Clause.id.in_(clause_ids)).order_by(Clause.id))
        .scalars()
        .all()
    )
    if len(categories) != len(category_ids) or len(clauses) != len(clause_ids):
        raise ValidationError(_("Catégorie ou clause inconnue."))
    campaign.title = title
    campaign.description = data.description.strip()
    campaign.opens_at = data.opens_at
    campaign.closes_at = data.closes_at
    campaign.delivery_from = data.delivery_from
    campaign.delivery_to = data.delivery_to
    campaign.categories = list(categories)
    campaign.clauses = list(clauses)


def create_campaign(data: CampaignData, *, by: User) -> Campaign:
    """A coordinator prepares a campaign; it starts as a draft only the hub sees."""
    require_coordinator(by)
    campaign = Campaign(state=CampaignState.DRAFT, created_by_id=by.id)
    campaign.categories = []
    campaign.clauses = []
    _apply_campaign_data(campaign, data)
    db.session.add(campaign)
    db.session.flush()
    record("campaign.created", campaign, by=by, title=campaign.title)
    db.session.commit()
    return campaign


def update_campaign(campaign: Campaign, data: CampaignData, *, by: User) -> Campaign:
    """Edit a draft or open campaign; a category that offers use cannot be removed."""
    require_coordinator(by)
    campaign = load_for_update(campaign.id)
    if not campaign.accepts_offers:
        raise ConflictError(_("Seule une campagne en préparation ou ouverte peut être modifiée."))
    used = set(
        db.session.execute(
            select(Listing.category_id)
            .join(CampaignOffer, CampaignOffer.listing_id == Listing.id)
            .where(
                CampaignOffer.campaign_id == campaign.id,
                CampaignOffer.status.in_(HOLDING_STATUSES),
            )
        ).scalars()
    )
    if used - set(data.category_ids):
        raise ValidationError(
            _("Des offres portent sur une catégorie retirée : gardez-la ou refusez ces offres."),
            field="category_ids",
        )
    _apply_campaign_data(campaign, data)
    record("campaign.updated", campaign, by=by, title=campaign.title)
    db.session.commit()
    return campaign


def _refuse_transition(campaign: Campaign, action: str) -> ConflictError:
    state = _(STATE_NAMES[CampaignState(campaign.state)])
    messages = {
        "open": _("Impossible d'ouvrir une campagne %(state)s.", state=state),
        "close": _("Impossible de clôturer une campagne %(state)s.", state=state),
        "cancel": _("Impossible d'annuler une campagne %(state)s.", state=state),
    }
    return ConflictError(messages[action])


def open_campaign(campaign: Campaign, *, by: User, now: dt.datetime | None = None) -> Campaign:
    """Publish a draft: buyers see it and may order once its window has started.

    Opening before ``opens_at`` schedules the campaign: refurbishers can commit offers
    and orders are accepted from ``opens_at`` (see :meth:`Campaign.is_open_at`).
    """
    require_coordinator(by)
    now = now or utcnow()
    if campaign.state != CampaignState.DRAFT:
        raise _refuse_transition(campaign, "open")
    if campaign.closes_at <= now:
        raise ConflictError(
            _("La période de commande est déjà passée : modifiez les dates avant d'ouvrir.")
        )
    campaign.state = CampaignState.OPEN
    record("campaign.opened", campaign, by=by)
    db.session.commit()
    return campaign


def _close(campaign: Campaign, now: dt.datetime, by: User | None) -> int:
    """Close and release the offers still pending: units back to stock. Returns their count."""
    campaign.state = CampaignState.CLOSED
    campaign.closed_at = now
    pending = (
        db.session.execute(
            select(CampaignOffer).where(
                CampaignOffer.campaign_id == campaign.id,
                CampaignOffer.status == OfferStatus.PENDING,
            )
        )
        .scalars()
        .all()
    )
    for offer in pending:
        give_back_units(offer.listing_id, offer.committed_quantity)
        offer.status = OfferStatus.REFUSED
        offer.decided_at = now
    record(
        "campaign.closed",
        campaign,
        by=by,
        organisation_id=by.organisation_id if by else None,
        early=now < campaign.closes_at,
        pending_offers_released=len(pending),
    )
    return len(pending)


def close_campaign(campaign: Campaign, *, by: User, now: dt.datetime | None = None) -> Campaign:
    """End ordering (possibly before ``closes_at``); orders are locked for consolidation.

    Offers still waiting for a decision are refused and give their units back.
    """
    require_coordinator(by)
    if campaign.state != CampaignState.OPEN:
        raise _refuse_transition(campaign, "close")
    _close(campaign, now or utcnow(), by)
    db.session.commit()
    return campaign


def cancel_campaign(
    campaign: Campaign, reason: str, *, by: User, now: dt.datetime | None = None
) -> Campaign:
    """Cancel before consolidation: committed units go back to stock, participants are told."""
    require_coordinator(by)
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(_("Expliquez la raison de l'annulation."), field="reason")
    if campaign.state not in (CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED):
        raise _refuse_transition(campaign, "cancel")
    offers = (
        db.session.execute(
            select(CampaignOffer).where(
                CampaignOffer.campaign_id == campaign.id,
                CampaignOffer.status.in_(HOLDING_STATUSES),
            )
        )
        .scalars()
        .all()
    )
    orders = (
        db.session.execute(
            select(Order).where(
                Order.campaign_id == campaign.id, Order.status == OrderStatus.ACTIVE
            )
        )
        .scalars()
        .all()
    )
    org_ids = {o.refurbisher_id for o in offers} | {o.buyer_id for o in orders}
    for offer in offers:
        give_back_units(offer.listing_id, offer.committed_quantity)
        offer.status = OfferStatus.CANCELLED
    for order in orders:
        order.status = OrderStatus.CANCELLED
        order.updated_at = now
        db.session.add(
            OrderEvent(order_id=order.id, at=now, actor_id=by.id, action="campaign_cancelled")
        )
    campaign.state = CampaignState.CANCELLED
    campaign.cancel_reason = reason
    campaign.cancelled_at = now
    record("campaign.cancelled", campaign, by=by, reason=reason, units_released=len(offers))
    recipients = member_emails(org_ids)
    db.session.commit()
    if recipients:
        notify(
            recipients,
            _("Campagne annulée : %(title)s", title=campaign.title),
            "campaign_cancelled",
            campaign=campaign,
            reason=reason,
        )
    return campaign


def member_emails(org_ids: set[int]) -> list[str]:
    if not org_ids:
        return []
    return list(
        db.session.execute(
            select(User.email)
            .where(User.organisation_id.in_(org_ids), User.is_removed.is_(False))
            .order_by(User.email)
        ).scalars()
    )


@dataclass(frozen=True)
class TickReport:
    closed: list[str]
    ordering_now: list[str]


def tick_campaigns(now: dt.datetime) -> TickReport:
    """The cron job: close open campaigns whose window has ended, report the others.

    Opening is a coordinator's decision (a draft may still be incomplete); an open campaign
    before ``opens_at`` is scheduled and starts taking orders by itself, because every
    order checks :meth:`Campaign.is_open_at` whatever this job did or did not do.
    """
    due = (
        db.session.execute(
            select(Campaign)
            .where(Campaign.state == CampaignState.OPEN, Campaign.closes_at <= now)
            .order_by(Campaign.id)
        )
        .scalars()
        .all()
    )
    for campaign in due:
        _close(campaign, now, None)
    ordering = (
        db.session.execute(
            select(Campaign.title)
            .where(
                Campaign.state == CampaignState.OPEN,
                Campaign.opens_at <= now,
                Campaign.closes_at > now,
            )
            .order_by(Campaign.closes_at)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return TickReport(closed=[c.title for c in due], ordering_now=list(ordering))
