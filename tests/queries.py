"""Counting SQL statements in tests (N+1 guards)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

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
