"""Invoice arithmetic: HT, VAT and TTC rounded to the cent line by line (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from nrhub.money import quantize_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Amounts:
    ht: Decimal
    vat: Decimal
    ttc: Decimal

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.ht + other.ht, self.vat + other.vat, self.ttc + other.ttc)


NO_AMOUNTS = Amounts(ZERO, ZERO, ZERO)


def line_amounts(quantity: int, unit_price: Decimal, vat_rate: Decimal) -> Amounts:
    """A line's HT (quantity × unit price), its VAT (HT × rate %) and TTC, each to the cent."""
    ht = quantize_money(Decimal(quantity) * unit_price)
    vat = quantize_money(ht * Decimal(vat_rate) / 100)
    return Amounts(ht, vat, ht + vat)


def total(amounts: Iterable[Amounts]) -> Amounts:
    """The sum of rounded lines (a document's total is never rounded again)."""
    result = NO_AMOUNTS
    for item in amounts:
        result = result + item
    return result
