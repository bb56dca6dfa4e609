"""Pooled pricing: pure functions over price tiers (no Flask, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    unit_price: Decimal


def pooled_unit_price(base_price: Decimal, tiers: Sequence[Tier], quantity: int) -> Decimal:
    """The unit price HT reached by ``quantity`` units: the best tier whose minimum is met."""
    price = base_price
    for tier in sorted(tiers, key=lambda t: t.min_quantity):
        if quantity >= tier.min_quantity:
            price = min(price, tier.unit_price)
    return price


def units_to_next_tier(tiers: Sequence[Tier], quantity: int) -> int | None:
    """How many more units lower the price to the next tier; ``None`` at the last tier."""
    for tier in sorted(tiers, key=lambda t: t.min_quantity):
        if tier.min_quantity > quantity:
            return tier.min_quantity - quantity
    return None
