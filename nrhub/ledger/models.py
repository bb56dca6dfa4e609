"""The spend ledger: every purchase of IT equipment by a buyer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.catalog.models import Category
from nrhub.db import Money, UTCDateTime, utcnow
from nrhub.extensions import db
from nrhub.organisations.models import Organisation


class SpendOrigin(StrEnum):
    HUB = "hub"  # bought through a campaign, written at receipt
    EXTERNAL = "external"  # bought outside the hub, declared by the buyer
    DONATION = "donation"  # equipment received as a gift, at its flat-rate value


class SpendEntry(db.Model):  # type: ignore[name-defined,misc]
    """One purchase line. ``spent_on`` is the Europe/Paris calendar date of the spend."""

    __tablename__ = "spend_entry"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_spend_entry_buyer_year", "buyer_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    spent_on: Mapped[dt.date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    quantity: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Money)
    supplier_name: Mapped[str] = mapped_column(String(200))
    supplier_siret: Mapped[str | None] = mapped_column(String(14))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    supplier_department_code: Mapped[str | None] = mapped_column(String(3))
    supplier_region_code: Mapped[str | None] = mapped_column(String(2))
    supplier_is_ess: Mapped[bool] = mapped_column(default=False)
    origin: Mapped[SpendOrigin] = mapped_column(String(12))
    is_reuse: Mapped[bool] = mapped_column(default=False)
    has_recycled_materials: Mapped[bool] = mapped_column(default=False)
    # DECP values of the contract: "Clause sociale", "Critère social", "Marché réservé",
    # "Pas de considération sociale"; "Clause environnementale", ...
    social_consideration: Mapped[str] = mapped_column(
        String(40), default="Pas de considération sociale"
    )
    environmental_consideration: Mapped[str] = mapped_column(
        String(50), default="Pas de considération environnementale"
    )
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    delivery_line_id: Mapped[int | None] = mapped_column(unique=True)
    comment: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id], lazy="raise")
    supplier: Mapped[Organisation | None] = relationship(foreign_keys=[supplier_id], lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")
