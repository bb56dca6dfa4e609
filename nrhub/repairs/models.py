"""Models of the repair requests (the maintenance offers are the catalogue's)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.auth.models import User
from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import Model
from nrhub.organisations.models import Organisation
from nrhub.photos import PhotoFile

if TYPE_CHECKING:  # consolidation imports this module: no import back at run time
    from nrhub.consolidation.models import Delivery, DeliveryLine


class RepairStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REPAIRED = "repaired"
    REPLACED = "replaced"
    REFUSED = "refused"


RESOLVED_STATUSES = (RepairStatus.REPAIRED, RepairStatus.REPLACED, RepairStatus.REFUSED)

# Which status may follow which (the refurbisher moves the request forward only).
NEXT_STATUSES: dict[RepairStatus, tuple[RepairStatus, ...]] = {
    RepairStatus.OPEN: (RepairStatus.IN_PROGRESS, RepairStatus.REFUSED),
    RepairStatus.IN_PROGRESS: (
        RepairStatus.REPAIRED,
        RepairStatus.REPLACED,
        RepairStatus.REFUSED,
    ),
    RepairStatus.REPAIRED: (),
    RepairStatus.REPLACED: (),
    RepairStatus.REFUSED: (),
}


class RepairRequest(Model):
    """A buyer's request to repair units of one line of a delivery it received."""

    __tablename__ = "repair_request"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_repair_request_refurbisher_status", "refurbisher_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    delivery_line_id: Mapped[int] = mapped_column(ForeignKey("delivery_line.id"))
    quantity: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[RepairStatus] = mapped_column(String(12), default=RepairStatus.OPEN)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    in_progress_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id], lazy="raise")
    refurbisher: Mapped[Organisation] = relationship(foreign_keys=[refurbisher_id], lazy="raise")
    delivery: Mapped[Delivery] = relationship(lazy="raise")
    delivery_line: Mapped[DeliveryLine] = relationship(lazy="raise")
    messages: Mapped[list[RepairMessage]] = relationship(
        back_populates="request",
        lazy="raise",
        order_by="RepairMessage.id",
        cascade="all, delete-orphan",
    )
    photos: Mapped[list[RepairPhoto]] = relationship(
        back_populates="request",
        lazy="raise",
        order_by="RepairPhoto.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_resolved(self) -> bool:
        return self.status in RESOLVED_STATUSES

    @property
    def next_statuses(self) -> tuple[RepairStatus, ...]:
        return NEXT_STATUSES[RepairStatus(self.status)]


class RepairMessage(Model):
    """A message of either side; ``status`` is the step it came with, if any."""

    __tablename__ = "repair_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("repair_request.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[RepairStatus | None] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[RepairRequest] = relationship(back_populates="messages", lazy="raise")
    author: Mapped[User | None] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")


class RepairPhoto(PhotoFile, Model):
    __tablename__ = "repair_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("repair_request.id", ondelete="CASCADE"), index=True
    )

    request: Mapped[RepairRequest] = relationship(back_populates="photos", lazy="raise")
