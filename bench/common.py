"""Shared benchmark helpers: the database of the run, a throw-away app, timing, BENCH lines.

``make bench`` runs every module on SQLite (a temporary file), then, when
``BENCH_DATABASE_URL`` names a PostgreSQL database, every module again on it: each line of
that second run carries ``_pg`` before its unit (``catalogue_page_ms`` →
``catalogue_page_pg_ms``, ``rush_oversold_units`` → ``rush_oversold_pg_units``).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from werkzeug.test import TestResponse

from config import TestingConfig
from nrhub import create_app
from nrhub.extensions import db

# Each area appends its module name here (run in this order).
# "http" and "rush" last: they start gunicorn and load it with wrk (Debian package `wrk`).
MODULES: list[str] = [
    "catalog",
    "campaigns",
    "consolidation",
    "stats",
    "api",
    "auth",
    "http",
    "rush",
]


@dataclass(frozen=True)
class Backend:
    """The database one pass of the bench runs on: None is a temporary SQLite file."""

    dialect: str
    url: str | None
    suffix: str  # inserted before the unit of every BENCH line of the pass


SQLITE = Backend("sqlite", None, "")
_current = SQLITE


def backends(url: str | None = None) -> list[Backend]:
    """SQLite always, then PostgreSQL when ``BENCH_DATABASE_URL`` (or ``url``) is set."""
    url = url if url is not None else os.environ.get("BENCH_DATABASE_URL", "")
    if not url:
        return [SQLITE]
    if not url.startswith("postgresql"):
        raise SystemExit(
            f"BENCH_DATABASE_URL must name a PostgreSQL database (postgresql+psycopg://…), "
            f"not {url.split(':', 1)[0]}"
        )
    return [SQLITE, Backend("postgresql", url, "_pg")]


@contextmanager
def using(backend: Backend) -> Iterator[Backend]:
    """Run the benchmarks of the block on ``backend``."""
    global _current
    saved = _current
    _current = backend
    try:
        yield backend
    finally:
        _current = saved


def current_backend() -> Backend:
    return _current


def line_name(name: str, suffix: str) -> str:
    """``name`` with ``suffix`` before its last part, the unit: ``a_b_ms`` → ``a_b_pg_ms``."""
    if not suffix:
        return name
    stem, sep, unit = name.rpartition("_")
    return f"{stem}{suffix}{sep}{unit}" if sep else f"{name}{suffix}"


def report(name: str, value: float, unit: str) -> None:
    print(f"BENCH {line_name(name, _current.suffix)} {value:.3f} {unit}", flush=True)


def note(message: str) -> None:
    """A comment line of the bench's output (never read as a figure)."""
    print(f"# {message}", flush=True)


def database_version(backend: Backend) -> str:
    """``sqlite 3.40.1`` or ``postgresql 15.20``: the server the pass runs on."""
    if backend.url is None:
        return f"sqlite {sqlite3.sqlite_version}"
    engine = create_engine(backend.url)
    try:
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()
    return f"{backend.dialect} {version.split()[0]}"


@contextmanager
def bench_app(**overrides: Any) -> Iterator[Flask]:
    """An app on an empty database of the current backend, the reference data loaded."""
    url = _current.url
    with tempfile.TemporaryDirectory() as tmp:
        settings: dict[str, Any] = {
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp}/bench.sqlite3",
            "UPLOAD_DIR": f"{tmp}/uploads",
            "WTF_CSRF_ENABLED": False,
            "PROPAGATE_TEST_ERRORS": True,
        }
        app = create_app(TestingConfig, **(settings | overrides))
        with app.app_context():
            db.drop_all()
            db.create_all()
            from nrhub.reference import load_reference_data

            load_reference_data()
            db.session.commit()
            try:
                yield app
            finally:
                db.session.remove()
                db.drop_all()
                db.engine.dispose()


def get_ok(client: FlaskClient, url: str) -> TestResponse:
    """``GET url`` as a server's fresh request would run it, and check it answered 200.

    bench_app keeps an app context open and the test client's requests share it, so that
    Flask-Login's person cached on ``g`` would leak from one request (or client) to the next.
    """
    g.pop("_login_user", None)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def login(client: FlaskClient, email: str, password: str) -> None:
    g.pop("_login_user", None)
    response = client.post("/connexion", data={"email": email, "password": password})
    assert response.status_code == 302, (email, response.status_code)


def analyze() -> None:
    """Planner statistics after loading, as a production PostgreSQL has them (autovacuum
    gathers them there). SQLite keeps none unless asked, so it is left as it would run."""
    if db.engine.dialect.name != "postgresql":
        return
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def median_ms(func: Callable[[], Any], repeat: int = 20, warmup: int = 2) -> float:
    for _ in range(warmup):
        func()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", _before)
