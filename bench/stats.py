"""Benchmarks of the indicators: 2,000 buyers and 1,000,000 ledger rows.

The ledger is filled with one INSERT … SELECT over a counter (deterministic arithmetic
instead of random, so every run sees the same data, on SQLite and PostgreSQL alike), the
summary table by one INSERT … SELECT … GROUP BY (``rebuild_summary``), planner statistics
are gathered (``ANALYZE``), then the pages are timed through the test client as a
coordinator and as one buyer.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask, g
from sqlalchemy import bindparam, text

from bench.common import bench_app, count_queries, median_ms, report
from nrhub.auth.models import User
from nrhub.auth.passwords import hash_password
from nrhub.db import UTCDateTime
from nrhub.extensions import db
from nrhub.ledger.summary import rebuild_summary
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus

BUYERS = 2_000
REFURBISHERS = 10
ROWS = 1_000_000
YEAR = 2025
DEPARTMENTS = ("22", "29", "35", "56", "44", "49", "53", "72", "85", "14", "50", "61")
REGION = {"22": "53", "29": "53", "35": "53", "56": "53", "44": "52", "49": "52", "53": "52",
          "72": "52", "85": "52", "14": "28", "50": "28", "61": "28"}  # fmt: skip
PASSWORD = "bench-password-1"  # noqa: S105  (throw-away bench accounts)


def _organisations() -> tuple[int, int]:
    rows = []
    for i in range(BUYERS + REFURBISHERS + 1):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        kind = (
            OrgKind.HUB if i == 0 else OrgKind.REFURBISHER if i <= REFURBISHERS else OrgKind.BUYER
        )
        rows.append(
            {
                "kind": kind.value,
                "name": f"Organisation {i:05d}",
                "siret": f"{70000000000000 + i:014d}",
                "address": "",
                "postcode": f"{dept}000",
                "city": "Ville",
                "department_code": dept,
                "region_code": REGION[dept],
                "contact_email": f"org{i}@bench.example",
                "status": OrgStatus.ACTIVE.value,
                "supplier_is_ess": None,
            }
        )
        rows[-1].pop("supplier_is_ess")
    db.session.execute(db.insert(Organisation), rows)
    hub_id = db.session.execute(
        db.select(Organisation.id).where(Organisation.kind == OrgKind.HUB)
    ).scalar_one()
    first_buyer = db.session.execute(
        db.select(db.func.min(Organisation.id)).where(Organisation.kind == OrgKind.BUYER)
    ).scalar_one()
    return hub_id, first_buyer


def _ledger(first_buyer: int, rows: int = ROWS, first: int = 1) -> None:
    """``rows`` rows (1,000,000), numbered from ``first``: 40 % hub purchases from the
    refurbishers (reuse), 58 % external purchases (1 in 7 reuse, 1 in 6 recycled, 1 in 5 under
    a clause), 2 % donations.

    One INSERT … SELECT over a counter: ``generate_series`` on PostgreSQL, a recursive CTE on
    SQLite; the rest is SQL both databases read alike (comparisons as booleans, integer
    division, the date built by each database's own function)."""
    first_refurbisher = first_buyer - REFURBISHERS
    dialect = db.engine.dialect.name
    year, month, day = "2023 + (i / 7) % 3", "1 + (i / 11) % 12", "1 + (i / 13) % 28"
    if dialect == "postgresql":
        counter = ""
        source = "generate_series(CAST(:first AS INTEGER), CAST(:last AS INTEGER)) AS n(i)"
        spent_on = f"make_date({year}, {month}, {day})"
    else:
        counter = (
            "WITH RECURSIVE n(i) AS (SELECT :first UNION ALL SELECT i + 1 FROM n WHERE i < :last)"
        )
        source = "n"
        spent_on = (
            f"({year}) || '-' || substr('0' || ({month}), -2) || '-' || substr('0' || ({day}), -2)"
        )
    hub = "i % 50 < 20"
    statement = text(
        f"""
        {counter}
        INSERT INTO spend_entry (buyer_id, spent_on, year, category_id, quantity, amount,
            supplier_name, supplier_siret, supplier_id, supplier_department_code,
            supplier_region_code, supplier_is_ess, origin, is_reuse, has_recycled_materials,
            social_consideration, environmental_consideration, created_at)
        SELECT :b0 + (i % :buyers),
            {spent_on},
            {year},
            1 + (i * 7) % 11,
            1 + i % 5,
            10000 + (CAST(i AS BIGINT) * 7919) % 200000,
            CASE WHEN {hub} THEN o.name WHEN i % 50 = 49 THEN 'Don' ELSE 'Fournisseur' END,
            CASE WHEN {hub} THEN o.siret END,
            CASE WHEN {hub} THEN o.id END,
            CASE WHEN {hub} THEN o.department_code END,
            CASE WHEN {hub} THEN o.region_code END,
            ({hub}),
            CASE WHEN {hub} THEN 'hub' WHEN i % 50 = 49 THEN 'donation' ELSE 'external' END,
            ({hub} OR i % 50 = 49 OR i % 7 = 0),
            (i % 6 = 0),
            CASE WHEN i % 5 = 0 THEN 'Clause sociale' ELSE 'Pas de considération sociale' END,
            'Pas de considération environnementale',
            :created_at
        FROM {source} JOIN organisation o ON o.id = :r0 + (i / 3) % :refurbishers
        """
    ).bindparams(bindparam("created_at", type_=UTCDateTime()))
    db.session.execute(
        statement,
        {
            "first": first,
            "last": first + rows - 1,
            "b0": first_buyer,
            "buyers": BUYERS,
            "r0": first_refurbisher,
            "refurbishers": REFURBISHERS,
            "created_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        },
    )


def _users(hub_id: int, buyer_id: int) -> None:
    password_hash = hash_password(PASSWORD)
    db.session.add_all(
        [
            User(email="coord@bench.example", name="C", password_hash=password_hash,
                 organisation_id=hub_id),
            User(email="buyer@bench.example", name="B", password_hash=password_hash,
                 organisation_id=buyer_id),
        ]
    )  # fmt: skip


def _client(app: Flask, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/connexion", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _timed_get(client, url: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    def get() -> None:
        # bench_app keeps an app context open, and Flask-Login caches the person on g:
        # forget it so that each client is served as itself.
        g.pop("_login_user", None)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return median_ms(get, repeat=repeat, warmup=2)


def run() -> None:
    with bench_app() as app:
        started = time.perf_counter()
        hub_id, first_buyer = _organisations()
        _ledger(first_buyer)
        rebuild_summary()
        _users(hub_id, first_buyer + 7)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"# stats data built in {time.perf_counter() - started:.1f} s", flush=True)
        coordinator = _client(app, "coord@bench.example")
        buyer = _client(app, "buyer@bench.example")
        url = f"/indicateurs?annee={YEAR}"
        report("dashboard_hub_ms", _timed_get(coordinator, url, 15), "ms")
        report("dashboard_buyer_ms", _timed_get(buyer, url, 30), "ms")
        declaration = f"/indicateurs/declaration/{YEAR}.csv"
        report("declaration_export_all_s", _timed_get(coordinator, declaration, 5) / 1000, "s")
        for name, client in (("hub", coordinator), ("buyer", buyer)):
            g.pop("_login_user", None)
            with count_queries() as statements:
                client.get(url)
            report(f"dashboard_{name}_statements", len(statements), "statements")
