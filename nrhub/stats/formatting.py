"""Fast formatting for the large tables of the indicators (2,000 members).

Same output as the pages' filters of nrhub.formatting (``1 234,50 €``, ``23,5 %``, with
no-break spaces, so that an amount never wraps) for French and English, with Python's own
number formatting instead of Babel's, which costs tens of microseconds a call and
dominated the hub dashboard's time. Pass the locale to skip its lookup.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, pass_eval_context
from jinja2.filters import do_urlize
from jinja2.nodes import EvalContext

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


@pass_eval_context
def cached_urlize(eval_ctx: EvalContext, value: Any) -> str:
    """Jinja's ``urlize``, remembered per text: the legal sources of the categories and
    targets are the same long texts on every page, and their links cost more to find
    than the rest of the method section to render."""
    return _urlize(eval_ctx.environment, str(value), eval_ctx.autoescape)


@lru_cache(maxsize=1024)
def _urlize(environment: Environment, text: str, autoescape: bool) -> str:
    eval_ctx = EvalContext(environment)
    eval_ctx.autoescape = autoescape
    return do_urlize(eval_ctx, text)
