"""Short-lived copies of expensive reads and renderings (Flask-Caching, see config.py).

Every cached copy is keyed by the *data generation*, a counter in the database that each
committed write to the business tables increments. A copy is therefore never served after
the data under it changed, whichever worker made the change; the timeout only bounds the
memory. Writes to tables that no cached page shows (sessions, tokens, the audit log) do not
count, so logging in or calling the API does not empty the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g
from markupsafe import Markup
from sqlalchemy import Connection, Integer, event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from nrhub.db import rows_changed
from nrhub.extensions import Model, cache, db

T = TypeVar("T")

# Tables written on every login or API call, shown by no cached page.
UNCACHED_TABLES = frozenset(
    {
        "user_account",
        "account_token",
        "api_token",
        "api_idempotent_request",
        "audit_event",
        "cache_generation",
        "login_throttle",
        "outbox_mail",
    }
)
STALE = "nrhub_cache_stale"
GENERATION_ROW = 1


class CacheGeneration(Model):
    """One row: how many committed writes have changed what cached pages show."""

    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


# Read on every cached page: a plain Core statement, built once.
_READ_GENERATION = select(CacheGeneration.__table__.c.value).where(
    CacheGeneration.__table__.c.id == GENERATION_ROW
)


def generation() -> int:
    """The data generation, read once per request."""
    if "cache_generation" not in g:
        g.cache_generation = db.session.execute(_READ_GENERATION).scalar_one_or_none() or 0
    return int(g.cache_generation)


def cached(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``key`` (and the data generation) for at most ``seconds``;
    0 or less keeps nothing (for Flask-Caching a timeout of 0 would mean "forever")."""
    if seconds <= 0 or current_app.config["CACHE_TYPE"] == "NullCache":
        return compute()
    full_key = f"{key}:g{generation()}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=seconds)
    return value  # type: ignore[no-any-return]


def cached_html(key: str, seconds: int, render: Callable[[], str]) -> Markup:
    """A fragment rendered by our own (autoescaped) templates, kept by :func:`cached` as
    plain text and marked safe again when read back."""
    return Markup(cached(key, seconds, render))  # noqa: S704  # nosec B704


def _touches_cached_data(objects: Any) -> bool:
    return any(getattr(obj, "__tablename__", None) not in UNCACHED_TABLES for obj in objects)


def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _touches_cached_data([*session.new, *session.dirty, *session.deleted]):
        session.info[STALE] = True


def _note_statement(state: ORMExecuteState) -> None:
    # Bulk and conditional writes (stock updates, consolidation) bypass the flush.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in UNCACHED_TABLES:
            state.session.info[STALE] = True


def _increment(connection: Connection) -> bool:
    row = CacheGeneration.__table__
    bumped = connection.execute(
        update(row).where(row.c.id == GENERATION_ROW).values(value=row.c.value + 1)
    )
    return bool(rows_changed(bumped))


def _bump_after_commit(session: Session) -> None:
    # SQLAlchemy also calls this when a SAVEPOINT is released: the data is not committed yet.
    if session.in_nested_transaction() or not session.info.pop(STALE, False):
        return
    # The session's transaction is over: a short one of its own, on its own connection.
    with db.engine.begin() as connection:
        if _increment(connection):
            return
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(CacheGeneration.__table__).values(id=GENERATION_ROW, value=1)
                )
        except IntegrityError:  # another worker inserted it first
            _increment(connection)


def _forget(session: Session, *_args: Any) -> None:
    # A SAVEPOINT rolled back leaves the writes of the enclosing transaction to be committed.
    if not session.in_nested_transaction():
        session.info.pop(STALE, None)


def init_app(app: Flask) -> None:
    cache.init_app(app)
    if getattr(init_app, "listening", False):
        return
    # Flask-SQLAlchemy's sessions are all of this class: register the listeners once.
    session_class = db.session.session_factory.class_
    event.listen(session_class, "before_flush", _note_flush)
    event.listen(session_class, "do_orm_execute", _note_statement)
    event.listen(session_class, "after_commit", _bump_after_commit)
    event.listen(session_class, "after_rollback", _forget)
    init_app.listening = True  # type: ignore[attr-defined]
