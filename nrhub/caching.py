"""Short-lived copies of expensive reads and renderings (Flask-Caching, see config.py).

Cached pages are grouped in *areas* (:class:`Area`: the catalogue, the indicators, the
offers of campaign pages, the people of sessions), each with the tables its pages show.
Every copy is keyed by its area's *data generation*, a counter in the database (one row
per area) that each committed write to one of the area's tables increments. A copy is
therefore never served after the data under it changed, whichever worker made the change,
and a write elsewhere keeps it: an order changed during a campaign empties neither the
catalogue nor the campaign page's offers. The timeout only bounds the memory. Writes to
tables that no cached page shows (tokens, the audit log) count for no area, so calling the
API empties nothing; a login writes its person, and so empties the people kept for
sessions only.

Writes are seen at two levels: objects flushed by the ORM (their class's table; rows of an
association table count as their owner's, e.g. a campaign's clauses as ``campaign``) and
Core/bulk statements (their table). A statement whose table cannot be told counts for every
area. ``tests/catalog/test_catalogue_cache.py`` and ``tests/stats`` check that each area's
pages read only the tables listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from enum import IntEnum
from functools import partial
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g
from markupsafe import Markup
from sqlalchemy import Connection, Integer, event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from nrhub.db import rows_changed
from nrhub.extensions import Model, cache, db

T = TypeVar("T")
M = TypeVar("M", bound=Model)

# Tables written on every login or API call, shown by no cached page (a login writes its
# person too: the accounts' generation moves then, which costs one statement).
UNCACHED_TABLES = frozenset(
    {
        "account_token",
        "api_token",
        "api_idempotent_request",
        "audit_event",
        "cache_generation",
        "login_throttle",
        "outbox_mail",
    }
)
# Read by every request of a logged-in person, whatever its page (kept under
# Area.ACCOUNTS): the other areas need not list it.
SESSION_TABLES = frozenset({"user_account"})
# Stands for a write whose table could not be told: it counts for every area.
ANY_TABLE = "*"
STALE = "nrhub_cache_stale"
MEMO_LIMIT = 20_000  # entries of one of :func:`remembered`'s dictionaries


class Area(IntEnum):
    """A group of cached pages; its value is the id of its row in ``cache_generation``
    (row 1 was the single generation of every page before areas)."""

    CATALOGUE = 2
    STATS = 3
    CAMPAIGNS = 4
    MEMBERSHIPS = 5
    ACCOUNTS = 6


# The tables each area's cached pages read (directly, or as the owner of an association
# table written through the ORM).
AREA_TABLES: dict[Area, frozenset[str]] = {
    Area.CATALOGUE: frozenset(
        {"category", "listing", "price_tier", "listing_photo", "organisation"}
    ),
    # A campaign page's categories and clauses, its offers and their maintenance, not
    # their orders (nrhub.campaigns.queries).
    Area.CAMPAIGNS: frozenset(
        {
            "campaign",
            "campaign_category",
            "campaign_clause",
            "clause",
            "campaign_offer",
            "campaign_offer_tier",
            "maintenance_offer",
            "listing",
            "price_tier",
            "category",
            "organisation",
        }
    ),
    # The person of a session and their organisation (nrhub.auth.services.user_for_session).
    Area.ACCOUNTS: SESSION_TABLES | {"organisation"},
    # Whether a buyer's membership agreement is in force, as campaign pages show it.
    Area.MEMBERSHIPS: frozenset({"membership_agreement"}),
    Area.STATS: frozenset(
        {
            "category",
            "organisation",
            "campaign",
            "campaign_clause",
            "clause",
            "repair_request",
            "spend_entry",
            "spend_import",
            "spend_summary",
            "spend_summary_buyer",
            "spend_summary_department",
            "legal_target",
            "donation_lot",
            "donation_lot_photo",
            "donation_claim",
            "retired_stock",
            "retired_outcome",
            "donation_settings",
        }
    ),
}


class CacheGeneration(Model):
    """One row per :class:`Area`: how many committed writes have changed what its cached
    pages show."""

    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


_GENERATIONS = CacheGeneration.__table__
# Read on every cached page: a plain Core statement, built once; every area in one go.
_READ_GENERATIONS = select(_GENERATIONS.c.id, _GENERATIONS.c.value)


def areas_of(tables: Iterable[str]) -> set[Area]:
    """The areas whose cached pages show one of ``tables``."""
    written = set(tables) - UNCACHED_TABLES
    if ANY_TABLE in written:
        return set(Area)
    return {area for area, shown in AREA_TABLES.items() if written & shown}


def generation(area: Area) -> int:
    """The data generation of ``area``; every area's is read once per request."""
    if "cache_generations" not in g:
        g.cache_generations = {row.id: row.value for row in db.session.execute(_READ_GENERATIONS)}
    return int(g.cache_generations.get(int(area), 0))


def keeps(seconds: int) -> bool:
    """Whether copies kept for ``seconds`` are kept at all (0 or less, or no cache: not)."""
    return seconds > 0 and current_app.config["CACHE_TYPE"] != "NullCache"


class Memo:
    """The values one process keeps under ``name`` and the data generation of an area, as
    read by one request (see :func:`memo`): looked up many times per page (a row of a
    table, its figures), faster than the cache's copies. Built per request, never kept."""

    __slots__ = ("_generation", "_keeps", "_values")

    def __init__(self, values: dict[Hashable, Any], generation: int, keeps: bool) -> None:
        self._values = values
        self._generation = generation
        self._keeps = keeps

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept under ``key``, which must name everything else the value
        depends on."""
        if not self._keeps:
            return compute()
        full_key = (self._generation, key)
        value: T | None = self._values.get(full_key)
        if value is None:
            if len(self._values) >= MEMO_LIMIT:
                self._values.clear()
            value = self._values[full_key] = compute()
        return value


def memo(name: str, *, area: Area, seconds: int) -> Memo:
    """The application's dictionary ``name`` (one per process) of values kept under the
    data generation of ``area``, while copies are kept at all (``seconds``, as
    :func:`cached`). No timeout: a dictionary is emptied when it holds more than
    ``MEMO_LIMIT`` entries. A value must not be None (None is computed again)."""
    if not keeps(seconds):
        return Memo({}, 0, keeps=False)
    values: dict[Hashable, Any] = current_app.extensions.setdefault(f"nrhub_memo_{name}", {})
    return Memo(values, generation(area), keeps=True)


def remembered(
    name: str, key: Hashable, compute: Callable[[], T], *, area: Area, seconds: int
) -> T:
    """One value of :func:`memo`'s dictionary ``name``, kept under ``key``."""
    return memo(name, area=area, seconds=seconds).get(key, compute)


def kept_instance(
    name: str, key: Hashable, read: Callable[[Session], M | None], *, area: Area, seconds: int
) -> M | None:
    """The ORM object ``read(session)`` returns (with what it loads eagerly), kept by each
    process as :func:`remembered` keeps values, and put in the request's session as it was
    read, without a statement (``merge(load=False)``): for a row that nearly every request
    of some kind reads. Not for a row a request is about to change: what it reads is the
    data as of the generation read by this request, not as of its own statements."""
    if not keeps(seconds):
        return read(db.session())
    kept = remembered(name, key, partial(_read_detached, read), area=area, seconds=seconds)
    if kept is _ABSENT:
        return None
    return db.session.merge(cast(M, kept), load=False)


# Kept for a row that does not exist (a kept value is never None).
_ABSENT = object()


def _read_detached(read: Callable[[Session], M | None]) -> M | object:
    """``read`` by a session of its own, in the request's transaction, closed at once: its
    objects, detached, belong to no request."""
    with Session(bind=db.session.connection()) as reader:
        found = read(reader)
    return _ABSENT if found is None else found


def cached(key: str, seconds: int, compute: Callable[[], T], *, area: Area) -> T:
    """``compute()``, kept under ``key`` (and the data generation of ``area``, the pages
    ``compute`` belongs to) for at most ``seconds``; 0 or less keeps nothing (for
    Flask-Caching a timeout of 0 would mean "forever")."""
    if not keeps(seconds):
        return compute()
    full_key = f"{key}:{area.name.lower()}{generation(area)}"
    value: T | None = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=seconds)
    return value


def cached_html(key: str, seconds: int, render: Callable[[], str], *, area: Area) -> Markup:
    """A fragment rendered by our own (autoescaped) templates, kept by :func:`cached` as
    plain text and marked safe again when read back."""
    return Markup(cached(key, seconds, render, area=area))  # noqa: S704  # nosec B704


def _written(session: Session) -> set[str]:
    tables: set[str] = session.info.setdefault(STALE, set())
    return tables


def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    tables = {
        getattr(obj, "__tablename__", None) or ANY_TABLE
        for obj in (*session.new, *session.dirty, *session.deleted)
    }
    if tables - UNCACHED_TABLES:
        _written(session).update(tables - UNCACHED_TABLES)


def _note_statement(state: ORMExecuteState) -> None:
    # Bulk and conditional writes (stock updates, consolidation) bypass the flush.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None) or ANY_TABLE
        if name not in UNCACHED_TABLES:
            _written(state.session).add(name)


def _increment(connection: Connection, area: Area) -> bool:
    bumped = connection.execute(
        update(_GENERATIONS)
        .where(_GENERATIONS.c.id == int(area))
        .values(value=_GENERATIONS.c.value + 1)
    )
    return bool(rows_changed(bumped))


def _bump(connection: Connection, area: Area) -> None:
    if _increment(connection, area):
        return
    try:
        with connection.begin_nested():
            connection.execute(insert(_GENERATIONS).values(id=int(area), value=1))
    except IntegrityError:  # another worker inserted it first
        _increment(connection, area)


def _bump_after_commit(session: Session) -> None:
    # SQLAlchemy also calls this when a SAVEPOINT is released: the data is not committed yet.
    if session.in_nested_transaction():
        return
    areas = areas_of(session.info.pop(STALE, ()))
    if not areas:
        return
    # The session's transaction is over: a short one of its own, on its own connection,
    # taking the rows in id order (the same lock order for every writer).
    with db.engine.begin() as connection:
        for area in sorted(areas):
            _bump(connection, area)


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
    # A mark on the function itself (one per process); mypy knows no function attributes.
    init_app.listening = True  # type: ignore[attr-defined]
