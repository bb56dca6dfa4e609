"""Reading purchase orders and deliveries, scoped to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign
from nrhub.consolidation.amounts import Amounts, line_amounts, total
from nrhub.consolidation.models import (
    Allocation,
    Consolidation,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
)
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.security import Role


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFoundError(_("Cette campagne n'existe pas."))
    return campaign


def get_consolidation(campaign_id: int) -> Consolidation | None:
    return db.session.execute(
        select(Consolidation)
        .options(joinedload(Consolidation.confirmed_by))
        .where(Consolidation.campaign_id == campaign_id)
    ).scalar_one_or_none()


def count_overridden_allocations(campaign_id: int) -> int:
    return db.session.execute(
        select(func.count(Allocation.id)).where(
            Allocation.campaign_id == campaign_id, Allocation.override_reason.is_not(None)
        )
    ).scalar_one()


# --- Purchase orders --------------------------------------------------------------------


def _purchase_orders_visible_to(user: User) -> Select[PurchaseOrder]:
    query = select(PurchaseOrder)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.REFURBISHER:
        return query.where(PurchaseOrder.refurbisher_id == user.organisation_id)
    return query.where(PurchaseOrder.id.is_(None))


def list_purchase_orders_for(user: User, campaign_id: int | None = None) -> list[PurchaseOrder]:
    query = _purchase_orders_visible_to(user).options(
        joinedload(PurchaseOrder.campaign), joinedload(PurchaseOrder.refurbisher)
    )
    if campaign_id is not None:
        query = query.where(PurchaseOrder.campaign_id == campaign_id).order_by(PurchaseOrder.id)
    else:
        query = query.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc())
    return list(db.session.execute(query).scalars().all())


def get_purchase_order_for(user: User, purchase_order_id: int) -> PurchaseOrder:
    """The purchase order with its lines and per-buyer deliveries; 404 when not visible."""
    purchase_order = db.session.execute(
        _purchase_orders_visible_to(user)
        .where(PurchaseOrder.id == purchase_order_id)
        .options(
            joinedload(PurchaseOrder.campaign),
            joinedload(PurchaseOrder.refurbisher),
            selectinload(PurchaseOrder.lines),
            selectinload(PurchaseOrder.maintenance_lines),
            selectinload(PurchaseOrder.deliveries).joinedload(Delivery.buyer),
            selectinload(PurchaseOrder.deliveries)
            .selectinload(Delivery.lines)
            .joinedload(DeliveryLine.purchase_order_line),
            selectinload(PurchaseOrder.deliveries)
            .selectinload(Delivery.lines)
            .joinedload(DeliveryLine.maintenance_line),
        )
    ).scalar_one_or_none()
    if purchase_order is None:
        raise NotFoundError(_("Ce bon de commande n'existe pas ou ne vous est pas accessible."))
    return purchase_order


@dataclass(frozen=True)
class DocumentLine:
    """A printed line: what it is, how many, at what price, and its rounded amounts."""

    designation: str
    sku: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal
    amounts: Amounts
    received: int | None = None
    received_amounts: Amounts | None = None
    buyer_name: str = ""
    not_delivered: int = 0


MAINTENANCE_SKU = "MAINT."


def purchase_order_lines(purchase_order: PurchaseOrder) -> list[DocumentLine]:
    """The equipment lines, each followed by the maintenance chosen with it."""
    maintenance: dict[int, list[DocumentLine]] = {}
    for m in purchase_order.maintenance_lines:
        maintenance.setdefault(m.purchase_order_line_id, []).append(
            DocumentLine(
                m.designation, MAINTENANCE_SKU, m.quantity, m.unit_price, m.vat_rate, m.amounts
            )
        )
    lines = []
    for line in purchase_order.lines:
        lines.append(
            DocumentLine(
                line.designation,
                line.sku,
                line.quantity,
                line.unit_price,
                line.vat_rate,
                line.amounts,
            )
        )
        lines.extend(maintenance.get(line.id, []))
    return lines


def delivery_line_parts(line: DeliveryLine, buyer_name: str = "") -> tuple[DocumentLine, ...]:
    """A delivery line as priced on every document: its equipment, then the maintenance
    chosen with it (the same units at the maintenance's own price and rate)."""
    po_line = line.purchase_order_line
    equipment = _priced(line, po_line.designation, po_line.sku, line.unit_price, po_line.vat_rate)
    parts = [replace(equipment, buyer_name=buyer_name, not_delivered=line.not_delivered_quantity)]
    maintenance = line.maintenance_line
    if maintenance is not None and line.maintenance_unit_price is not None:
        price = line.maintenance_unit_price
        part = _priced(line, maintenance.designation, MAINTENANCE_SKU, price, maintenance.vat_rate)
        parts.append(replace(part, buyer_name=buyer_name))
    return tuple(parts)


def _priced(
    line: DeliveryLine, designation: str, sku: str, price: Decimal, vat_rate: Decimal
) -> DocumentLine:
    received = line.received_quantity
    return DocumentLine(
        designation,
        sku,
        line.quantity,
        price,
        vat_rate,
        line_amounts(line.quantity, price, vat_rate),
        received,
        None if received is None else line_amounts(received, price, vat_rate),
    )


def delivery_lines(delivery: Delivery) -> list[DocumentLine]:
    buyer_name = delivery.buyer.name
    return [part for line in delivery.lines for part in delivery_line_parts(line, buyer_name)]


def purchase_order_breakdown(
    purchase_order: PurchaseOrder,
) -> list[tuple[Delivery, list[DocumentLine], Amounts]]:
    """Per buyer: its delivery, the priced lines and their total."""
    result = []
    for delivery in purchase_order.deliveries:
        lines = delivery_lines(delivery)
        result.append((delivery, lines, document_total(lines)))
    return result


def document_total(lines: list[DocumentLine]) -> Amounts:
    return total(line.amounts for line in lines)


def received_total(lines: list[DocumentLine]) -> Amounts | None:
    if any(line.received_amounts is None for line in lines):
        return None
    return total(line.received_amounts for line in lines if line.received_amounts is not None)


# --- Deliveries -------------------------------------------------------------------------


def _deliveries_visible_to(user: User) -> Select[Delivery]:
    query = select(Delivery)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.REFURBISHER:
        return query.where(Delivery.refurbisher_id == user.organisation_id)
    return query.where(Delivery.buyer_id == user.organisation_id)


def list_deliveries_for(user: User, status: DeliveryStatus | None = None) -> list[Delivery]:
    query = _deliveries_visible_to(user).options(
        joinedload(Delivery.campaign),
        joinedload(Delivery.buyer),
        joinedload(Delivery.refurbisher),
        joinedload(Delivery.purchase_order),
    )
    if status is not None:
        query = query.where(Delivery.status == status)
    return list(
        db.session.execute(query.order_by(Delivery.campaign_id.desc(), Delivery.id)).scalars().all()
    )


# What a delivery page, its CSV and its documents read: parties, purchase order, lines.
DELIVERY_WITH_LINES = (
    joinedload(Delivery.campaign),
    joinedload(Delivery.buyer),
    joinedload(Delivery.refurbisher),
    joinedload(Delivery.purchase_order),
    selectinload(Delivery.lines).joinedload(DeliveryLine.purchase_order_line),
    selectinload(Delivery.lines).joinedload(DeliveryLine.maintenance_line),
)


def get_delivery_for(user: User, delivery_id: int) -> Delivery:
    """The delivery with its lines; 404 unless it is the person's (or a coordinator's)."""
    delivery = db.session.execute(
        _deliveries_visible_to(user).where(Delivery.id == delivery_id).options(*DELIVERY_WITH_LINES)
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFoundError(_("Cette livraison n'existe pas ou ne vous est pas accessible."))
    return delivery
