"""Counting SQL statements in tests (N+1 guards)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.sql import visitors

from nrhub.extensions import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", _before)


@contextmanager
def tables_read() -> Iterator[set[str]]:
    """The names of the tables every statement executed meanwhile reads or writes,
    subqueries included (to check a cached area's list of tables)."""
    tables: set[str] = set()

    def _before(conn: Any, element: Any, *args: Any) -> None:
        for node in visitors.iterate(element):
            if isinstance(node, Table):
                tables.add(node.name)

    event.listen(db.engine, "before_execute", _before)
    try:
        yield tables
    finally:
        event.remove(db.engine, "before_execute", _before)
