"""Reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from nrhub.audit.models import AuditEvent
from nrhub.extensions import db

PAGE_SIZE = 50


@dataclass(frozen=True)
class EventPage:
    items: list[AuditEvent]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_events(
    organisation_id: int | None = None,
    action: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> EventPage:
    """Audit events, newest first, with their actor and organisation loaded."""
    conditions = []
    if organisation_id is not None:
        conditions.append(AuditEvent.organisation_id == organisation_id)
    if action:
        conditions.append(AuditEvent.action == action)
    total = db.session.execute(select(func.count(AuditEvent.id)).where(*conditions)).scalar_one()
    page = max(1, page)
    items = db.session.execute(
        select(AuditEvent)
        .where(*conditions)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.organisation))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    return EventPage(list(items), page, per_page, int(total))


def list_actions() -> list[str]:
    """Every action present in the log, for the filter."""
    return list(
        db.session.execute(
            select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        ).scalars()
    )
