"""Use cases of pooled purchasing campaigns: a campaign's life, from draft to closing.

The refurbishers' offers are in :mod:`nrhub.campaigns.offers`, the buyers' orders in
:mod:`nrhub.campaigns.orders`.

Each function runs inside the caller's unit of work (:mod:`nrhub.transactions`): it checks
the rules, writes, records the audit event and flushes, or raises a
:class:`~nrhub.errors.DomainError` with a French message, and the unit of work undoes the
request. Every change of state is a compare-and-set (:mod:`nrhub.campaigns.states`) and its
side effects belong to the caller that moved the row. The consolidation area takes over
once a campaign is closed; its first write moves the campaign from closed to consolidated,
so that a cancel and a consolidation exclude each other on the campaign's row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.labels import STATE_NAMES
from nrhub.campaigns.messages import _
from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    OrderEvent,
    OrderStatus,
)
from nrhub.campaigns.states import (
    current_state,
    move_campaign,
    move_offers_of,
    move_orders_of,
)
from nrhub.campaigns.stock import give_back_all
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
from nrhub.mail import queue_mail
from nrhub.organisations.queries import recipients_of

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
    """The campaign as committed now, its row locked until the end of the transaction (on
    PostgreSQL; SQLite's write transactions are serialised anyway)."""
    return db.session.execute(
        select(Campaign)
        .options(selectinload(Campaign.categories), selectinload(Campaign.clauses))
        .where(Campaign.id == campaign_id)
        .with_for_update()
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
    db.session.flush()
    return campaign


def _refuse_transition(campaign_id: int, action: str) -> ConflictError:
    """The refusal of a move that found the campaign in another state (read afresh: a
    concurrent request may just have moved it)."""
    state = _(STATE_NAMES[current_state(campaign_id)])
    messages = {
        "open": _("Impossible d'ouvrir une campagne %(state)s.", state=state),
        "close": _("Impossible de clôturer une campagne %(state)s.", state=state),
        "cancel": _("Impossible d'annuler une campagne %(state)s.", state=state),
    }
    return ConflictError(messages[action])


# The states from which a campaign may be cancelled: before consolidation.
CANCELLABLE_STATES = (CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED)


def open_campaign(campaign: Campaign, *, by: User, now: dt.datetime | None = None) -> Campaign:
    """Publish a draft: buyers see it and may order once its window has started.

    Opening before ``opens_at`` schedules the campaign: refurbishers can commit offers
    and orders are accepted from ``opens_at`` (see :meth:`Campaign.is_open_at`).
    """
    require_coordinator(by)
    now = now or utcnow()
    opened = move_campaign(
        campaign.id,
        (CampaignState.DRAFT,),
        CampaignState.OPEN,
        provided=[Campaign.closes_at > now],
    )
    if not opened:
        if current_state(campaign.id) != CampaignState.DRAFT:
            raise _refuse_transition(campaign.id, "open")
        raise ConflictError(
            _("La période de commande est déjà passée : modifiez les dates avant d'ouvrir.")
        )
    record("campaign.opened", campaign, by=by)
    db.session.flush()
    return campaign


def _close(campaign: Campaign, now: dt.datetime, by: User | None) -> bool:
    """Close an open campaign and release the offers still pending (units back to stock).

    False when the campaign was no longer open (a concurrent close or cancel moved it).
    """
    if not move_campaign(campaign.id, (CampaignState.OPEN,), CampaignState.CLOSED, closed_at=now):
        return False
    released = move_offers_of(
        campaign.id, (OfferStatus.PENDING,), OfferStatus.REFUSED, decided_at=now
    )
    give_back_all((row.listing_id, row.committed_quantity) for row in released)
    record(
        "campaign.closed",
        campaign,
        by=by,
        organisation_id=by.organisation_id if by else None,
        early=now < campaign.closes_at,
        pending_offers_released=len(released),
    )
    return True


def close_campaign(campaign: Campaign, *, by: User, now: dt.datetime | None = None) -> Campaign:
    """End ordering (possibly before ``closes_at``); orders are locked for consolidation.

    Offers still waiting for a decision are refused and give their units back.
    """
    require_coordinator(by)
    if not _close(campaign, now or utcnow(), by):
        raise _refuse_transition(campaign.id, "close")
    db.session.flush()
    return campaign


def cancel_campaign(
    campaign: Campaign, reason: str, *, by: User, now: dt.datetime | None = None
) -> Campaign:
    """Cancel before consolidation: committed units go back to stock, orders are cancelled,
    participants are told.

    Only the caller that moved the campaign to "cancelled" gives units back, and each offer
    is itself moved out of its holding status by one statement, so that no unit ever comes
    back twice (a withdrawal or a refusal racing the cancel moves the offer, or finds it
    moved).
    """
    require_coordinator(by)
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(_("Expliquez la raison de l'annulation."), field="reason")
    moved = move_campaign(
        campaign.id,
        CANCELLABLE_STATES,
        CampaignState.CANCELLED,
        cancel_reason=reason,
        cancelled_at=now,
    )
    if not moved:
        raise _refuse_transition(campaign.id, "cancel")
    offers = move_offers_of(campaign.id, HOLDING_STATUSES, OfferStatus.CANCELLED)
    give_back_all((row.listing_id, row.committed_quantity) for row in offers)
    orders = move_orders_of(
        campaign.id, (OrderStatus.ACTIVE,), OrderStatus.CANCELLED, updated_at=now
    )
    if orders:
        db.session.execute(
            insert(OrderEvent),
            [
                {
                    "order_id": row.id,
                    "at": now,
                    "actor_id": by.id,
                    "action": "campaign_cancelled",
                    "lines": [],
                }
                for row in orders
            ],
        )
    record(
        "campaign.cancelled",
        campaign,
        by=by,
        reason=reason,
        offers_released=len(offers),
        units_released=sum(row.committed_quantity for row in offers),
        orders_cancelled=len(orders),
    )
    db.session.flush()
    participants = {row.refurbisher_id for row in offers} | {row.buyer_id for row in orders}
    queue_mail(
        recipients_of(participants),
        _l("Campagne annulée : %(title)s", title=campaign.title),
        "campaign_cancelled",
        campaign=campaign,
        reason=reason,
    )
    return campaign


@dataclass(frozen=True)
class TickReport:
    closed: list[str]
    ordering_now: list[str]


def tick_campaigns(now: dt.datetime) -> TickReport:
    """The cron job: close open campaigns whose window has ended, report the others.

    Opening is a coordinator's decision (a draft may still be incomplete); an open campaign
    before ``opens_at`` is scheduled and starts taking orders by itself, because every
    order checks :meth:`Campaign.is_open_at` whatever this job did or did not do. A
    campaign closed or cancelled meanwhile by a coordinator is left as it is.
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
    closed = [campaign.title for campaign in due if _close(campaign, now, None)]
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
    db.session.flush()
    return TickReport(closed=closed, ordering_now=list(ordering))
