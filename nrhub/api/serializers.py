"""Objects → API shapes (money as decimal strings, times ISO 8601 with offset)."""

from __future__ import annotations

from typing import Any

from nrhub.api.core import decimal_text, money, timestamp
from nrhub.catalog.models import Category, Listing


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
