"""The writing steps of a consolidation, run inside confirm_consolidation's unit of work
(they flush, never commit).

Each kind of row is written with one executemany and its ids read back by natural key in
one SELECT, so that a 20,000-line campaign takes a handful of statements. (``INSERT …
RETURNING`` with rows in order falls back to one statement a row on SQLite.)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from nrhub.auth.models import User
from nrhub.campaigns.models import CampaignOffer, OfferStatus
from nrhub.catalog.models import Listing
from nrhub.commitments.models import BuyerCommitment
from nrhub.consolidation.allocation import Rule
from nrhub.consolidation.amounts import ZERO
from nrhub.consolidation.models import (
    Allocation,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMaintenanceLine,
)
from nrhub.consolidation.preview import (
    BuyerAllocation,
    ConsolidationPreview,
    MaintenanceChoice,
    OfferPreview,
    Snapshot,
)
from nrhub.db import bulk_insert, quantize_money, rows_changed, to_cents
from nrhub.errors import ConflictError
from nrhub.extensions import db
from nrhub.formatting import paris_date_of

NUMBERING_ATTEMPTS = 5


def _next_sequence(year: int) -> int:
    current = db.session.execute(
        select(func.max(PurchaseOrder.sequence)).where(PurchaseOrder.year == year)
    ).scalar_one()
    return (current or 0) + 1


def create_purchase_orders(
    campaign_id: int,
    preview: ConsolidationPreview,
    by: User,
    now: dt.datetime,
) -> dict[int, PurchaseOrder]:
    """One purchase order per refurbisher with allocated units, numbered BC-<year>-0001.

    Its total HT includes the maintenance chosen with the allocated units. The numbers
    follow the year's highest; when a consolidation of another campaign takes the same
    numbers at the same moment (PostgreSQL: its uncommitted rows make ours wait, then
    fail the unique constraint), only our numbering is undone, in a savepoint, and taken
    again after theirs.
    """
    totals: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    for offer in preview.offers:
        if offer.allocated > 0:
            refurbisher = offer.offer.refurbisher_id
            totals[refurbisher] = totals.get(refurbisher, ZERO) + quantize_money(
                offer.unit_price * offer.allocated
            )
            totals[refurbisher] += offer.maintenance_ht
            names[refurbisher] = offer.offer.refurbisher_name
    year = paris_date_of(now).year
    refurbishers = sorted(totals, key=lambda r: (names[r], r))
    for _attempt in range(NUMBERING_ATTEMPTS):
        sequence = _next_sequence(year)
        orders = {}
        for refurbisher in refurbishers:
            orders[refurbisher] = PurchaseOrder(
                number=f"BC-{year}-{sequence:04d}",
                year=year,
                sequence=sequence,
                campaign_id=campaign_id,
                refurbisher_id=refurbisher,
                total_ht=totals[refurbisher],
                created_at=now,
                created_by_id=by.id,
            )
            sequence += 1
        try:
            with db.session.begin_nested():
                db.session.add_all(orders.values())
        except IntegrityError:
            continue
        return orders
    raise ConflictError(
        _(
            "Trop de consolidations simultanées : rien n'a été enregistré, "
            "réessayez dans un instant."
        )
    )


def insert_purchase_order_lines(
    purchase_orders: Mapping[int, PurchaseOrder], preview: ConsolidationPreview
) -> dict[int, int]:
    """Insert the lines; return the purchase-order line id of each offer. Each line keeps
    whether its listing integrates recycled materials, as ordered."""
    listing_ids = {o.offer.listing_id for o in preview.offers if o.allocated > 0}
    recycled = set(
        db.session.execute(
            select(Listing.id).where(
                Listing.id.in_(listing_ids), Listing.has_recycled_materials == true()
            )
        ).scalars()
    )
    rows = [
        {
            "purchase_order_id": purchase_orders[o.offer.refurbisher_id].id,
            "offer_id": o.offer.id,
            "listing_id": o.offer.listing_id,
            "category_id": o.offer.category_id,
            "designation": o.offer.designation[:300],
            "sku": o.offer.sku,
            "quantity": o.allocated,
            "base_unit_price": o.offer.base_price,
            "unit_price": o.unit_price,
            "vat_rate": o.offer.vat_rate,
            "has_recycled_materials": o.offer.listing_id in recycled,
        }
        for o in preview.offers
        if o.allocated > 0
    ]
    _insert(PurchaseOrderLine, rows)
    po_ids = [po.id for po in purchase_orders.values()]
    if not po_ids:
        return {}
    return dict(
        db.session.execute(
            select(PurchaseOrderLine.offer_id, PurchaseOrderLine.id).where(
                PurchaseOrderLine.purchase_order_id.in_(po_ids)
            )
        ).all()
    )


MaintenanceKey = tuple[int, int, Decimal]  # purchase-order line, maintenance offer, price


def insert_maintenance_lines(
    purchase_orders: Mapping[int, PurchaseOrder],
    preview: ConsolidationPreview,
    po_line_ids: Mapping[int, int],
) -> dict[MaintenanceKey, int]:
    """One maintenance line per (purchase-order line, maintenance offer, price): the units
    allocated to the order lines that chose it. Returns their ids by that key."""
    quantities: dict[MaintenanceKey, int] = defaultdict(int)
    details: dict[MaintenanceKey, tuple[int, MaintenanceChoice, str]] = {}
    for offer in preview.offers:
        for b in offer.buyers:
            choice = b.maintenance
            if choice is None or b.quantity <= 0:
                continue
            key = (po_line_ids[offer.offer.id], choice.maintenance_offer_id, choice.unit_price)
            quantities[key] += b.quantity
            details[key] = (
                purchase_orders[offer.offer.refurbisher_id].id,
                choice,
                offer.offer.designation,
            )
    rows = [
        {
            "purchase_order_id": details[key][0],
            "purchase_order_line_id": key[0],
            "maintenance_offer_id": key[1],
            "designation": f"{details[key][1].label} — {details[key][2]}"[:300],
            "quantity": quantity,
            "unit_price": key[2],
            "vat_rate": details[key][1].vat_rate,
        }
        for key, quantity in sorted(quantities.items())
    ]
    if not rows:
        return {}
    _insert(PurchaseOrderMaintenanceLine, rows)
    return {
        (po_line_id, offer_id, price): line_id
        for line_id, po_line_id, offer_id, price in db.session.execute(
            select(
                PurchaseOrderMaintenanceLine.id,
                PurchaseOrderMaintenanceLine.purchase_order_line_id,
                PurchaseOrderMaintenanceLine.maintenance_offer_id,
                PurchaseOrderMaintenanceLine.unit_price,
            ).where(
                PurchaseOrderMaintenanceLine.purchase_order_id.in_(
                    [po.id for po in purchase_orders.values()]
                )
            )
        )
    }


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(model.__table__), rows)


ALLOCATION_COLUMNS = (
    "campaign_id",
    "offer_id",
    "order_line_id",
    "buyer_id",
    "purchase_order_line_id",
    "rule",
    "requested_quantity",
    "computed_quantity",
    "quantity",
    "override_reason",
    "overridden_by_id",
)
DELIVERY_COLUMNS = (
    "purchase_order_id",
    "campaign_id",
    "buyer_id",
    "refurbisher_id",
    "status",
    "total_ht",
)
DELIVERY_LINE_COLUMNS = (
    "delivery_id",
    "allocation_id",
    "purchase_order_line_id",
    "quantity",
    "unit_price",
    "maintenance_line_id",
    "maintenance_unit_price",
)


def insert_allocations(
    campaign_id: int,
    snapshot: Snapshot,
    preview: ConsolidationPreview,
    rule: Rule,
    po_line_ids: Mapping[int, int],
) -> dict[int, int]:
    """Insert one allocation per order line (even at zero); return their ids by line id."""
    rule_value = str(rule)
    rows = []
    for offer in preview.offers:
        po_line_id = po_line_ids.get(offer.offer.id)
        for b in offer.buyers:
            override = b.override
            rows.append(
                (
                    campaign_id,
                    offer.offer.id,
                    b.line_id,
                    b.buyer_id,
                    po_line_id if b.quantity > 0 else None,
                    rule_value,
                    b.asked,
                    b.computed,
                    b.quantity,
                    override.reason if override else None,
                    override.author_id if override else None,
                )
            )
    bulk_insert(db.session.connection(), Allocation.__table__, ALLOCATION_COLUMNS, rows)
    return dict(
        db.session.execute(
            select(Allocation.order_line_id, Allocation.id).where(
                Allocation.campaign_id == campaign_id
            )
        ).all()
    )


def insert_deliveries(
    campaign_id: int,
    snapshot: Snapshot,
    preview: ConsolidationPreview,
    purchase_orders: Mapping[int, PurchaseOrder],
    po_line_ids: Mapping[int, int],
    allocation_ids: Mapping[int, int],
    maintenance_line_ids: Mapping[MaintenanceKey, int] | None = None,
) -> None:
    """One delivery per (purchase order, buyer), one delivery line per allocated line;
    the delivery's total HT includes the maintenance of its lines."""
    maintenance_line_ids = maintenance_line_ids or {}
    per_delivery: dict[tuple[int, int], list[tuple[OfferPreview, BuyerAllocation]]] = defaultdict(
        list
    )
    for offer in preview.offers:
        for b in offer.buyers:
            if b.quantity > 0:
                per_delivery[(offer.offer.refurbisher_id, b.buyer_id)].append((offer, b))
    keys = sorted(per_delivery)
    po_ids = {refurbisher: po.id for refurbisher, po in purchase_orders.items()}
    cents: dict[Decimal, int] = {}  # 20,000 amounts, a few thousand distinct ones

    def in_cents(amount: Decimal) -> int:
        found = cents.get(amount)
        if found is None:
            found = cents[amount] = to_cents(amount)
        return found

    rows = [
        (
            po_ids[refurbisher],
            campaign_id,
            buyer,
            refurbisher,
            DeliveryStatus.PENDING.value,
            sum(
                in_cents(b.amount_ht) + in_cents(b.maintenance_ht)
                for _o, b in per_delivery[(refurbisher, buyer)]
            ),
        )
        for refurbisher, buyer in keys
    ]
    bulk_insert(db.session.connection(), Delivery.__table__, DELIVERY_COLUMNS, rows)
    ids = {
        (refurbisher, buyer): delivery_id
        for refurbisher, buyer, delivery_id in db.session.execute(
            select(Delivery.refurbisher_id, Delivery.buyer_id, Delivery.id).where(
                Delivery.campaign_id == campaign_id
            )
        )
    }
    price_cents = {offer.offer.id: to_cents(offer.unit_price) for offer in preview.offers}

    def maintenance_of(offer: OfferPreview, b: BuyerAllocation) -> tuple[int | None, int | None]:
        choice = b.maintenance
        if choice is None:
            return None, None
        key = (po_line_ids[offer.offer.id], choice.maintenance_offer_id, choice.unit_price)
        return maintenance_line_ids[key], to_cents(choice.unit_price)

    line_rows = [
        (
            ids[key],
            allocation_ids[b.line_id],
            po_line_ids[offer.offer.id],
            b.quantity,
            price_cents[offer.offer.id],
            *maintenance_of(offer, b),
        )
        for key in keys
        for offer, b in per_delivery[key]
    ]
    bulk_insert(db.session.connection(), DeliveryLine.__table__, DELIVERY_LINE_COLUMNS, line_rows)


def copy_commitments(campaign_id: int) -> None:
    """Each buyer's commitment for the campaign (nrhub.commitments) onto its deliveries:
    the purchase order and the invoices cite it from there."""

    def of_buyer(column: Any) -> Any:
        return (
            select(column)
            .where(
                BuyerCommitment.campaign_id == Delivery.campaign_id,
                BuyerCommitment.buyer_id == Delivery.buyer_id,
            )
            .scalar_subquery()
        )

    db.session.execute(
        update(Delivery)
        .where(
            Delivery.campaign_id == campaign_id,
            select(BuyerCommitment.id)
            .where(
                BuyerCommitment.campaign_id == Delivery.campaign_id,
                BuyerCommitment.buyer_id == Delivery.buyer_id,
            )
            .exists(),
        )
        .values(
            engagement_number=of_buyer(BuyerCommitment.engagement_number),
            budget_nature=of_buyer(BuyerCommitment.budget_nature),
            budget_chapter=of_buyer(BuyerCommitment.budget_chapter),
            service_code=of_buyer(BuyerCommitment.service_code),
            delivery_address=of_buyer(BuyerCommitment.delivery_address),
        )
        .execution_options(synchronize_session=False)
    )


def release_undecided_offers(campaign_id: int, by: User, now: dt.datetime) -> dict[int, int]:
    """Offers never accepted by consolidation time are refused (each one a compare-and-set,
    by offer id); returns the units to give back, by listing id."""
    undecided = db.session.execute(
        select(CampaignOffer.id, CampaignOffer.listing_id, CampaignOffer.committed_quantity)
        .where(
            CampaignOffer.campaign_id == campaign_id,
            CampaignOffer.status == OfferStatus.PENDING,
        )
        .order_by(CampaignOffer.id)
    ).all()
    freed: dict[int, int] = defaultdict(int)
    for offer_id, listing_id, committed in undecided:
        refused = rows_changed(
            db.session.execute(
                update(CampaignOffer)
                .where(CampaignOffer.id == offer_id, CampaignOffer.status == OfferStatus.PENDING)
                .values(status=OfferStatus.REFUSED, decided_at=now, decided_by_id=by.id)
                .execution_options(synchronize_session=False)
            )
        )
        if refused == 1 and committed > 0:
            freed[listing_id] += committed
    return dict(freed)


def return_stock(preview: ConsolidationPreview, released: Mapping[int, int]) -> int:
    """The unallocated committed units, and those of the offers ``released``, go back to
    the listings' free stock: one statement, listings in id order (the lock order of every
    writer of several listings, so that two consolidations never deadlock). Returns the
    unallocated units given back."""
    units: dict[int, int] = defaultdict(int, released)
    unallocated = 0
    for o in preview.offers:
        if o.unallocated > 0:
            units[o.offer.listing_id] += o.unallocated
            unallocated += o.unallocated
    rows = [{"listing": listing, "units": n} for listing, n in sorted(units.items()) if n > 0]
    if rows:
        table = Listing.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("listing"))
            .values(quantity=table.c.quantity + bindparam("units")),
            rows,
        )
    return unallocated
