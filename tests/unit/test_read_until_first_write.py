"""PostgreSQL: a request that reads (GET) runs outside any transaction until its first
statement that writes or locks, which begins it; the unit of work then commits or rolls it
back as always. SQLite keeps its deferred transactions (no round trip to spare there)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from nrhub.db import read_until_first_write
from nrhub.extensions import db
from nrhub.organisations.models import Organisation
from tests import factories


def _status(session: Session) -> Any:
    """The server's transaction status of the session's connection (psycopg)."""
    raw = session.connection().connection.driver_connection
    return raw.info.transaction_status


@pytest.fixture
def organisation(app: Flask) -> Organisation:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's deferred transaction costs no round trip")
    organisation = factories.BuyerFactory(name="Commune de Vitré")
    db.session.commit()
    return organisation


def test_reads_begin_no_transaction(organisation: Organisation) -> None:
    from psycopg.pq import TransactionStatus

    session = db.session()
    read_until_first_write(session.connection())
    names = session.execute(select(Organisation.name)).scalars().all()
    assert names == ["Commune de Vitré"]
    assert _status(session) == TransactionStatus.IDLE
    session.commit()


@pytest.mark.parametrize("first", ["write", "locking read"])
def test_the_first_write_or_lock_begins_the_transaction(
    organisation: Organisation, first: str
) -> None:
    from psycopg.pq import TransactionStatus

    session = db.session()
    read_until_first_write(session.connection())
    session.execute(select(Organisation.name)).all()
    if first == "write":
        session.execute(
            update(Organisation).where(Organisation.id == organisation.id).values(name="Redon")
        )
    else:
        session.execute(select(Organisation).with_for_update()).all()
    assert _status(session) == TransactionStatus.INTRANS
    session.rollback()  # the unit of work's refusal: nothing written stays
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).name == "Commune de Vitré"  # type: ignore[union-attr]


def test_a_page_sends_neither_begin_nor_commit(organisation, client, monkeypatch):  # type: ignore[no-untyped-def]
    import psycopg._connection_base as connection_base

    sent: list[object] = []
    original = connection_base.BaseConnection._exec_command

    def logged(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(command)  # BEGIN, COMMIT, ROLLBACK: psycopg's own commands
        return original(self, command, *args, **kwargs)

    db.session.commit()
    monkeypatch.setattr(connection_base.BaseConnection, "_exec_command", logged)
    assert client.get("/catalogue").status_code == 200
    assert sent == []


def test_a_page_without_database_takes_no_connection(app, client):  # type: ignore[no-untyped-def]
    """The health check, the benchmark's ceiling, costs no round trip and no connection
    (on either database)."""
    taken: list[object] = []
    db.session.commit()

    def _checkout(*args: object) -> None:
        taken.append(args)

    event.listen(db.engine, "checkout", _checkout)
    try:
        assert client.get("/sante").status_code == 200
    finally:
        event.remove(db.engine, "checkout", _checkout)
    assert taken == []


def test_a_copy_begins_the_transaction_too(organisation: Organisation) -> None:
    """``COPY`` (nrhub.db.bulk_insert) is sent by the driver, round SQLAlchemy's events."""
    from psycopg.pq import TransactionStatus

    from nrhub.audit.models import AuditEvent
    from nrhub.db import bulk_insert, utcnow

    session = db.session()
    read_until_first_write(session.connection())
    table = AuditEvent.__table__
    columns = ("action", "object_type", "at", "details")
    bulk_insert(session.connection(), table, columns, [("test.copy", "", utcnow(), "{}")])
    assert _status(session) == TransactionStatus.INTRANS
    session.rollback()
    assert db.session.scalar(select(func.count()).select_from(table)) == 0
