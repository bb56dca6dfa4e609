"""Objects → API shapes (money as decimal strings, times ISO 8601 with offset)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nrhub.api.core import day, decimal_text, money, share_text, timestamp
from nrhub.campaigns.models import Campaign, OfferStatus, Order
from nrhub.campaigns.queries import OfferFigures
from nrhub.catalog.models import Category, Listing
from nrhub.organisations.models import Organisation
from nrhub.stats.queries import CategorySpend, Indicators


def category(item: Category) -> dict[str, Any]:
    return {
        "code": item.code,
        "label": item.label_fr,
        "label_en": item.label_en,
        "cpv_code": item.cpv_code,
        "expected_years": item.expected_years,
    }


def listing(item: Listing) -> dict[str, Any]:
    """Needs refurbisher, category and tiers loaded."""
    return {
        "id": item.id,
        "sku": item.sku,
        "category": item.category.code,
        "brand": item.brand,
        "model": item.model,
        "description": item.description,
        "grade": str(item.grade),
        "state": str(item.state),
        "refurbished_in_france": item.refurbished_in_france,
        "data_wiping_attested": item.data_wiping_attested,
        "processor": item.processor,
        "ram_gb": item.ram_gb,
        "storage_gb": item.storage_gb,
        "screen_inches": decimal_text(item.screen_inches),
        "quantity": item.quantity,
        "unit_price_ht": money(item.unit_price),
        "vat_rate": money(item.vat_rate),
        "price_tiers": [
            {"min_quantity": t.min_quantity, "unit_price_ht": money(t.unit_price)}
            for t in item.tiers
        ],
        "warranty_months": item.warranty_months,
        "repairability_index": decimal_text(item.repairability_index),
        "os_update_years": item.os_update_years,
        "spare_parts_years": item.spare_parts_years,
        "status": str(item.status),
        "refurbisher": {
            "id": item.refurbisher.id,
            "name": item.refurbisher.name,
            "department": item.refurbisher.department_code,
        },
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "published_at": timestamp(item.published_at),
    }


def campaign_summary(item: Campaign) -> dict[str, Any]:
    """Needs categories and clauses loaded."""
    return {
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "state": str(item.state),
        "opens_at": timestamp(item.opens_at),
        "closes_at": timestamp(item.closes_at),
        "delivery_from": day(item.delivery_from),
        "delivery_to": day(item.delivery_to),
        "categories": [c.code for c in item.categories],
        "clause_ids": [c.id for c in item.clauses],
    }


def campaign_offer(row: OfferFigures) -> dict[str, Any]:
    return {
        "id": row.offer_id,
        "listing_id": row.listing_id,
        "refurbisher_id": row.refurbisher_id,
        "status": str(row.status),
        "accepted": row.status == OfferStatus.ACCEPTED,
        "committed": row.committed,
        "ordered": row.ordered,
        "unit_price_ht": money(row.base_price),
        "pooled_unit_price_ht": money(row.unit_price),
        "units_to_next_tier": row.units_to_next_tier,
        "next_tier_unit_price_ht": money(row.next_tier_price),
    }


def campaign(item: Campaign, offers: list[OfferFigures]) -> dict[str, Any]:
    return {**campaign_summary(item), "offers": [campaign_offer(o) for o in offers]}


def order(item: Order) -> dict[str, Any]:
    """Needs lines loaded."""
    return {
        "id": item.id,
        "campaign_id": item.campaign_id,
        "status": str(item.status),
        "lines": [
            {"id": line.id, "offer_id": line.offer_id, "quantity": line.quantity}
            for line in sorted(item.lines, key=lambda line: line.offer_id)
        ],
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def indicators(
    organisation: Organisation | None,
    ind: Indicators,
    target_percent: Decimal | None,
    retired_reuse_rate: Decimal | None,
    by_category: list[CategorySpend],
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
        "target": share_text(None if target_percent is None else target_percent / 100),
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
