"""Use cases of pooled purchasing campaigns: campaigns, offers and orders.

Each function is one transaction: it checks the rules, writes, records the audit event and
commits, or raises a :class:`~nrhub.errors.DomainError` with a French message and writes
nothing. The consolidation area takes over once a campaign is closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.labels import STATE_NAMES
from nrhub.campaigns.messages import _, notify
from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    CampaignState,
    OfferStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    campaign_category,
)
from nrhub.campaigns.pricing import Tier
from nrhub.campaigns.stock import give_back_units, take_units
from nrhub.catalog.maintenance import check_choices
from nrhub.catalog.models import Category, Listing, ListingStatus, MaintenanceOffer
from nrhub.clauses.models import Clause
from nrhub.db import utcnow
from nrhub.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from nrhub.extensions import db
from nrhub.formatting import format_datetime, format_money, paris_date_of

MAX_ORDER_QUANTITY = 100_000
MAX_TIERS = 5

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


def _require_coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDeniedError(_("Seule la coordination peut gérer les campagnes."))


def _load_for_update(campaign_id: int) -> Campaign:
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
    _require_coordinator(by)
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
    _require_coordinator(by)
    campaign = _load_for_update(campaign.id)
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
    _require_coordinator(by)
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
    _require_coordinator(by)
    if campaign.state != CampaignState.OPEN:
        raise _refuse_transition(campaign, "close")
    _close(campaign, now or utcnow(), by)
    db.session.commit()
    return campaign


def cancel_campaign(
    campaign: Campaign, reason: str, *, by: User, now: dt.datetime | None = None
) -> Campaign:
    """Cancel before consolidation: committed units go back to stock, participants are told."""
    _require_coordinator(by)
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
    recipients = _member_emails(org_ids)
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


def _member_emails(org_ids: set[int]) -> list[str]:
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


# ---------------------------------------------------------------- offers


def _validate_tiers(tiers: Sequence[Tier], base_price: Decimal) -> list[Tier]:
    tiers = sorted(tiers, key=lambda t: t.min_quantity)
    if len(tiers) > MAX_TIERS:
        raise ValidationError(_("Au plus %(n)d paliers de prix.", n=MAX_TIERS), field="tiers")
    previous_price = base_price
    previous_min = 1
    for tier in tiers:
        if tier.min_quantity <= previous_min:
            raise ValidationError(
                _("Chaque palier doit commencer à au moins 2 unités, sans doublon."),
                field="tiers",
            )
        if not (Decimal("0") < tier.unit_price < previous_price):
            raise ValidationError(
                _(
                    "Chaque palier doit baisser le prix unitaire (prix de base : %(price)s HT).",
                    price=format_money(base_price),
                ),
                field="tiers",
            )
        previous_min, previous_price = tier.min_quantity, tier.unit_price
    return tiers


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or not (1 <= quantity <= MAX_ORDER_QUANTITY):
        raise ValidationError(
            _("La quantité engagée doit être comprise entre 1 et %(max)d.", max=MAX_ORDER_QUANTITY),
            field="committed_quantity",
        )


def _check_campaign_takes_offers(campaign: Campaign, now: dt.datetime) -> None:
    if not campaign.accepts_offers or now >= campaign.closes_at:
        raise ConflictError(
            _("Cette campagne n'accepte plus d'engagement de stock (état ou date de clôture).")
        )


def commit_offer(
    campaign: Campaign,
    listing_id: int,
    quantity: int,
    *,
    by: User,
    tiers: Sequence[Tier] = (),
    now: dt.datetime | None = None,
) -> CampaignOffer:
    """A refurbisher commits units of one of its published listings to a campaign.

    The units leave the listing's free stock at once (never more than it holds); the offer
    waits for the coordination's decision.
    """
    now = now or utcnow()
    if not by.is_refurbisher:
        raise PermissionDeniedError(_("Seuls les reconditionneurs engagent du stock."))
    _check_campaign_takes_offers(campaign, now)
    _check_quantity(quantity)
    listing = db.session.execute(
        select(Listing).where(
            Listing.id == listing_id, Listing.refurbisher_id == by.organisation_id
        )
    ).scalar_one_or_none()
    if listing is None:
        raise NotFoundError(_("Offre de catalogue introuvable."))
    if listing.status != ListingStatus.PUBLISHED:
        raise ConflictError(_("Seule une offre publiée peut être engagée."), field="listing_id")
    eligible = db.session.execute(
        select(
            exists().where(
                campaign_category.c.campaign_id == campaign.id,
                campaign_category.c.category_id == listing.category_id,
            )
        )
    ).scalar_one()
    if not eligible:
        raise ValidationError(
            _("Cette catégorie de matériel n'est pas éligible à la campagne."), field="listing_id"
        )
    tiers = _validate_tiers(tiers, listing.unit_price)
    offer = db.session.execute(
        select(CampaignOffer)
        .options(selectinload(CampaignOffer.tiers))
        .where(CampaignOffer.campaign_id == campaign.id, CampaignOffer.listing_id == listing.id)
    ).scalar_one_or_none()
    if offer is not None and offer.status in HOLDING_STATUSES:
        raise ConflictError(
            _("Cette offre est déjà engagée dans la campagne : modifiez sa quantité."),
            field="listing_id",
        )
    take_units(listing.id, quantity)
    if offer is None:
        offer = CampaignOffer(campaign_id=campaign.id, listing_id=listing.id)
        offer.tiers = []
        db.session.add(offer)
    offer.refurbisher_id = by.organisation_id
    offer.committed_quantity = quantity
    offer.unit_price = listing.unit_price
    offer.status = OfferStatus.PENDING
    offer.decided_by_id = None
    offer.decided_at = None
    offer.created_at = now
    offer.tiers = [
        CampaignOfferTier(min_quantity=t.min_quantity, unit_price=t.unit_price) for t in tiers
    ]
    db.session.flush()
    record("campaign_offer.committed", offer, by=by, campaign_id=campaign.id, quantity=quantity)
    db.session.commit()
    return offer


def _own_offer_for_update(offer_id: int, by: User) -> CampaignOffer:
    offer = db.session.execute(
        select(CampaignOffer)
        .where(CampaignOffer.id == offer_id, CampaignOffer.refurbisher_id == by.organisation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if offer is None or not by.is_refurbisher:
        raise NotFoundError(_("Offre de campagne introuvable."))
    return offer


def change_offer_quantity(
    offer: CampaignOffer, quantity: int, *, by: User, now: dt.datetime | None = None
) -> CampaignOffer:
    """Raise or lower a commitment; the difference moves to or from the free stock."""
    now = now or utcnow()
    _check_quantity(quantity)
    offer = _own_offer_for_update(offer.id, by)
    campaign = db.session.get(Campaign, offer.campaign_id)
    assert campaign is not None
    _check_campaign_takes_offers(campaign, now)
    if offer.status not in HOLDING_STATUSES:
        raise ConflictError(_("Cette offre n'est plus engagée dans la campagne."))
    delta = quantity - offer.committed_quantity
    if delta > 0:
        take_units(offer.listing_id, delta)
    else:
        give_back_units(offer.listing_id, -delta)
    before = offer.committed_quantity
    offer.committed_quantity = quantity
    record("campaign_offer.quantity_changed", offer, by=by, before=before, after=quantity)
    db.session.commit()
    return offer


def _offer_in_use(offer_id: int) -> bool:
    return bool(
        db.session.execute(select(exists().where(OrderLine.offer_id == offer_id))).scalar_one()
    )


def decide_offer(
    offer: CampaignOffer, accept: bool, *, by: User, now: dt.datetime | None = None
) -> CampaignOffer:
    """The coordination accepts or refuses an offer; a refused offer gives its units back.

    An accepted offer may still be refused as long as no order uses it.
    """
    _require_coordinator(by)
    now = now or utcnow()
    offer = db.session.execute(
        select(CampaignOffer)
        .where(CampaignOffer.id == offer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    campaign = db.session.get(Campaign, offer.campaign_id)
    assert campaign is not None
    if not campaign.accepts_offers:
        raise ConflictError(_("Les offres ne se décident plus une fois la campagne clôturée."))
    if accept and offer.status != OfferStatus.PENDING:
        raise ConflictError(_("Seule une offre en attente peut être acceptée."))
    if not accept:
        if offer.status not in HOLDING_STATUSES:
            raise ConflictError(_("Cette offre n'est plus engagée dans la campagne."))
        if _offer_in_use(offer.id):
            raise ConflictError(
                _(
                    "Des collectivités ont déjà commandé sur cette offre : "
                    "elle ne peut plus être refusée."
                )
            )
        give_back_units(offer.listing_id, offer.committed_quantity)
    offer.status = OfferStatus.ACCEPTED if accept else OfferStatus.REFUSED
    offer.decided_by_id = by.id
    offer.decided_at = now
    record("campaign_offer.accepted" if accept else "campaign_offer.refused", offer, by=by)
    recipients = _member_emails({offer.refurbisher_id})
    listing_title = db.session.execute(
        select(Listing.brand + " " + Listing.model).where(Listing.id == offer.listing_id)
    ).scalar_one()
    db.session.commit()
    notify(
        recipients,
        _("Votre offre pour « %(title)s »", title=campaign.title),
        "campaign_offer_decided",
        campaign=campaign,
        offer=offer,
        listing_title=listing_title,
        accepted=accept,
    )
    return offer


def withdraw_offer(
    offer: CampaignOffer, *, by: User, now: dt.datetime | None = None
) -> CampaignOffer:
    """A refurbisher takes its offer back, only while no order uses it; units return."""
    now = now or utcnow()
    offer = _own_offer_for_update(offer.id, by)
    campaign = db.session.get(Campaign, offer.campaign_id)
    assert campaign is not None
    if not campaign.accepts_offers:
        raise ConflictError(_("Cette campagne est clôturée : l'offre ne peut plus être retirée."))
    if offer.status not in HOLDING_STATUSES:
        raise ConflictError(_("Cette offre n'est plus engagée dans la campagne."))
    if _offer_in_use(offer.id):
        raise ConflictError(
            _(
                "Des collectivités ont déjà commandé sur cette offre : "
                "elle ne peut plus être retirée."
            )
        )
    give_back_units(offer.listing_id, offer.committed_quantity)
    offer.status = OfferStatus.WITHDRAWN
    record("campaign_offer.withdrawn", offer, by=by, units=offer.committed_quantity)
    db.session.commit()
    return offer


# ---------------------------------------------------------------- orders


def _order_snapshot(
    lines: Mapping[int, int], maintenance: Mapping[int, int | None] | None = None
) -> list[dict[str, int]]:
    snapshot = [{"offer_id": oid, "quantity": q} for oid, q in sorted(lines.items())]
    for row in snapshot:
        maintenance_id = (maintenance or {}).get(row["offer_id"])
        if maintenance_id:
            row["maintenance_offer_id"] = maintenance_id
    return snapshot


def _checked_maintenance(
    campaign: Campaign, choices: Mapping[int, int | None]
) -> dict[int, MaintenanceOffer | None]:
    """The maintenance chosen per campaign offer, each an active offer of its listing."""
    if not choices:
        return {}
    listing_of_offer = dict(
        db.session.execute(
            select(CampaignOffer.id, CampaignOffer.listing_id).where(
                CampaignOffer.campaign_id == campaign.id, CampaignOffer.id.in_(set(choices))
            )
        ).all()
    )
    return check_choices(choices, listing_of_offer)


def _check_ordering(campaign: Campaign, now: dt.datetime) -> None:
    if not campaign.is_open_at(now):
        raise ConflictError(
            _(
                "La campagne n'accepte pas de commande en ce moment "
                "(commandes du %(opens)s au %(closes)s).",
                opens=format_datetime(campaign.opens_at),
                closes=format_datetime(campaign.closes_at),
            )
        )


def place_order(
    campaign: Campaign,
    quantities: Mapping[int, int],
    *,
    by: User,
    now: dt.datetime | None = None,
    maintenance: Mapping[int, int | None] | None = None,
) -> Order:
    """Create or change the buyer's one order in an open campaign.

    ``quantities`` maps accepted offers of the campaign to the wanted quantity; 0 removes
    the line, offers not mentioned keep their line. Every real change is appended to the
    order's history; an unchanged order is left as it was. ``maintenance`` maps offers to
    the chosen maintenance offer of their listing (None: none); offers not mentioned keep
    their choice.
    """
    now = now or utcnow()
    if not by.is_buyer:
        raise PermissionDeniedError(_("Seules les collectivités acheteuses passent commande."))
    _check_ordering(campaign, now)
    for offer_id, quantity in quantities.items():
        if not isinstance(quantity, int) or not 0 <= quantity <= MAX_ORDER_QUANTITY:
            raise ValidationError(
                _("Quantité invalide : entre 0 et %(max)d.", max=MAX_ORDER_QUANTITY),
                field=f"qty_{offer_id}",
            )
    wanted_ids = set(quantities)
    # FOR SHARE: an offer cannot be withdrawn or refused while this order takes it.
    valid_ids = set(
        db.session.execute(
            select(CampaignOffer.id)
            .where(
                CampaignOffer.id.in_(wanted_ids),
                CampaignOffer.campaign_id == campaign.id,
                CampaignOffer.status == OfferStatus.ACCEPTED,
            )
            .with_for_update(read=True)
        ).scalars()
    )
    if wanted_ids - valid_ids:
        raise ValidationError(_("Une des offres n'est pas ou plus proposée dans cette campagne."))
    chosen = _checked_maintenance(campaign, maintenance or {})
    order = db.session.execute(
        select(Order)
        .options(selectinload(Order.lines))
        .where(Order.campaign_id == campaign.id, Order.buyer_id == by.organisation_id)
    ).scalar_one_or_none()
    if order is None:
        order = Order(campaign_id=campaign.id, buyer_id=by.organisation_id, created_at=now)
        order.lines = []
        db.session.add(order)
        action = "created"
    elif order.status == OrderStatus.CANCELLED:
        action = "reactivated"
    else:
        action = "updated"
    current = {line.offer_id: line.quantity for line in order.lines}
    target = dict(current) | {oid: q for oid, q in quantities.items()}
    target = {oid: q for oid, q in target.items() if q > 0}
    if not target:
        if action == "updated":
            raise ValidationError(
                _("Votre commande serait vide : pour renoncer, annulez la commande.")
            )
        raise ValidationError(_("Indiquez au moins une quantité."))
    current_maintenance = {line.offer_id: line.maintenance_offer_id for line in order.lines}
    target_maintenance = {
        oid: (chosen[oid].id if chosen.get(oid) else None)
        if oid in chosen
        else current_maintenance.get(oid)
        for oid in target
    }
    if (
        action == "updated"
        and target == current
        and target_maintenance == {oid: current_maintenance.get(oid) for oid in target}
    ):
        db.session.rollback()
        return order
    by_offer = {line.offer_id: line for line in order.lines}
    for offer_id, line in by_offer.items():
        if offer_id not in target:
            order.lines.remove(line)
        elif line.quantity != target[offer_id]:
            line.quantity = target[offer_id]
            line.updated_at = now
    for offer_id, quantity in target.items():
        if offer_id not in by_offer:
            order.lines.append(OrderLine(offer_id=offer_id, quantity=quantity, updated_at=now))
    for line in order.lines:
        if line.offer_id in chosen:
            choice = chosen[line.offer_id]
            line.maintenance_offer_id = choice.id if choice else None
            line.maintenance_unit_price = choice.unit_price if choice else None
    order.status = OrderStatus.ACTIVE
    order.updated_at = now
    try:
        db.session.flush()
    except IntegrityError as err:  # two people of one buyer created the order at once
        db.session.rollback()
        raise ConflictError(
            _("Votre organisation vient d'enregistrer une commande : rechargez la page.")
        ) from err
    snapshot = _order_snapshot(target, target_maintenance)
    db.session.add(
        OrderEvent(order_id=order.id, at=now, actor_id=by.id, action=action, lines=snapshot)
    )
    record(f"order.{action}", order, by=by, campaign_id=campaign.id, lines=snapshot)
    db.session.commit()
    return order


def cancel_order(order: Order, *, by: User, now: dt.datetime | None = None) -> Order:
    """The buyer gives up its order while the campaign is open (history is kept)."""
    now = now or utcnow()
    if not by.is_buyer or order.buyer_id != by.organisation_id:
        raise NotFoundError(_("Commande introuvable."))
    campaign = db.session.get(Campaign, order.campaign_id)
    assert campaign is not None
    _check_ordering(campaign, now)
    if order.status != OrderStatus.ACTIVE:
        raise ConflictError(_("Cette commande est déjà annulée."))
    db.session.execute(delete(OrderLine).where(OrderLine.order_id == order.id))
    db.session.expire(order, ["lines"])
    order.status = OrderStatus.CANCELLED
    order.updated_at = now
    db.session.add(OrderEvent(order_id=order.id, at=now, actor_id=by.id, action="cancelled"))
    record("order.cancelled", order, by=by, campaign_id=campaign.id)
    db.session.commit()
    return order
