"""How the API writes values (money and decimals as strings, dates and times in ISO 8601)
and the range of its ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

MAX_ID = 2_147_483_647  # the PostgreSQL integer columns' range


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def share_text(value: Decimal | None) -> str | None:
    """A ratio between 0 and 1 as a decimal string with 4 places (null: no data)."""
    return None if value is None else str(value.quantize(SHARE_PLACES))


SHARE_PLACES = Decimal("0.0001")


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()
