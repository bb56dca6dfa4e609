"""Invoices and credit notes a refurbisher issues for a buyer's delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.consolidation.amounts import Amounts
from nrhub.db import Money, UTCDateTime, utcnow
from nrhub.extensions import Model
from nrhub.organisations.models import Organisation


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Invoice(Model):
    """An invoice (for the units of a delivery received and not yet invoiced) or a credit
    note (for invoiced units refused afterwards). Its number is the refurbisher's own,
    unique among its invoices and credit notes.

    ``received_units`` is, for an invoice, the delivery's received units it invoices up to:
    unique per delivery, so two invoices for the same received units cannot both exist
    (NULL for a credit note, which never collides).
    """

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("refurbisher_id", "number"),
        UniqueConstraint("delivery_id", "received_units"),
        CheckConstraint("total_ht >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InvoiceKind] = mapped_column(String(12), default=InvoiceKind.INVOICE)
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    received_units: Mapped[int | None] = mapped_column()
    # The invoice a credit note corrects.
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    total_ht: Mapped[Decimal] = mapped_column(Money)
    total_vat: Mapped[Decimal] = mapped_column(Money)
    total_ttc: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    refurbisher: Mapped[Organisation] = relationship(foreign_keys=[refurbisher_id], lazy="raise")
    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id], lazy="raise")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", lazy="raise", order_by="InvoiceLine.id"
    )

    @property
    def amounts(self) -> Amounts:
        return Amounts(self.total_ht, self.total_vat, self.total_ttc)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class InvoiceLine(Model):
    """One invoiced line: equipment or its maintenance, at the frozen pooled price.

    ``margin_scheme``: sold under the margin scheme for second-hand goods (art. 297 A CGI),
    no VAT shown.
    """

    __tablename__ = "invoice_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    delivery_line_id: Mapped[int] = mapped_column(ForeignKey("delivery_line.id"))
    is_maintenance: Mapped[bool] = mapped_column(default=False)
    designation: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    margin_scheme: Mapped[bool] = mapped_column(default=False)
    amount_ht: Mapped[Decimal] = mapped_column(Money)
    amount_vat: Mapped[Decimal] = mapped_column(Money)

    invoice: Mapped[Invoice] = relationship(back_populates="lines", lazy="raise")

    @property
    def amounts(self) -> Amounts:
        return Amounts(self.amount_ht, self.amount_vat, self.amount_ht + self.amount_vat)
