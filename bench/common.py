"""Shared benchmark helpers: a throw-away app and database, timing, and the BENCH lines."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from config import TestingConfig
from nrhub import create_app
from nrhub.extensions import db

# Each area appends its module name here (run in this order).
# "http" last: it starts gunicorn and loads it with wrk (Debian package `wrk`).
MODULES: list[str] = ["catalog", "campaigns", "consolidation", "stats", "api", "http"]


def report(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.3f} {unit}", flush=True)


@contextmanager
def bench_app() -> Iterator[Flask]:
    """An app on an empty temporary database with the reference data loaded."""
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=url or f"sqlite:///{tmp}/bench.sqlite3",
            UPLOAD_DIR=f"{tmp}/uploads",
            WTF_CSRF_ENABLED=False,
            PROPAGATE_TEST_ERRORS=True,
        )
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
