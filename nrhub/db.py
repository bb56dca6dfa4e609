"""Declarative base, naming convention, and the money and time column types."""

from __future__ import annotations

import contextvars
import datetime as dt
import time
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    CursorResult,
    DateTime,
    Engine,
    MetaData,
    Result,
    Table,
    event,
)
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction
from sqlalchemy.sql.selectable import GenerativeSelect
from sqlalchemy.types import TypeDecorator

# The money helpers live in nrhub.money (pure, no database); kept importable from here.
from nrhub.money import CENT as CENT
from nrhub.money import from_cents as from_cents
from nrhub.money import quantize_money as quantize_money
from nrhub.money import to_cents as to_cents

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:  # every model is mapped to a Table (SQLAlchemy says FromClause)
        __table__: ClassVar[Table]


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed: the answer of every compare-and-set.
    (``Session.execute`` is typed as returning a plain ``Result``; DML gives a cursor's.)"""
    return int(cast("CursorResult[Any]", result).rowcount)


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    """Write many rows of plain tuples, as stored (money in cents, JSON as text), the
    fastest way each database offers: the driver's executemany on SQLite, ``COPY`` on
    PostgreSQL.

    For tables written thousands of rows at a time (a consolidation's allocations, an
    import's price tiers), this skips SQLAlchemy's per-row parameter processing and
    PostgreSQL's one statement a row.
    """
    if not rows:
        return
    names = ", ".join(table.c[name].name for name in columns)  # KeyError on a typo
    if connection.dialect.name == "postgresql":
        begin_if_reading(connection)  # COPY goes round SQLAlchemy's events
        driver: Any = connection.connection.driver_connection  # psycopg's, untyped here
        cursor = driver.cursor()
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    markers = ", ".join("?" * len(columns))
    connection.exec_driver_sql(
        # Table and column names come from the model, values are bound: no input in the SQL.
        f"INSERT INTO {table.name} ({names}) VALUES ({markers})",  # noqa: S608  # nosec B608
        rows,
    )


def stored_rows(
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    rows: list[dict[str, Any]],
) -> list[tuple[Any, ...]]:
    """Rows of model values (euros, aware datetimes, dicts) as :func:`bulk_insert` takes
    them: each value through its column type's bind processing, as an INSERT would."""
    # Neither COPY nor a driver's executemany applies the columns' Python-side defaults.
    unset = [c.name for c in table.c if c.default is not None and c.name not in columns]
    if unset:
        raise ValueError(f"{table.name}: give {', '.join(unset)} (defaults not applied)")
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    steps = list(zip(columns, processors, strict=True))
    return [
        tuple(
            process(row.get(name)) if process is not None else row.get(name)
            for name, process in steps
        )
        for row in rows
    ]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Money(TypeDecorator[Decimal]):
    """An amount in euros: ``Decimal`` in Python, integer cents in the database.

    SQLite stores ``NUMERIC`` as floating point, so sums would drift; integer cents
    keep every aggregate exact on both databases.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return to_cents(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return from_cents(value)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime, always stored in UTC (naive UTC on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        if moment.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        moment = moment.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return moment.replace(tzinfo=None)
        return moment

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)


# Whether the current unit of work may write. GET requests read only, so their SQLite
# transactions stay deferred and run concurrently; everything else takes the write lock
# at BEGIN (BEGIN IMMEDIATE), which is the only way SQLite never fails a read-then-write
# transaction halfway with "database is locked".
sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=True
)


_CONFIGURED_SQLITE: weakref.WeakSet[Engine] = weakref.WeakSet()
_PINGED_WHEN_IDLE: weakref.WeakSet[Engine] = weakref.WeakSet()
_RETURNED_AT = "nrhub_returned_at"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check that a pooled connection still answers before it is used again after
    ``idle_seconds`` or more in the pool, and replace it if not: a restart, a failover or a
    network timeout may have closed it meanwhile. ``pool_pre_ping`` checks at every use, a
    round trip per request; a connection back in the pool a moment ago (under load, all of
    them) is taken as is. Once per engine."""
    if engine in _PINGED_WHEN_IDLE:
        return
    _PINGED_WHEN_IDLE.add(engine)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is not None and time.monotonic() - returned_at < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as err:
            # The pool discards this connection and checks out a new one.
            raise DisconnectionError("connection closed while in the pool") from err


_READING = "nrhub_reading_until_first_write"
_LAZY_BEGIN: weakref.WeakSet[Engine] = weakref.WeakSet()


def read_until_first_write(connection: Connection) -> None:
    """PostgreSQL: run the statements of ``connection``, which a session has just taken
    (nothing sent yet), outside any transaction until the first one that writes or locks
    (:func:`_writes`), which begins it (a BEGIN just before); the unit of work then commits
    or rolls it back as always. Back in the pool, the connection is as it was.

    Under READ COMMITTED each statement of a transaction reads what was committed before it
    began, as a statement outside one does: the reads before the first write read the same.
    A page that only reads spares its BEGIN and COMMIT, two round trips."""
    raw: Any = connection.connection.driver_connection
    raw.autocommit = True  # psycopg: no BEGIN before the next statement
    connection.info[_READING] = True


def begin_if_reading(connection: Connection) -> None:
    """Begin the transaction of a connection still reading outside one (a write is next)."""
    if connection.info.get(_READING):
        connection.info[_READING] = False
        connection.exec_driver_sql("BEGIN")


def _writes(statement: Any) -> bool:
    """Whether ``statement`` must run in the transaction: anything but a plain SELECT (a
    write, a locking read, a savepoint, SQL given as text)."""
    if isinstance(statement, GenerativeSelect):
        return statement._for_update_arg is not None
    return True


def begin_at_first_write(
    engine: Engine, session_class: type[Session], reading: Callable[[], bool]
) -> None:
    """The events of :func:`read_until_first_write`, for the connections that sessions of
    ``session_class`` take while ``reading()`` (once per engine)."""
    if engine in _LAZY_BEGIN:
        return
    _LAZY_BEGIN.add(engine)

    @event.listens_for(session_class, "after_begin")
    def _reads_outside_a_transaction(
        _session: Session, transaction: SessionTransaction, connection: Connection
    ) -> None:
        # A savepoint's begin is the same connection, in its transaction already.
        if not transaction.nested and connection.engine is engine and reading():
            read_until_first_write(connection)

    @event.listens_for(engine, "before_execute")
    def _begin_before_writing(connection: Connection, statement: Any, *_args: Any) -> None:
        if _writes(statement):
            begin_if_reading(connection)

    @event.listens_for(engine, "checkin")
    def _restore_on_checkin(dbapi_connection: Any, record: Any) -> None:
        # Rolled back or committed by then: the server is outside any transaction.
        if record.info.pop(_READING, None) is not None and not dbapi_connection.closed:
            dbapi_connection.autocommit = False


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection (once per engine:
    the tests give every app of a session the same engine)."""
    if engine in _CONFIGURED_SQLITE:
        return
    _CONFIGURED_SQLITE.add(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (the documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_write_intent.get() else "BEGIN")
