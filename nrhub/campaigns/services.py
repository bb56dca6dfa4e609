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
from sqlalchemy import exists, insert, select
from sqlalchemy.orm import selectinload

from nrhub.access import require
from nrhub.agreements.models import FrameworkLot
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns import calloffs, policy
from nrhub.campaigns.labels import STATE_NAMES
from nrhub.campaigns.messages import _
from nrhub.campaigns.models import (
    CANCELLABLE_STATES,
    HOLDING_STATUSES,
    OFFER_STATES,
    OPENABLE_STATES,
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    OrderEvent,
    OrderStatus,
    campaign_category,
)
from nrhub.campaigns.states import (
    current_state,
    move_campaign,
    move_offers_of,
    move_orders_of,
)
from nrhub.campaigns.stock import give_back_all
from nrhub.catalog.models import Category, Listing, ListingStatus
from nrhub.clauses.models import Clause
from nrhub.db import utcnow
from nrhub.errors import (
    ConflictError,
    ValidationError,
)
from nrhub.extensions import db
from nrhub.formatting import current_language, paris_date_of
from nrhub.mail import queue_mail
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
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
    # A call-off under this lot of a framework agreement (None: outside any agreement).
    framework_lot_id: int | None = None


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
    _apply_framework_lot(campaign, data.framework_lot_id, {c.id for c in categories})


def _apply_framework_lot(campaign: Campaign, lot_id: int | None, category_ids: set[int]) -> None:
    """A campaign enters or leaves a lot only as a draft (offers and orders then depend on
    it); its categories stay within the lot's, when the lot names some."""
    if lot_id != campaign.framework_lot_id and campaign.state != CampaignState.DRAFT:
        raise ValidationError(
            _(
                "Le lot d'accord-cadre ne se change plus une fois l'appel de stock publié "
                "ou les commandes ouvertes."
            ),
            field="framework_lot_id",
        )
    if lot_id is None:
        campaign.framework_lot_id = None
        return
    lot = db.session.execute(
        select(FrameworkLot)
        .options(selectinload(FrameworkLot.categories))
        .where(FrameworkLot.id == lot_id)
    ).scalar_one_or_none()
    if lot is None:
        raise ValidationError(_("Lot d'accord-cadre inconnu."), field="framework_lot_id")
    allowed = {c.id for c in lot.categories}
    if allowed and category_ids - allowed:
        raise ValidationError(
            _(
                "Les catégories de la campagne doivent relever du lot choisi : %(names)s.",
                names=", ".join(c.label(current_language()) for c in lot.categories),
            ),
            field="category_ids",
        )
    campaign.framework_lot_id = lot.id


def create_campaign(data: CampaignData, *, by: User) -> Campaign:
    """A coordinator prepares a campaign; it starts as a draft only the hub sees."""
    require(policy.can_manage_campaigns(by))
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
    require(policy.can_manage_campaigns(by))
    campaign = load_for_update(campaign.id)
    if campaign.state not in (CampaignState.DRAFT, *OFFER_STATES):
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
    if campaign.offers_due_at is not None and data.closes_at < campaign.offers_due_at:
        raise ValidationError(
            _("La clôture des commandes ne peut pas précéder la date limite de l'appel de stock."),
            field="closes_at",
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
        "call": _("Impossible de publier l'appel de stock d'une campagne %(state)s.", state=state),
        "open": _("Impossible d'ouvrir une campagne %(state)s.", state=state),
        "close": _("Impossible de clôturer une campagne %(state)s.", state=state),
        "cancel": _("Impossible d'annuler une campagne %(state)s.", state=state),
    }
    return ConflictError(messages[action])


def publish_call(
    campaign: Campaign,
    offers_due_at: dt.datetime,
    *,
    by: User,
    now: dt.datetime | None = None,
) -> Campaign:
    """Publish a draft's call for stock: the refurbishers of its categories are e-mailed,
    see the campaign and commit stock until ``offers_due_at`` (its own deadline, after now
    and not after the close of ordering). Buyers do not see it until ordering opens."""
    require(policy.can_manage_campaigns(by))
    now = now or utcnow()
    if offers_due_at <= now:
        raise ValidationError(
            _("La date limite de l'appel de stock doit être dans le futur."),
            field="offers_due_at",
        )
    published = move_campaign(
        campaign.id,
        (CampaignState.DRAFT,),
        CampaignState.CALL_FOR_STOCK,
        provided=[Campaign.closes_at >= offers_due_at],
        offers_due_at=offers_due_at,
    )
    if not published:
        if current_state(campaign.id) != CampaignState.DRAFT:
            raise _refuse_transition(campaign.id, "call")
        raise ValidationError(
            _("La date limite de l'appel de stock ne peut pas suivre la clôture des commandes."),
            field="offers_due_at",
        )
    record("campaign.call_published", campaign, by=by, offers_due_at=offers_due_at.isoformat())
    db.session.flush()
    queue_mail(
        recipients_of(refurbishers_of_categories(campaign.id)),
        _l("Appel de stock : %(title)s", title=campaign.title),
        "campaign_call_for_stock",
        campaign=campaign,
        offers_due_at=offers_due_at,
    )
    return campaign


def refurbishers_of_categories(campaign_id: int) -> list[int]:
    """Active refurbishers with a listing (not archived) in one of the campaign's
    categories: those the call for stock concerns."""
    return list(
        db.session.execute(
            select(Organisation.id)
            .where(
                Organisation.kind == OrgKind.REFURBISHER,
                Organisation.status == OrgStatus.ACTIVE,
                exists().where(
                    Listing.refurbisher_id == Organisation.id,
                    Listing.status != ListingStatus.ARCHIVED,
                    Listing.category_id.in_(
                        select(campaign_category.c.category_id).where(
                            campaign_category.c.campaign_id == campaign_id
                        )
                    ),
                ),
            )
            .order_by(Organisation.id)
        ).scalars()
    )


def active_buyers() -> list[int]:
    """Every active member buyer: those whom opening a campaign concerns."""
    return list(
        db.session.execute(
            select(Organisation.id)
            .where(Organisation.kind == OrgKind.BUYER, Organisation.status == OrgStatus.ACTIVE)
            .order_by(Organisation.id)
        ).scalars()
    )


def open_campaign(campaign: Campaign, *, by: User, now: dt.datetime | None = None) -> Campaign:
    """Open ordering, after the call for stock (or straight from a draft): member buyers are
    e-mailed, see it and may order once its window has started.

    Opening before ``opens_at`` schedules the campaign: orders are accepted from
    ``opens_at`` (see :meth:`Campaign.is_open_at`).
    """
    require(policy.can_manage_campaigns(by))
    now = now or utcnow()
    opened = move_campaign(
        campaign.id,
        OPENABLE_STATES,
        CampaignState.OPEN,
        provided=[Campaign.closes_at > now],
    )
    if not opened:
        if current_state(campaign.id) not in OPENABLE_STATES:
            raise _refuse_transition(campaign.id, "open")
        raise ConflictError(
            _("La période de commande est déjà passée : modifiez les dates avant d'ouvrir.")
        )
    record("campaign.opened", campaign, by=by)
    db.session.flush()
    queue_mail(
        recipients_of(active_buyers()),
        _l("Commandes ouvertes : %(title)s", title=campaign.title),
        "campaign_opened",
        campaign=campaign,
    )
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
    require(policy.can_manage_campaigns(by))
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
    require(policy.can_manage_campaigns(by))
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
    lot_id = calloffs.lot_of(campaign.id)
    if lot_id is not None:
        calloffs.engage(lot_id, -calloffs.campaign_orders_amount(campaign.id))
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
