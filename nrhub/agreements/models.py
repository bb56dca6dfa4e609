"""The legal frame of the hub: buyers' membership agreements and framework agreements.

A buyer orders only under a membership agreement (convention d'adhésion) in force; a
campaign may be a call-off (bons de commande) under one lot of a framework agreement
(accord-cadre), whose holders alone then commit stock.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.catalog.models import Category
from nrhub.db import Money, UTCDateTime, utcnow
from nrhub.extensions import Model, db
from nrhub.organisations.models import Organisation

# The share of a maximum from which the coordination is warned.
WARNING_SHARE = Decimal("0.8")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


class MembershipAgreement(Model):
    """A buyer's signed membership agreement; it is in force from its signature to its end
    date (included), or without end."""

    __tablename__ = "membership_agreement"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= signed_on", name="ends_after_signature"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    text_version: Mapped[str] = mapped_column(String(40))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_role: Mapped[str] = mapped_column(String(200))
    deliberation_reference: Mapped[str] = mapped_column(String(200), default="")
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    # The signed copy (PDF), stored under a random name in UPLOAD_DIR.
    document_name: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    buyer: Mapped[Organisation] = relationship(lazy="raise")

    def in_force_on(self, day: dt.date) -> bool:
        return self.signed_on <= day and (self.ends_on is None or day <= self.ends_on)


class Procedure(StrEnum):
    """The award procedures, named as the DECP format names them."""

    ADAPTED = "Procédure adaptée"
    OPEN_TENDER = "Appel d'offres ouvert"
    RESTRICTED_TENDER = "Appel d'offres restreint"
    NEGOTIATED = "Procédure avec négociation"
    NO_COMPETITION = "Marché passé sans publicité ni mise en concurrence préalable"
    DIALOGUE = "Dialogue compétitif"


class Ccag(StrEnum):
    """The general administrative terms (CCAG), named as the DECP format names them."""

    TIC = "Techniques de l'information et de la communication"
    FCS = "Fournitures courantes et services"
    PI = "Prestations intellectuelles"
    INDUSTRIAL = "Marchés industriels"
    NONE = "Pas de CCAG"


class FrameworkAgreement(Model):
    """An accord-cadre of the hub; ``ordered_amount`` is the amount HT ordered under all its
    lots (orders of open campaigns at their base price, then the purchase orders)."""

    __tablename__ = "framework_agreement"
    __table_args__ = (
        CheckConstraint("duration_months >= 1", name="duration_positive"),
        CheckConstraint("maximum_amount > 0", name="maximum_positive"),
        CheckConstraint("ordered_amount >= 0", name="ordered_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    procedure: Mapped[Procedure] = mapped_column(String(80))
    awarded_on: Mapped[dt.date] = mapped_column(Date)
    duration_months: Mapped[int] = mapped_column()
    maximum_amount: Mapped[Decimal] = mapped_column(Money)
    ordered_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    ccag: Mapped[Ccag] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    lots: Mapped[list[FrameworkLot]] = relationship(
        back_populates="agreement", lazy="raise", order_by="FrameworkLot.number"
    )

    @property
    def ends_on(self) -> dt.date:
        """The day before the same date ``duration_months`` after the award."""
        return add_months(self.awarded_on, self.duration_months) - dt.timedelta(days=1)


framework_lot_category = Table(
    "framework_lot_category",
    db.metadata,
    Column("lot_id", ForeignKey("framework_lot.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id"), primary_key=True),
)


class FrameworkLot(Model):
    """A lot of a framework agreement; its own maximum is optional (else the agreement's
    alone bounds it)."""

    __tablename__ = "framework_lot"
    __table_args__ = (
        UniqueConstraint("agreement_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("maximum_amount IS NULL OR maximum_amount > 0", name="maximum_positive"),
        CheckConstraint("ordered_amount >= 0", name="ordered_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("framework_agreement.id"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    cpv_code: Mapped[str] = mapped_column(String(10))
    maximum_amount: Mapped[Decimal | None] = mapped_column(Money)
    ordered_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    agreement: Mapped[FrameworkAgreement] = relationship(back_populates="lots", lazy="raise")
    categories: Mapped[list[Category]] = relationship(
        secondary=framework_lot_category, lazy="raise", order_by="Category.sort_order"
    )
    holders: Mapped[list[FrameworkLotHolder]] = relationship(
        back_populates="lot", lazy="raise", order_by="FrameworkLotHolder.id"
    )


class FrameworkLotHolder(Model):
    """A refurbisher holding a lot (titulaire), with its own contract reference."""

    __tablename__ = "framework_lot_holder"
    __table_args__ = (UniqueConstraint("lot_id", "refurbisher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(
        ForeignKey("framework_lot.id", ondelete="CASCADE"), index=True
    )
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60), default="")

    lot: Mapped[FrameworkLot] = relationship(back_populates="holders", lazy="raise")
    refurbisher: Mapped[Organisation] = relationship(lazy="raise")
