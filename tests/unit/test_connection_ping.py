"""A pooled connection closed while it waited in the pool (a restart, a failover, a network
timeout) is replaced before use; one used a moment ago is not checked (no round trip)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from nrhub.db import ping_when_idle
from nrhub.extensions import db


def _engine(tmp_path: Path) -> Engine:
    """An engine of its own on the test database's server (a SQLite file otherwise)."""
    url = db.engine.url
    if url.get_backend_name() != "postgresql":
        url = f"sqlite:///{tmp_path / 'ping.sqlite3'}"
    return create_engine(url, pool_size=1, max_overflow=0)


def _close_pooled_connection(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.close()  # behind the pool's back, as a server restart would


def test_a_connection_closed_while_idle_is_replaced(app: Flask, tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    ping_when_idle(engine, idle_seconds=0)
    try:
        _close_pooled_connection(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_connection_back_a_moment_ago_is_not_pinged(app: Flask, tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    ping_when_idle(engine, idle_seconds=3600)
    try:
        _close_pooled_connection(engine)
        # Taken as is: the closed connection fails (and is then replaced by the pool).
        with pytest.raises(DBAPIError), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
