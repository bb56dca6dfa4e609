"""Writing the audit log, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from nrhub.audit.models import AuditEvent
from nrhub.db import bulk_insert, stored_rows
from nrhub.extensions import db

if TYPE_CHECKING:  # the audit log imports no area when it runs
    from nrhub.auth.models import User


def record(
    action: str,
    obj: Any = None,
    *,
    by: User | None,
    organisation_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits).

    ``organisation_id`` defaults to the acting person's organisation.
    """
    if obj is not None:
        object_type = object_type or type(obj).__tablename__
        object_id = object_id if object_id is not None else obj.id
    if organisation_id is None and by is not None:
        organisation_id = by.organisation_id
    event = AuditEvent(
        actor_id=by.id if by is not None else None,
        organisation_id=organisation_id,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        details={key: _jsonable(value) for key, value in details.items()},
    )
    db.session.add(event)
    return event


def event_row(
    action: str,
    *,
    by: User,
    object_type: str,
    object_id: int | None,
    at: dt.datetime,
    organisation_id: int | None = None,
    **details: Any,
) -> dict[str, Any]:
    """An audit event as a row, for :func:`record_many` (bulk writes of many objects)."""
    return {
        "actor_id": by.id,
        "organisation_id": by.organisation_id if organisation_id is None else organisation_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "at": at,
        "details": {key: _jsonable(value) for key, value in details.items()},
    }


_EVENT_COLUMNS = (
    "actor_id",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "at",
    "details",
)


def record_many(rows: Iterable[dict[str, Any]]) -> None:
    """Add the events of :func:`event_row` to the current transaction in one statement
    (a ``COPY`` on PostgreSQL: an import writes one event per line)."""
    batch = list(rows)
    connection = db.session.connection()
    table = AuditEvent.__table__
    bulk_insert(
        connection, table, _EVENT_COLUMNS, stored_rows(connection, table, _EVENT_COLUMNS, batch)
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)
