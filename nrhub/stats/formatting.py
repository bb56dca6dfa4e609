"""Fast formatting for the large tables of the indicators (2,000 members).

Same output as the pages' filters of nrhub.formatting (``1 234,50 €``, ``23,5 %``, with
no-break spaces, so that an amount never wraps) for French and English, with Python's own
number formatting instead of Babel's, which costs tens of microseconds a call and
dominated the hub dashboard's time. Pass the locale to skip its lookup.
"""

from __future__ import annotations

from decimal import Decimal

from nrhub.formatting import NBSP, current_language


def _grouped(value: Decimal, digits: int, locale: str) -> str:
    text = f"{value:,.{digits}f}"
    if locale == "en":
        return text
    return text.replace(",", NBSP).replace(".", ",")


def fast_number(value: Decimal | int | None, digits: int = 0, locale: str | None = None) -> str:
    if value is None:
        return "—"
    return _grouped(Decimal(value), digits, locale or current_language())


def fast_money(value: Decimal | int | None, locale: str | None = None) -> str:
    if value is None:
        return "—"
    locale = locale or current_language()
    amount = _grouped(Decimal(value), 2, locale)
    return f"€{amount}" if locale == "en" else f"{amount}{NBSP}€"


def fast_percent(value: Decimal | None, digits: int = 1, locale: str | None = None) -> str:
    if value is None:
        return "—"
    locale = locale or current_language()
    number = _grouped(Decimal(value) * 100, digits, locale)
    return f"{number}%" if locale == "en" else f"{number}{NBSP}%"
