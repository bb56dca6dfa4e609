"""Campaigns as call-offs (bons de commande) under a lot of a framework agreement: what
their orders weigh against the lot's maximum.

Before consolidation an order weighs its lines at the offers' base unit price (the pooled
price can only be lower) with the maintenance chosen; the consolidation then replaces the
campaign's orders by its purchase orders' totals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from nrhub.agreements import frameworks
from nrhub.agreements.queries import CallOffFrame as CallOffFrame  # importable here too
from nrhub.agreements.queries import call_off_frame as call_off_frame
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
