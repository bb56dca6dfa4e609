"""The bench's own pieces: line names per database, the portable ledger builder."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from bench import stats
from bench.common import SQLITE, Backend, backends, line_name, report, using
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("catalogue_page_ms", "catalogue_page_pg_ms"),
        ("stock_import_10k_s", "stock_import_10k_pg_s"),
        ("consolidate_20k_lines_s", "consolidate_20k_lines_pg_s"),
        ("dashboard_hub_ms", "dashboard_hub_pg_ms"),
        ("rush_oversold_units", "rush_oversold_pg_units"),
        ("login_ms", "login_pg_ms"),
        ("plain", "plain_pg"),
    ],
)
def test_postgresql_lines_carry_pg_before_their_unit(name: str, expected: str) -> None:
    assert line_name(name, "_pg") == expected
    assert line_name(name, "") == name


def test_report_prints_the_line_of_the_current_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with using(Backend("postgresql", "postgresql+psycopg://x/y", "_pg")):
        report("catalogue_page_ms", 12.34567, "ms")
    report("catalogue_page_ms", 9.5, "ms")

    assert capsys.readouterr().out.splitlines() == [
        "BENCH catalogue_page_pg_ms 12.346 ms",
        "BENCH catalogue_page_ms 9.500 ms",
    ]


def test_backends_are_sqlite_then_postgresql_when_a_url_is_given() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"

    assert backends("") == [SQLITE]
    assert backends(url) == [SQLITE, Backend("postgresql", url, "_pg")]
    with pytest.raises(SystemExit, match="PostgreSQL"):
        backends("sqlite:////tmp/bench.sqlite3")


def _expected_row(i: int, first_buyer: int) -> tuple[int, dt.date, int, Decimal, str, bool, bool]:
    """Row ``i`` of the ledger builder, computed in Python from its documented formulas."""
    hub = i % 50 < 20
    origin = "hub" if hub else "donation" if i % 50 == 49 else "external"
    return (
        first_buyer + i % stats.BUYERS,
        dt.date(2023 + (i // 7) % 3, 1 + (i // 11) % 12, 1 + (i // 13) % 28),
        1 + i % 5,
        Decimal(10000 + (i * 7919) % 200000) / 100,
        origin,
        hub or i % 50 == 49 or i % 7 == 0,
        i % 6 == 0,
    )


@pytest.mark.parametrize("first", [1, stats.ROWS - 699])
def test_ledger_builder_writes_the_same_rows_on_every_database(app: Flask, first: int) -> None:
    _hub, first_buyer = stats._organisations()

    stats._ledger(first_buyer, rows=700, first=first)
    db.session.commit()

    entries = db.session.execute(select(SpendEntry)).scalars().all()
    got = Counter(
        (
            e.buyer_id,
            e.spent_on,
            e.quantity,
            e.amount,
            str(e.origin),
            e.is_reuse,
            e.has_recycled_materials,
        )
        for e in entries
    )
    assert got == Counter(_expected_row(i, first_buyer) for i in range(first, first + 700))
    assert {e.year for e in entries} == {2023, 2024, 2025}
    assert all(e.year == e.spent_on.year for e in entries)
    hub_rows = [e for e in entries if str(e.origin) == "hub"]
    assert len(hub_rows) == 280
    assert all(e.supplier_id and e.supplier_is_ess and e.supplier_siret for e in hub_rows)
    assert sum(e.social_consideration == "Clause sociale" for e in entries) == 140
