"""Pooled purchasing campaigns."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.catalog.models import Category
from nrhub.clauses.models import Clause
from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import db


class CampaignState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CONSOLIDATED = "consolidated"
    IN_DELIVERY = "in_delivery"
    DONE = "done"
    CANCELLED = "cancelled"


campaign_category = Table(
    "campaign_category",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id"), primary_key=True),
)

campaign_clause = Table(
    "campaign_clause",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("clause_id", ForeignKey("clause.id"), primary_key=True),
)


class Campaign(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    delivery_from: Mapped[dt.date | None] = mapped_column(Date)
    delivery_to: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[CampaignState] = mapped_column(
        String(20), default=CampaignState.DRAFT, index=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    consolidated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    categories: Mapped[list[Category]] = relationship(
        secondary=campaign_category, lazy="raise", order_by="Category.sort_order"
    )
    clauses: Mapped[list[Clause]] = relationship(
        secondary=campaign_clause, lazy="raise", order_by="Clause.id"
    )

    def is_open_at(self, moment: dt.datetime) -> bool:
        """Orders are accepted only in the open state and inside the ordering window."""
        return self.state == CampaignState.OPEN and self.opens_at <= moment < self.closes_at
