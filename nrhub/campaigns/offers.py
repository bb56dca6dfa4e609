"""Use cases of the refurbishers' offers in a campaign: commit stock, change it, withdraw
it; the coordinator's decision.

Each function runs inside the caller's unit of work: it checks the rules, writes, records
the audit event and flushes, or raises a :class:`~nrhub.errors.DomainError` with a French
message (the unit of work undoes the request). An offer's status and committed quantity
change by compare-and-set (:mod:`nrhub.campaigns.states`), and units move to or from the
free stock only for the caller whose statement changed the row.

Lock order, the same for every writer: the campaign's row, then the offer's, then the
listings' (in id order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from nrhub.access import require
from nrhub.agreements import frameworks
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns import policy
from nrhub.campaigns.messages import _
from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    OFFER_STATES,
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    CampaignState,
    OfferStatus,
    OrderLine,
    campaign_category,
)
from nrhub.campaigns.pricing import Tier
from nrhub.campaigns.services import MAX_ORDER_QUANTITY
from nrhub.campaigns.states import change_commitment, move_offer
from nrhub.campaigns.stock import give_back_units, take_units
from nrhub.catalog.models import Listing, ListingStatus
from nrhub.db import utcnow
from nrhub.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
)
from nrhub.extensions import db
from nrhub.formatting import format_datetime, format_money
from nrhub.mail import queue_mail
from nrhub.organisations.queries import recipients_of

MAX_TIERS = 5


def _validate_tiers(tiers: Sequence[Tier], base_price: Decimal, committed: int) -> list[Tier]:
    """Tiers start at 2 units or more, each lowers the price, and none needs more units than
    the offer commits (allocation never exceeds them: such a tier could never be reached)."""
    tiers = sorted(tiers, key=lambda t: t.min_quantity)
    if tiers and tiers[-1].min_quantity > committed:
        raise ValidationError(
            _(
                "Le palier « dès %(n)s » dépasse les %(committed)s unités engagées : "
                "il ne pourrait jamais être atteint.",
                n=tiers[-1].min_quantity,
                committed=committed,
            ),
            field="tiers",
        )
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


def _campaign_row(
    campaign_id: int,
) -> Row[CampaignState, dt.datetime, dt.datetime | None, int | None]:
    """The campaign's state and closing time as committed now, its row held (FOR SHARE on
    PostgreSQL) until the end of the transaction: a close, a cancel or a consolidation
    waits for this offer's change, then sees it. Taken before the offer's row (the lock
    order of every writer)."""
    return db.session.execute(
        select(
            Campaign.state, Campaign.closes_at, Campaign.offers_due_at, Campaign.framework_lot_id
        )
        .where(Campaign.id == campaign_id)
        .with_for_update(read=True)
    ).one()


def _accepts_offers(state: str) -> bool:
    return state in OFFER_STATES


def _check_campaign_takes_offers(campaign_id: int, now: dt.datetime) -> int | None:
    """Refurbishers change stock in the call or open states, before the call's deadline
    (when the campaign had a call) and before ordering closes. The campaign's framework
    lot, if any."""
    row = _campaign_row(campaign_id)
    if not _accepts_offers(row.state) or now >= row.closes_at:
        raise ConflictError(
            _("Cette campagne n'accepte plus d'engagement de stock (état ou date de clôture).")
        )
    if row.offers_due_at is not None and now >= row.offers_due_at:
        raise ConflictError(
            _(
                "La date limite de l'appel de stock est passée (%(date)s) : "
                "les engagements ne se modifient plus.",
                date=format_datetime(row.offers_due_at),
            )
        )
    lot_id: int | None = row.framework_lot_id
    return lot_id


def _not_committed() -> ConflictError:
    return ConflictError(_("Cette offre n'est plus engagée dans la campagne."))


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
    require(policy.can_commit_stock(by))
    _check_quantity(quantity)
    lot_id = _check_campaign_takes_offers(campaign.id, now)
    if lot_id is not None:
        frameworks.check_holder(lot_id, by.organisation_id)
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
    tiers = _validate_tiers(tiers, listing.unit_price, quantity)
    offer = db.session.execute(
        select(CampaignOffer)
        .options(selectinload(CampaignOffer.tiers))
        .where(CampaignOffer.campaign_id == campaign.id, CampaignOffer.listing_id == listing.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if offer is None:
        offer = _new_offer(campaign.id, listing, quantity, by=by, now=now)
    elif offer.status in HOLDING_STATUSES or not move_offer(
        offer.id, (offer.status,), OfferStatus.PENDING
    ):
        raise _already_committed()
    take_units(listing.id, quantity)
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
    return offer


def _already_committed() -> ConflictError:
    return ConflictError(
        _("Cette offre est déjà engagée dans la campagne : modifiez sa quantité."),
        field="listing_id",
    )


def _new_offer(
    campaign_id: int, listing: Listing, quantity: int, *, by: User, now: dt.datetime
) -> CampaignOffer:
    """Insert the offer's row in a savepoint: when the same listing is committed at the
    same moment elsewhere, the unique constraint refuses the second one, and only its
    insert is undone."""
    offer = CampaignOffer(
        campaign_id=campaign_id,
        listing_id=listing.id,
        refurbisher_id=by.organisation_id,
        committed_quantity=quantity,
        unit_price=listing.unit_price,
        status=OfferStatus.PENDING,
        created_at=now,
    )
    offer.tiers = []
    try:
        with db.session.begin_nested():
            db.session.add(offer)
    except IntegrityError as err:
        raise _already_committed() from err
    return offer


def _offer_for_update(offer_id: int, by: User | None = None) -> CampaignOffer:
    """The offer as committed now, its row locked until the end of the transaction; with
    ``by``, only an offer of that refurbisher."""
    query = (
        select(CampaignOffer)
        .where(CampaignOffer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if by is not None:
        query = query.where(CampaignOffer.refurbisher_id == by.organisation_id)
    offer = db.session.execute(query).scalar_one_or_none()
    if offer is None or (by is not None and not by.is_refurbisher):
        raise NotFoundError(_("Offre de campagne introuvable."))
    return offer


def change_offer_quantity(
    offer: CampaignOffer, quantity: int, *, by: User, now: dt.datetime | None = None
) -> CampaignOffer:
    """Raise or lower a commitment; the difference moves to or from the free stock."""
    now = now or utcnow()
    _check_quantity(quantity)
    _check_campaign_takes_offers(offer.campaign_id, now)
    offer = _offer_for_update(offer.id, by)
    before = offer.committed_quantity
    highest_own_tier = db.session.execute(
        select(func.max(CampaignOfferTier.min_quantity)).where(
            CampaignOfferTier.offer_id == offer.id
        )
    ).scalar_one()
    if highest_own_tier is not None and quantity < highest_own_tier:
        raise ValidationError(
            _(
                "Votre palier « dès %(n)s » ne serait plus atteignable : engagez au moins "
                "%(n)s unités.",
                n=highest_own_tier,
            ),
            field="committed_quantity",
        )
    if offer.status not in HOLDING_STATUSES or not change_commitment(offer.id, before, quantity):
        raise _not_committed()
    if quantity > before:
        take_units(offer.listing_id, quantity - before)
    else:
        give_back_units(offer.listing_id, before - quantity)
    record("campaign_offer.quantity_changed", offer, by=by, before=before, after=quantity)
    db.session.flush()
    return offer


def _offer_in_use(offer_id: int) -> bool:
    return bool(
        db.session.execute(select(exists().where(OrderLine.offer_id == offer_id))).scalar_one()
    )


def _release(offer: CampaignOffer, to: OfferStatus, in_use_message: str, **values: object) -> None:
    """Move an offer that holds units and that no order uses out of its holding status, and
    give its units back. The caller holds the offer's row (an order taking it waits)."""
    if offer.status not in HOLDING_STATUSES:
        raise _not_committed()
    if _offer_in_use(offer.id):
        raise ConflictError(in_use_message)
    units = offer.committed_quantity
    if not move_offer(offer.id, HOLDING_STATUSES, to, **values):
        raise _not_committed()
    give_back_units(offer.listing_id, units)


def decide_offer(
    offer: CampaignOffer, accept: bool, *, by: User, now: dt.datetime | None = None
) -> CampaignOffer:
    """The coordination accepts or refuses an offer; a refused offer gives its units back.

    An accepted offer may still be refused as long as no order uses it.
    """
    require(policy.can_manage_campaigns(by))
    now = now or utcnow()
    campaign_state = _campaign_row(offer.campaign_id).state
    offer = _offer_for_update(offer.id)
    if not _accepts_offers(campaign_state):
        raise ConflictError(_("Les offres ne se décident plus une fois la campagne clôturée."))
    decision = {"decided_by_id": by.id, "decided_at": now}
    if accept:
        if not move_offer(offer.id, (OfferStatus.PENDING,), OfferStatus.ACCEPTED, **decision):
            raise ConflictError(_("Seule une offre en attente peut être acceptée."))
    else:
        _release(
            offer,
            OfferStatus.REFUSED,
            _(
                "Des collectivités ont déjà commandé sur cette offre : "
                "elle ne peut plus être refusée."
            ),
            **decision,
        )
    record("campaign_offer.accepted" if accept else "campaign_offer.refused", offer, by=by)
    db.session.flush()
    campaign = db.session.get(Campaign, offer.campaign_id)
    assert campaign is not None
    listing_title = db.session.execute(
        select(Listing.brand + " " + Listing.model).where(Listing.id == offer.listing_id)
    ).scalar_one()
    queue_mail(
        recipients_of([offer.refurbisher_id]),
        _l("Votre offre pour « %(title)s »", title=campaign.title),
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
    _check_campaign_takes_offers(offer.campaign_id, now)
    offer = _offer_for_update(offer.id, by)
    units = offer.committed_quantity
    _release(
        offer,
        OfferStatus.WITHDRAWN,
        _("Des collectivités ont déjà commandé sur cette offre : elle ne peut plus être retirée."),
    )
    record("campaign_offer.withdrawn", offer, by=by, units=units)
    db.session.flush()
    return offer
