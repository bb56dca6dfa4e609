"""Money: amounts as ``Decimal`` rounded to the cent, and as integer cents in the database.

Pure (no Flask, no database), so that the invoice arithmetic can use it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize_money(value: Decimal) -> Decimal:
    """Round an amount to the cent, half up, as French invoices do line by line."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal | int) -> int:
    return int(quantize_money(Decimal(value)) * 100)


def from_cents(cents: int | None) -> Decimal | None:
    if cents is None:
        return None
    return (Decimal(int(cents)) / 100).quantize(CENT)
