"""Use cases of the refurbishers' offers in a campaign: commit stock, change it, withdraw
it; the coordinator's decision.

Each function is one transaction: it checks the rules, writes, records the audit event and
commits, or raises a :class:`~nrhub.errors.DomainError` with a French message and writes
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns import services as lifecycle
from nrhub.campaigns.messages import _, notify
from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    OfferStatus,
    OrderLine,
    campaign_category,
)
from nrhub.campaigns.pricing import Tier
from nrhub.campaigns.services import MAX_ORDER_QUANTITY
from nrhub.campaigns.stock import give_back_units, take_units
from nrhub.catalog.models import Listing, ListingStatus
from nrhub.db import utcnow
from nrhub.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from nrhub.extensions import db
from nrhub.formatting import format_money

MAX_TIERS = 5


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


def _release_unused(offer: CampaignOffer, in_use_message: str) -> None:
    """An offer still holding units and that no order uses gives its units back."""
    if offer.status not in HOLDING_STATUSES:
        raise ConflictError(_("Cette offre n'est plus engagée dans la campagne."))
    if _offer_in_use(offer.id):
        raise ConflictError(in_use_message)
    give_back_units(offer.listing_id, offer.committed_quantity)


def decide_offer(
    offer: CampaignOffer, accept: bool, *, by: User, now: dt.datetime | None = None
) -> CampaignOffer:
    """The coordination accepts or refuses an offer; a refused offer gives its units back.

    An accepted offer may still be refused as long as no order uses it.
    """
    lifecycle.require_coordinator(by)
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
        _release_unused(
            offer,
            _(
                "Des collectivités ont déjà commandé sur cette offre : "
                "elle ne peut plus être refusée."
            ),
        )
    offer.status = OfferStatus.ACCEPTED if accept else OfferStatus.REFUSED
    offer.decided_by_id = by.id
    offer.decided_at = now
    record("campaign_offer.accepted" if accept else "campaign_offer.refused", offer, by=by)
    recipients = lifecycle.member_emails({offer.refurbisher_id})
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
    _release_unused(
        offer,
        _("Des collectivités ont déjà commandé sur cette offre : elle ne peut plus être retirée."),
    )
    offer.status = OfferStatus.WITHDRAWN
    record("campaign_offer.withdrawn", offer, by=by, units=offer.committed_quantity)
    db.session.commit()
    return offer
