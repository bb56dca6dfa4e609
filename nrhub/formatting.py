"""Display formats: French first (``1 234,50 €``, ``28/11/2026``, Europe/Paris)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import format_decimal
from flask import g
from flask_babel import get_locale

PARIS = ZoneInfo("Europe/Paris")


def current_locale() -> Locale | None:
    """Flask-Babel's ``get_locale()``, read from where Flask-Babel keeps it for the current
    context once known (``get_locale()`` itself costs several context look-ups, and a page
    or a batch of e-mails asks thousands of times); ``force_locale`` changes that same place."""
    try:
        kept = g.get("_flask_babel")
    except RuntimeError:  # outside an application context
        return get_locale()
    locale = getattr(kept, "babel_locale", None)
    return locale if locale is not None else get_locale()


def current_language() -> str:
    """The language of the request being served (``fr`` outside one)."""
    locale = current_locale()
    return locale.language if locale else "fr"


# Babel groups French thousands with a narrow no-break space; plain spaces are what people
# type and what spreadsheets, CSV files and text mails expect. Pages ask for no-break spaces
# (``space=NBSP``) so that an amount or a percentage never wraps onto two lines.
NBSP = "\xa0"
_ODD_SPACES = ("\u202f", "\xa0")


def _spaces(text: str, space: str) -> str:
    for odd in _ODD_SPACES:
        text = text.replace(odd, space)
    return text


# Babel's group and decimal symbols of the two interface languages, for the fast path below.
_SYMBOLS = {"fr": ("\u202f", ","), "en": (",", ".")}


def format_number(
    value: Decimal | int | float | None, digits: int = 0, locale: str = "fr", space: str = " "
) -> str:
    if value is None:
        return "—"
    symbols = _SYMBOLS.get(locale)
    if symbols is not None and isinstance(value, Decimal | int) and not isinstance(value, bool):
        # Python's own formatting (the same half-even rounding) with Babel's symbols: the
        # same text for a tenth of the cost (a consolidation's e-mails print 60,000 amounts).
        group, decimal = symbols
        text = f"{value:,.{digits}f}".replace(",", "\0").replace(".", decimal)
        return _spaces(text.replace("\0", group), space)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return _spaces(format_decimal(value, format=pattern, locale=locale), space)


def format_money(value: Decimal | int | None, locale: str = "fr", space: str = " ") -> str:
    """``1 234,50 €`` in French, ``€1,234.50`` in English; an em dash for no value."""
    if value is None:
        return "—"
    amount = format_number(Decimal(value), 2, locale, space)
    return f"€{amount}" if locale == "en" else f"{amount}{space}€"


def format_percent(
    value: Decimal | float | None, digits: int = 1, locale: str = "fr", space: str = " "
) -> str:
    """A share between 0 and 1 as ``23,5 %``."""
    if value is None:
        return "—"
    number = format_number(Decimal(value) * 100, digits, locale, space)
    return f"{number}%" if locale == "en" else f"{number}{space}%"


def to_paris(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(PARIS)


def format_date(value: dt.date | dt.datetime | None, locale: str = "fr") -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = to_paris(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: dt.datetime | None, locale: str = "fr") -> str:
    if value is None:
        return "—"
    local = to_paris(value)
    return local.strftime("%d/%m/%Y %H:%M")


def paris_date_of(moment: dt.datetime) -> dt.date:
    """The Europe/Paris calendar date of a UTC instant (ledger dates are Paris dates)."""
    return to_paris(moment).date()


def paris_today() -> dt.date:
    """Today's date in Paris, the calendar of every date the application records."""
    return paris_date_of(dt.datetime.now(dt.UTC))


def paris_to_utc(local: dt.datetime) -> dt.datetime:
    """Interpret a naive datetime typed in a form as Europe/Paris time."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=PARIS)
    return local.astimezone(dt.UTC)


def paris_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which a Europe/Paris calendar year starts and the next starts."""
    return (
        dt.datetime(year, 1, 1, tzinfo=PARIS).astimezone(dt.UTC),
        dt.datetime(year + 1, 1, 1, tzinfo=PARIS).astimezone(dt.UTC),
    )
