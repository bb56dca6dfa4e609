"""What any web input must be before a view reads it: the shapes the database and Python
accept the same way, checked once for the whole application.

- No NUL character (U+0000) in a path, query string, form field or file name: PostgreSQL
  refuses it in text, so it would end as a 500. The request gets a French 400 page.
- Ids and other whole numbers of a URL or a query string fit the database's integer
  columns: ``<int:...>`` rules match ASCII digits up to :data:`MAX_ID` (404 beyond), and
  ``request.args.get(name, type=int)`` gives the default for anything else.
- Numbers are written with ASCII digits: Python's ``int()`` and ``Decimal()`` also read
  "٣" (Arabic-Indic) or "３" (full width), which the API refuses.

The forms' own rules (dates, amounts, line breaks) are in :mod:`nrhub.forms`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask, current_app, request
from flask.wrappers import Request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2_147_483_647  # the PostgreSQL integer columns' range
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
NUL = "\x00"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
# What people type around a number: grouping spaces (plain, no-break, narrow no-break)
# and the euro sign.
_NUMBER_DECORATION = str.maketrans("", "", " \xa0\u202f€")


class NumberOutOfRange(ValueError):
    """A well-formed whole number that no integer column can hold."""


def database_int(value: Any) -> int:
    """A whole number in ASCII digits within the database's integer range; ValueError
    (:class:`NumberOutOfRange` for a too large one) otherwise. ``int()`` itself takes
    "٣", "1_000" and numbers of any size."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        digits = value.strip().lstrip("+-").lstrip("0")
        if len(digits) > len(str(MAX_ID)):  # before int(): no 5,000-digit conversion
            raise NumberOutOfRange(value)
        number = int(value.strip())
    else:
        raise ValueError(value)
    if not -MAX_ID - 1 <= number <= MAX_ID:
        raise NumberOutOfRange(value)
    return number


def parse_decimal_text(text: str) -> Decimal:
    """``1 234,50``, ``1234.50`` or ``12 €`` → Decimal, ASCII digits only; ValueError
    otherwise (no exponent, no "NaN", no "١٢")."""
    cleaned = text.strip().translate(_NUMBER_DECORATION)
    if not _DECIMAL.fullmatch(cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation as err:  # pragma: no cover - the pattern leaves no such case
        raise ValueError(text) from err


def decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def date_in_range(value: dt.date) -> bool:
    """Dates people type lie between 2000 and 2100 (a year 0001 or 9999 would overflow a
    time zone conversion or a date computation further on)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return FIRST_DATE <= day <= LAST_DATE


# --- URLs ------------------------------------------------------------------------------


def whole_numbers_up_to(number: int) -> str:
    """A regular expression of the whole numbers from 0 to ``number`` in ASCII digits
    (leading zeros allowed)."""
    digits = str(number)
    longest = [digits]
    for position, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - position - 1
            longest.append(f"{digits[:position]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    shorter = f"[0-9]{{1,{len(digits) - 1}}}|" if len(digits) > 1 else ""
    return f"0*(?:{shorter}{'|'.join(longest)})"


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` as werkzeug's, but ASCII digits only and at most :data:`MAX_ID`: a
    larger id is simply not found (404), instead of an overflow in the database.

    The bound is in the pattern itself, not only in ``to_python``: werkzeug answers 405
    when a path matches a rule of another method and then fails conversion."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        upper = MAX_ID if max is None else builtins.min(max, MAX_ID)
        lower = (-MAX_ID - 1 if signed else 0) if min is None else builtins.max(min, -MAX_ID - 1)
        self.regex = whole_numbers_up_to(builtins.max(upper, abs(lower)))
        super().__init__(map, fixed_digits, lower, upper, signed)


# --- query strings and form bodies ------------------------------------------------------


class InputMultiDict(ImmutableMultiDict[str, Any]):
    """``request.args`` and ``request.form``: ``get(name, type=int)`` reads a whole
    number as :func:`database_int` does, so that "٣" or a 30-digit year give the
    default instead of a number no column can hold."""

    # One signature instead of Werkzeug's overloads (get(key), get(key, default, type)).
    def get(self, key: str, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:  # type: ignore[override]
        if type is None:
            return super().get(key, default)
        return super().get(key, default, database_int if type is int else type)

    def getlist(self, key: str, type: Callable[[Any], Any] | None = None) -> list[Any]:
        if type is None:
            return super().getlist(key)
        return super().getlist(key, database_int if type is int else type)


class InputRequest(Request):
    parameter_storage_class = InputMultiDict


def _texts_with_nul() -> Iterable[str]:
    """The parts of the request that hold a NUL character (named, not quoted, for the log)."""
    if NUL in request.path:
        yield "path"
    for source_name, source in (("query", request.args), ("form", request.form)):
        for key, values in source.lists():
            if NUL in key or any(NUL in value for value in values):
                yield f"{source_name}:{key.replace(NUL, '?')}"
    for key, files in request.files.lists():
        if NUL in key or any(NUL in (file.filename or "") for file in files):
            yield f"file:{key.replace(NUL, '?')}"


def refuse_nul_characters() -> Any:
    """Before any web view: a NUL character anywhere in the request is a 400."""
    if request.path.startswith("/api/v1/"):  # the API answers its own 422 (nrhub.api.core)
        return None
    found = list(_texts_with_nul())
    if not found:
        return None
    from nrhub.errors import render_error

    current_app.logger.info("NUL character refused in %s of %s", ", ".join(found), request.path)
    return render_error(
        400,
        _(
            "La requête contient un caractère nul (U+0000), qui n'est pas autorisé : "
            "vérifiez le texte copié dans le formulaire ou l'adresse."
        ),
    )


def register_input_rules(app: Flask) -> None:
    """Install the URL converter, the request class and the NUL check; call it before the
    blueprints are registered (their rules take the converter when they are added)."""
    app.request_class = InputRequest
    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request(refuse_nul_characters)
