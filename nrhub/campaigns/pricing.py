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


def reachable_tiers(tiers: Sequence[Tier], committed: int) -> tuple[Tier, ...]:
    """The tiers the committed stock can reach: no allocation ever exceeds the committed
    units, so a tier above them is never offered."""
    return tuple(
        sorted((t for t in tiers if t.min_quantity <= committed), key=lambda t: t.min_quantity)
    )


@dataclass(frozen=True)
class PooledFigures:
    """The honest pooled figures of one offer for a pooled demand.

    ``quantity`` is the demand counted for the price: what buyers ordered, capped at the
    committed units (what consolidation can allocate). ``units_to_next_tier`` is shown only
    when that tier is reachable with the committed stock; ``max_reachable_price`` is the
    best price the committed stock can reach.
    """

    quantity: int
    unit_price: Decimal
    units_to_next_tier: int | None
    next_tier_price: Decimal | None
    max_reachable_price: Decimal
    tiers: tuple[Tier, ...]


def pooled_figures(
    base_price: Decimal, tiers: Sequence[Tier], committed: int, ordered: int
) -> PooledFigures:
    """Price, next tier and best reachable price of an offer with ``committed`` units of
    which buyers together ordered ``ordered``."""
    reachable = reachable_tiers(tiers, committed)
    quantity = min(ordered, committed)
    to_next = units_to_next_tier(reachable, quantity)
    return PooledFigures(
        quantity=quantity,
        unit_price=pooled_unit_price(base_price, reachable, quantity),
        units_to_next_tier=to_next,
        next_tier_price=(
            pooled_unit_price(base_price, reachable, quantity + to_next)
            if to_next is not None
            else None
        ),
        max_reachable_price=pooled_unit_price(base_price, reachable, committed),
        tiers=reachable,
    )
