"""Objects → API shapes still written by hand: indicators, consolidation preview, purchase
orders and deliveries (the other outputs are built by their schema in nrhub.api.schemas)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nrhub.api.core import day, decimal_text, money, share_text, timestamp
from nrhub.consolidation.amounts import ZERO
from nrhub.consolidation.models import Delivery, DeliveryStatus, PurchaseOrder
from nrhub.consolidation.preview import ConsolidationPreview
from nrhub.organisations.models import Organisation
from nrhub.stats.pages import LegalCategoryRow
from nrhub.stats.queries import CategorySpend, Indicators


def _percent_share(percent: Decimal | None) -> str | None:
    """A target in percent as the API's 0-to-1 share text (None: no target)."""
    return share_text(None if percent is None else percent / 100)


def indicators(
    organisation: Organisation | None,
    ind: Indicators,
    target_percent: Decimal | None,
    retired_reuse_rate: Decimal | None,
    by_category: list[CategorySpend],
    recycled_target_percent: Decimal | None = None,
    legal_rows: list[LegalCategoryRow] | None = None,
) -> dict[str, Any]:
    return {
        "organisation": None
        if organisation is None
        else {"id": organisation.id, "name": organisation.name, "siret": organisation.siret},
        "year": ind.year,
        "it_spend": money(ind.it_spend),
        "reuse_spend": money(ind.reuse_spend),
        "donation_spend": money(ind.donation_spend),
        "recycled_spend": money(ind.recycled_spend),
        "spend_with_clause": money(ind.spend_with_clause),
        "reuse_share": share_text(ind.reuse_share),
        "target": _percent_share(target_percent),
        "clauses_count": ind.clauses_count,
        "social_clauses": ind.social_clauses,
        "environmental_clauses": ind.environmental_clauses,
        "spend_with_clause_share": share_text(ind.spend_with_clause_share),
        "reuse_quantity": ind.reuse_quantity,
        "co2e_avoided_kg": decimal_text(ind.co2e_avoided_kg),
        "local_share": share_text(ind.local_share),
        "regional_share": share_text(ind.regional_share),
        "ess_share": share_text(ind.ess_share),
        "retired_reuse_rate": share_text(retired_reuse_rate),
        "recycled_share": share_text(ind.recycled_share),
        "recycled_target": _percent_share(recycled_target_percent),
        "by_legal_category": [
            {
                "type_produit_acquis": row.spend.legal_category,
                "total": money(row.spend.total),
                "reuse": money(row.spend.reuse),
                "donations": money(row.spend.donations),
                "recycled": money(row.spend.recycled),
                "reuse_share": share_text(row.spend.reuse_share),
                "reuse_target": _percent_share(row.reuse_target),
                "recycled_share": share_text(row.spend.recycled_share),
                "recycled_target": _percent_share(row.recycled_target),
            }
            for row in legal_rows or []
        ],
        "by_category": [
            {
                "code": row.code,
                "label": row.label,
                "quantity": row.quantity,
                "it_spend": money(row.it_spend),
                "reuse_spend": money(row.reuse_spend),
                "donation_spend": money(row.donation_spend),
                "reuse_share": share_text(row.reuse_share),
            }
            for row in by_category
        ],
    }


# --- consolidation, purchase orders, deliveries ------------------------------------------


def _ref(item: Organisation) -> dict[str, Any]:
    return {"id": item.id, "name": item.name}


def consolidation_preview(preview: ConsolidationPreview) -> dict[str, Any]:
    buyers: dict[int, dict[str, Any]] = {}
    offers = []
    for row in preview.offers:
        for b in row.buyers:
            total = buyers.setdefault(
                b.buyer_id,
                {"buyer": {"id": b.buyer_id, "name": b.buyer_name}, "quantity": 0, "amount": ZERO},
            )
            total["quantity"] += b.quantity
            total["amount"] += b.amount_ht
        offers.append(
            {
                "offer_id": row.offer.id,
                "listing_id": row.offer.listing_id,
                "refurbisher": {"id": row.offer.refurbisher_id, "name": row.offer.refurbisher_name},
                "designation": row.offer.designation,
                "sku": row.offer.sku,
                "committed": row.committed,
                "demand": row.demand,
                "allocated": row.allocated,
                "unallocated": row.unallocated,
                "unit_price_ht": money(row.unit_price),
                "total_ht": money(row.total_ht),
                "maintenance_ht": money(row.maintenance_ht),
                "allocations": [
                    {
                        "line_id": b.line_id,
                        "buyer": {"id": b.buyer_id, "name": b.buyer_name},
                        "asked": b.asked,
                        "computed": b.computed,
                        "quantity": b.quantity,
                        "amount_ht": money(b.amount_ht),
                        "maintenance_ht": money(b.maintenance_ht),
                        "overridden": b.override is not None,
                    }
                    for b in row.buyers
                ],
            }
        )
    return {
        "confirmed": False,
        "campaign_id": preview.campaign_id,
        "rule": str(preview.rule),
        "demand": preview.demand,
        "committed": preview.committed,
        "allocated": preview.allocated,
        "total_ht": money(preview.total_ht),
        "maintenance_ht": money(preview.maintenance_ht),
        "offers": offers,
        "buyers": [
            {"buyer": t["buyer"], "quantity": t["quantity"], "amount_ht": money(t["amount"])}
            for t in sorted(buyers.values(), key=lambda t: (t["buyer"]["name"], t["buyer"]["id"]))
        ],
    }


def _delivery_lines(item: Delivery) -> list[dict[str, Any]]:
    """Needs lines with their purchase-order line loaded."""
    sent = item.status != DeliveryStatus.PENDING
    return [
        {
            "id": line.id,
            "offer_id": line.purchase_order_line.offer_id,
            "quantity": line.quantity,
            "unit_price_ht": money(line.unit_price),
            "shipped": line.quantity if sent else 0,
            "received": line.received_quantity,
            "not_delivered": line.not_delivered_quantity,
        }
        for line in item.lines
    ]


def _delivery_core(item: Delivery) -> dict[str, Any]:
    return {
        "id": item.id,
        "buyer": _ref(item.buyer),
        "state": str(item.status),
        "total_ht": money(item.total_ht),
        "shipped_on": day(item.shipped_on),
        "received_on": day(item.received_on),
        "lines": _delivery_lines(item),
    }


def delivery(item: Delivery) -> dict[str, Any]:
    """Needs buyer, refurbisher and lines (with purchase-order lines) loaded."""
    return {
        **_delivery_core(item),
        "purchase_order_id": item.purchase_order_id,
        "campaign_id": item.campaign_id,
        "refurbisher": _ref(item.refurbisher),
    }


def purchase_order(item: PurchaseOrder, buyer_id: int | None = None) -> dict[str, Any]:
    """Needs refurbisher, lines and deliveries (buyer, lines) loaded. For a buyer
    (``buyer_id``), only its own delivery and what it contains: another buyer's share of
    the purchase order is never shown."""
    deliveries = [d for d in item.deliveries if buyer_id is None or d.buyer_id == buyer_id]
    if buyer_id is None:
        lines = [
            {
                "offer_id": line.offer_id,
                "listing_id": line.listing_id,
                "sku": line.sku,
                "designation": line.designation,
                "quantity": line.quantity,
                "unit_price_ht": money(line.unit_price),
                "vat_rate": money(line.vat_rate),
            }
            for line in item.lines
        ]
        total_ht = item.total_ht
    else:
        mine: dict[int, int] = {}
        for d in deliveries:
            for dline in d.lines:
                key = dline.purchase_order_line_id
                mine[key] = mine.get(key, 0) + dline.quantity
        lines = [
            {
                "offer_id": line.offer_id,
                "listing_id": line.listing_id,
                "sku": line.sku,
                "designation": line.designation,
                "quantity": mine[line.id],
                "unit_price_ht": money(line.unit_price),
                "vat_rate": money(line.vat_rate),
            }
            for line in item.lines
            if line.id in mine
        ]
        total_ht = sum((d.total_ht for d in deliveries), ZERO)
    return {
        "id": item.id,
        "number": item.number,
        "campaign_id": item.campaign_id,
        "refurbisher": _ref(item.refurbisher),
        "created_at": timestamp(item.created_at),
        "total_ht": money(total_ht),
        "lines": lines,
        "deliveries": [_delivery_core(d) for d in deliveries],
    }
