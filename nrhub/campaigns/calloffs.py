"""Campaigns as call-offs (bons de commande) under a lot of a framework agreement: what
their orders weigh against the lot's maximum.

Before consolidation an order weighs its lines at the offers' base unit price (the pooled
price can only be lower) with the maintenance chosen; the consolidation then replaces the
campaign's orders by its purchase orders' totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import selectinload

from nrhub.agreements import frameworks
from nrhub.agreements.models import FrameworkLot, FrameworkLotHolder
from nrhub.campaigns.models import Campaign, CampaignOffer, Order, OrderLine, OrderStatus
from nrhub.db import from_cents
from nrhub.extensions import db


def lot_of(campaign_id: int) -> int | None:
    return db.session.execute(
        select(Campaign.framework_lot_id).where(Campaign.id == campaign_id)
    ).scalar_one_or_none()


def orders_amount(*where: Any) -> Decimal:
    """Σ HT of the active orders' lines matching ``where`` (base price and maintenance)."""
    unit_cents = type_coerce(CampaignOffer.unit_price, BigInteger) + func.coalesce(
        type_coerce(OrderLine.maintenance_unit_price, BigInteger), 0
    )
    cents = db.session.execute(
        select(func.coalesce(func.sum(OrderLine.quantity * unit_cents), 0))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(CampaignOffer, CampaignOffer.id == OrderLine.offer_id)
        .where(Order.status == OrderStatus.ACTIVE, *where)
    ).scalar_one()
    return from_cents(int(cents)) or Decimal("0")


def order_amount(order_id: int) -> Decimal:
    return orders_amount(Order.id == order_id)


def campaign_orders_amount(campaign_id: int) -> Decimal:
    return orders_amount(Order.campaign_id == campaign_id)


def engage(lot_id: int | None, delta: Decimal) -> None:
    """Move the amount ordered under the campaign's lot (nothing without a lot)."""
    if lot_id is not None:
        frameworks.engage(lot_id, delta)


@dataclass(frozen=True)
class CallOffFrame:
    """What open data says of the framework agreement a campaign calls off: the contract
    of one lot (``contract_id``, at most the 16 characters DECP allows)."""

    contract_id: str
    reference: str
    title: str
    lot_number: int
    lot_title: str
    procedure: str
    ccag: str
    awarded_on: dt.date
    duration_months: int
    maximum_amount: Decimal
    cpv_code: str
    holder_sirets: tuple[str, ...]
    # (refurbisher id, the holder's own contract reference)
    holder_references: tuple[tuple[int, str], ...] = ()

    def reference_of(self, refurbisher_id: int) -> str:
        return next((ref for org, ref in self.holder_references if org == refurbisher_id), "")

    @property
    def label(self) -> str:
        return f"{self.reference}, lot {self.lot_number} : {self.lot_title}"


def call_off_frame(campaign_id: int) -> CallOffFrame | None:
    """The frame of a campaign under a lot (None outside any agreement; no query when the
    campaign is already in the session and has no lot)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.framework_lot_id is None:
        return None
    lot = db.session.execute(
        select(FrameworkLot)
        .options(
            selectinload(FrameworkLot.agreement),
            selectinload(FrameworkLot.holders).selectinload(FrameworkLotHolder.refurbisher),
        )
        .where(FrameworkLot.id == campaign.framework_lot_id)
    ).scalar_one_or_none()
    if lot is None:
        return None
    agreement = lot.agreement
    return CallOffFrame(
        contract_id=f"{agreement.reference}-L{lot.number}",
        reference=agreement.reference,
        title=agreement.title,
        lot_number=lot.number,
        lot_title=lot.title,
        procedure=str(agreement.procedure),
        ccag=str(agreement.ccag),
        awarded_on=agreement.awarded_on,
        duration_months=agreement.duration_months,
        maximum_amount=lot.maximum_amount or agreement.maximum_amount,
        cpv_code=lot.cpv_code,
        holder_sirets=tuple(h.refurbisher.siret for h in lot.holders),
        holder_references=tuple((h.refurbisher_id, h.reference) for h in lot.holders),
    )
