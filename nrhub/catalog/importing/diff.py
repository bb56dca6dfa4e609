"""Comparing a parsed line with the listing it updates: to create, to update or unchanged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from nrhub.catalog.importing.columns import FIELD_LABELS, STATE_WORDS, status_word
from nrhub.catalog.importing.lines import FieldChange, ImportLine, ImportPreview, ParsedLine
from nrhub.catalog.models import Category, Listing, PriceTier
from nrhub.catalog.rules import ListingData, TierData
from nrhub.extensions import db

EXISTING_COLUMNS = (
    Listing.id,
    Listing.sku,
    Listing.category_id,
    Listing.status,
    *(
        getattr(Listing, name)
        for name in ListingData.__dataclass_fields__
        if name not in ("category_code", "tiers", "sku")
    ),
)


def existing_listings(refurbisher_id: int) -> dict[str, dict[str, Any]]:
    """The refurbisher's listings by SKU, as plain values (two statements)."""
    listings: dict[str, dict[str, Any]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    for row in db.session.execute(
        select(*EXISTING_COLUMNS).where(Listing.refurbisher_id == refurbisher_id)
    ).mappings():
        values = dict(row)
        values["tiers"] = []
        listings[values["sku"]] = values
        by_id[values["id"]] = values
    tiers = db.session.execute(
        select(PriceTier.listing_id, PriceTier.min_quantity, PriceTier.unit_price)
        .join(Listing, Listing.id == PriceTier.listing_id)
        .where(Listing.refurbisher_id == refurbisher_id)
        .order_by(PriceTier.listing_id, PriceTier.min_quantity)
    )
    for listing_id, min_quantity, unit_price in tiers:
        by_id[listing_id]["tiers"].append(TierData(min_quantity, unit_price))
    for values in listings.values():
        values["tiers"] = tuple(values["tiers"])
    return listings


def comparable(data: ListingData, category_id: int, status: str) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in ListingData.__dataclass_fields__}
    values.pop("category_code")
    values["category_id"] = category_id
    values["status"] = status
    values["tiers"] = tuple(data.tiers)
    return values


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    """The names of the fields whose value changes."""
    changes = []
    for name, value in new.items():
        before = old.get(name)
        if name == "tiers":
            before = tuple(before or ())
        if before != value:
            changes.append(name)
    return tuple(changes)


def shown(name: str, value: Any, categories: dict[int, str]) -> str:
    """A value as the refurbisher wrote it in French ("(vide)" when there is none)."""
    if value is None or value == "" or value == ():
        return "(vide)"
    if name == "category_id":
        return categories.get(value, str(value))
    if name == "status":
        return status_word(value)
    if name == "state":
        return STATE_WORDS.get(str(value), str(value))
    if name == "tiers":
        return "|".join(f"{t.min_quantity}:{money_text(t.unit_price)}" for t in value)
    if name == "unit_price":
        return money_text(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def money_text(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return text.replace(".", ",")


def describe_changes(
    old: dict[str, Any], new: dict[str, Any], categories: dict[int, str]
) -> tuple[FieldChange, ...]:
    """Each changed field with its French label and old → new value."""
    return tuple(
        FieldChange(
            FIELD_LABELS.get(name, name),
            shown(name, old.get(name), categories),
            shown(name, new[name], categories),
        )
        for name in diff(old, new)
    )


def classify(parsed: list[ParsedLine], preview: ImportPreview) -> list[ParsedLine]:
    to_write = []
    labels = {
        cid: label for cid, label in db.session.execute(select(Category.id, Category.label_fr))
    }
    for item in parsed:
        title = f"{item.data.brand} {item.data.model}"
        if item.existing is None:
            preview.creates.append(ImportLine(item.line, item.data.sku, title))
            to_write.append(item)
            continue
        item.changes = describe_changes(
            item.existing, comparable(item.data, item.category_id, item.status), labels
        )
        if item.changes:
            preview.updates.append(ImportLine(item.line, item.data.sku, title, item.changes))
            to_write.append(item)
        else:
            preview.unchanged.append(ImportLine(item.line, item.data.sku, title))
    return to_write
