"""Read-only look-ups in the live server's SQLite file, to compute expected figures.

The browser does every change; these queries only read what the demo left, so that an
assertion on a displayed figure can be exact.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris_now() -> dt.datetime:
    return dt.datetime.now(PARIS)


@contextmanager
def connect(database_url: str) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=15)
    try:
        yield connection
    finally:
        connection.close()


def organisation_of(database_url: str, email: str) -> int:
    with connect(database_url) as connection:
        row = connection.execute(
            "SELECT organisation_id FROM user_account WHERE email = ?", (email,)
        ).fetchone()
    assert row, email
    return int(row[0])


def ledger_totals(database_url: str, buyer_id: int, year: int) -> tuple[Decimal, Decimal]:
    """(IT spend, reuse spend) in euros of a buyer's ledger for a year (amounts in cents):
    the legal category "Matériel informatique et téléphonie" only, as the indicators."""
    with connect(database_url) as connection:
        total, reuse = connection.execute(
            "SELECT COALESCE(SUM(amount), 0), "
            "COALESCE(SUM(CASE WHEN is_reuse THEN amount ELSE 0 END), 0) "
            "FROM spend_entry JOIN category ON category.id = spend_entry.category_id "
            "WHERE buyer_id = ? AND year = ? AND category.legal_category = ?",
            (buyer_id, year, "Matériel informatique et téléphonie"),
        ).fetchone()
    return Decimal(total) / 100, Decimal(reuse) / 100


def scalar(database_url: str, sql: str, *params: object) -> object:
    with connect(database_url) as connection:
        row = connection.execute(sql, params).fetchone()
    return row[0] if row else None
