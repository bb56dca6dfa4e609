"""Consolidation results: allocations, purchase orders and per-buyer deliveries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign, CampaignOffer, OrderLine
from nrhub.catalog.models import Category
from nrhub.consolidation.allocation import Rule
from nrhub.consolidation.amounts import Amounts, line_amounts
from nrhub.db import Money, UTCDateTime, utcnow
from nrhub.extensions import Model
from nrhub.organisations.models import Organisation


class Consolidation(Model):
    """The one confirmed consolidation of a campaign (unique: confirming twice is refused)."""

    __tablename__ = "consolidation"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), unique=True)
    rule: Mapped[Rule] = mapped_column(String(20))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    units_returned: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship(lazy="raise")
    confirmed_by: Mapped[User | None] = relationship(lazy="raise")


class AllocationOverride(Model):
    """A coordinator's pinned quantity for one order line, with the reason, before confirmation.

    ``computed_quantity`` is what the rule gave when the override was written; the
    confirmed :class:`Allocation` keeps both again, with the author.
    """

    __tablename__ = "allocation_override"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_request_line.id"), unique=True)
    computed_quantity: Mapped[int] = mapped_column()
    rule: Mapped[Rule] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise")


class PurchaseOrder(Model):
    """One refurbisher's consolidated order for a campaign, numbered ``BC-<year>-0001``."""

    __tablename__ = "purchase_order"
    __table_args__ = (
        UniqueConstraint("campaign_id", "refurbisher_id"),
        UniqueConstraint("year", "sequence"),
        # The target of the deliveries' (purchase order, campaign, refurbisher) foreign key.
        UniqueConstraint("id", "campaign_id", "refurbisher_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column()
    sequence: Mapped[int] = mapped_column()
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    total_ht: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    campaign: Mapped[Campaign] = relationship(lazy="raise")
    refurbisher: Mapped[Organisation] = relationship(lazy="raise")
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order", lazy="raise", order_by="PurchaseOrderLine.id"
    )
    deliveries: Mapped[list[Delivery]] = relationship(
        primaryjoin=lambda: PurchaseOrder.id == foreign(Delivery.purchase_order_id),
        back_populates="purchase_order",
        lazy="raise",
        order_by="Delivery.id",
    )
    maintenance_lines: Mapped[list[PurchaseOrderMaintenanceLine]] = relationship(
        back_populates="purchase_order", lazy="raise", order_by="PurchaseOrderMaintenanceLine.id"
    )


class PurchaseOrderLine(Model):
    """One campaign offer in a purchase order: allocated units at the pooled unit price."""

    __tablename__ = "purchase_order_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("campaign_offer.id"), unique=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    designation: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column()
    base_unit_price: Mapped[Decimal] = mapped_column(Money)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    # The listing integrated recycled materials when ordered: its receipts count as such.
    has_recycled_materials: Mapped[bool] = mapped_column(default=False, server_default=false())

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines", lazy="raise")
    offer: Mapped[CampaignOffer] = relationship(lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")

    @property
    def amounts(self) -> Amounts:
        return line_amounts(self.quantity, self.unit_price, self.vat_rate)


class PurchaseOrderMaintenanceLine(Model):
    """Maintenance chosen with one purchase-order line: its units follow the allocation."""

    __tablename__ = "purchase_order_maintenance_line"
    __table_args__ = (
        UniqueConstraint("purchase_order_line_id", "maintenance_offer_id", "unit_price"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    purchase_order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"))
    maintenance_offer_id: Mapped[int] = mapped_column(ForeignKey("maintenance_offer.id"))
    designation: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2))

    purchase_order: Mapped[PurchaseOrder] = relationship(
        back_populates="maintenance_lines", lazy="raise"
    )

    @property
    def amounts(self) -> Amounts:
        return line_amounts(self.quantity, self.unit_price, self.vat_rate)


class Allocation(Model):
    """What one buyer's order line got: the rule's value, the final one, and any override."""

    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("quantity <= requested_quantity", name="not_above_request"),
        # Composite keys: one check a row where single-column keys made two (a consolidation
        # writes a row per order line, and PostgreSQL checks each key of each row), and each
        # row agrees with its order line (its offer) and with an order (its campaign, buyer).
        ForeignKeyConstraint(
            ["order_line_id", "offer_id"],
            ["purchase_request_line.id", "purchase_request_line.offer_id"],
        ),
        ForeignKeyConstraint(
            ["campaign_id", "buyer_id"],
            ["purchase_request.campaign_id", "purchase_request.buyer_id"],
        ),
        # The target of the delivery lines' (allocation, purchase-order line) foreign key.
        UniqueConstraint("id", "purchase_order_line_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Few indexes: a consolidation writes one row per order line in one go.
    campaign_id: Mapped[int] = mapped_column(index=True)
    offer_id: Mapped[int] = mapped_column()
    order_line_id: Mapped[int] = mapped_column(unique=True)
    buyer_id: Mapped[int] = mapped_column()
    purchase_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"))
    rule: Mapped[Rule] = mapped_column(String(20))
    requested_quantity: Mapped[int] = mapped_column()
    computed_quantity: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    order_line: Mapped[OrderLine] = relationship(
        primaryjoin=lambda: foreign(Allocation.order_line_id) == OrderLine.id, lazy="raise"
    )
    purchase_order_line: Mapped[PurchaseOrderLine | None] = relationship(lazy="raise")


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SHIPPED = "shipped"
    # Some units received, the rest still expected: later receipts add to it.
    PARTIAL = "partial"
    RECEIVED = "received"


# A delivery waiting for (more) units to be received.
RECEIVABLE_STATUSES = (DeliveryStatus.SHIPPED, DeliveryStatus.PARTIAL)


class Delivery(Model):
    """What one buyer receives from one purchase order; shipped, then received."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "buyer_id"),
        # Two composite keys instead of four single ones (see Allocation): the delivery
        # belongs to a purchase order of its campaign and refurbisher, and to a buyer with
        # an order in the campaign.
        ForeignKeyConstraint(
            ["purchase_order_id", "campaign_id", "refurbisher_id"],
            ["purchase_order.id", "purchase_order.campaign_id", "purchase_order.refurbisher_id"],
        ),
        ForeignKeyConstraint(
            ["campaign_id", "buyer_id"],
            ["purchase_request.campaign_id", "purchase_request.buyer_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column()
    campaign_id: Mapped[int] = mapped_column(index=True)
    buyer_id: Mapped[int] = mapped_column(index=True)
    refurbisher_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[DeliveryStatus] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    total_ht: Mapped[Decimal] = mapped_column(Money)
    shipped_on: Mapped[dt.date | None] = mapped_column(Date)
    serial_numbers: Mapped[str | None] = mapped_column(Text)
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    receipt_comment: Mapped[str | None] = mapped_column(Text)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Why the buyer recorded the missing units as never coming (which closed the delivery).
    not_delivered_reason: Mapped[str | None] = mapped_column(Text)
    # The buyer's commitment (nrhub.commitments), copied at consolidation and frozen once
    # invoiced: what the purchase order and the invoices cite.
    engagement_number: Mapped[str | None] = mapped_column(String(50))
    budget_nature: Mapped[str | None] = mapped_column(String(10))
    budget_chapter: Mapped[str | None] = mapped_column(String(10))
    service_code: Mapped[str | None] = mapped_column(String(100))
    delivery_address: Mapped[str | None] = mapped_column(Text)

    purchase_order: Mapped[PurchaseOrder] = relationship(
        primaryjoin=lambda: foreign(Delivery.purchase_order_id) == PurchaseOrder.id,
        back_populates="deliveries",
        lazy="raise",
    )
    campaign: Mapped[Campaign] = relationship(
        primaryjoin=lambda: foreign(Delivery.campaign_id) == Campaign.id, lazy="raise"
    )
    buyer: Mapped[Organisation] = relationship(
        primaryjoin=lambda: foreign(Delivery.buyer_id) == Organisation.id, lazy="raise"
    )
    refurbisher: Mapped[Organisation] = relationship(
        primaryjoin=lambda: foreign(Delivery.refurbisher_id) == Organisation.id, lazy="raise"
    )
    lines: Mapped[list[DeliveryLine]] = relationship(
        back_populates="delivery", lazy="raise", order_by="DeliveryLine.id"
    )

    @property
    def is_pending(self) -> bool:
        """Not shipped yet."""
        return self.status == DeliveryStatus.PENDING

    @property
    def is_partial(self) -> bool:
        """Some units received, the rest still expected."""
        return self.status == DeliveryStatus.PARTIAL

    @property
    def is_received(self) -> bool:
        return self.status == DeliveryStatus.RECEIVED

    @property
    def awaits_receipt(self) -> bool:
        """Shipped, with units still expected."""
        return self.status in RECEIVABLE_STATUSES

    @property
    def has_receipts(self) -> bool:
        """At least one receipt recorded (partial or received)."""
        return self.status in (DeliveryStatus.PARTIAL, DeliveryStatus.RECEIVED)


class DeliveryLine(Model):
    """One allocated order line in a delivery: units shipped, then units received (in one
    receipt or several), and any units recorded as never delivered."""

    __tablename__ = "delivery_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "received_quantity IS NULL OR (received_quantity >= 0 AND "
            "received_quantity <= quantity)",
            name="received_range",
        ),
        CheckConstraint(
            "invoiced_quantity >= 0 AND invoiced_quantity <= COALESCE(received_quantity, 0)",
            name="invoiced_range",
        ),
        # One check instead of two (see Allocation); the line's purchase-order line is its
        # allocation's.
        ForeignKeyConstraint(
            ["allocation_id", "purchase_order_line_id"],
            ["allocation.id", "allocation.purchase_order_line_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    allocation_id: Mapped[int] = mapped_column(unique=True)
    purchase_order_line_id: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money)
    # Units received so far (the sum of every receipt; None before the first one).
    received_quantity: Mapped[int | None] = mapped_column()
    # Units the buyer recorded as never delivered (deducted from the purchase order).
    not_delivered_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    # Maintenance chosen with the order line: same units, at its own price (else None).
    maintenance_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order_maintenance_line.id")
    )
    maintenance_unit_price: Mapped[Decimal | None] = mapped_column(Money)
    # Units received and already invoiced (nrhub.invoices): the next invoice covers the rest.
    invoiced_quantity: Mapped[int] = mapped_column(default=0, server_default="0")

    delivery: Mapped[Delivery] = relationship(back_populates="lines", lazy="raise")
    allocation: Mapped[Allocation] = relationship(
        primaryjoin=lambda: foreign(DeliveryLine.allocation_id) == Allocation.id, lazy="raise"
    )
    purchase_order_line: Mapped[PurchaseOrderLine] = relationship(
        primaryjoin=lambda: foreign(DeliveryLine.purchase_order_line_id) == PurchaseOrderLine.id,
        lazy="raise",
    )
    maintenance_line: Mapped[PurchaseOrderMaintenanceLine | None] = relationship(lazy="raise")

    @property
    def expected_quantity(self) -> int:
        """Units still expected: shipped, neither received nor recorded as not delivered."""
        return self.quantity - (self.received_quantity or 0) - self.not_delivered_quantity
