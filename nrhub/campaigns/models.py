"""Pooled purchasing campaigns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.agreements.models import FrameworkLot
from nrhub.campaigns import demand
from nrhub.catalog.models import Category, Listing
from nrhub.clauses.models import Clause
from nrhub.db import Money, UTCDateTime, utcnow
from nrhub.extensions import Model, db
from nrhub.organisations.models import Organisation


class CampaignState(StrEnum):
    DRAFT = "draft"
    # The call for stock is published: refurbishers of its categories commit stock.
    CALL_FOR_STOCK = "call_for_stock"
    OPEN = "open"
    CLOSED = "closed"
    CONSOLIDATED = "consolidated"
    IN_DELIVERY = "in_delivery"
    DONE = "done"
    CANCELLED = "cancelled"


# The states in which refurbishers commit, change or withdraw stock.
OFFER_STATES = (CampaignState.CALL_FOR_STOCK, CampaignState.OPEN)
# The states of a campaign once consolidated: its purchase orders exist.
CONSOLIDATED_STATES = (CampaignState.CONSOLIDATED, CampaignState.IN_DELIVERY, CampaignState.DONE)
# The states in which the coordination still edits a campaign.
EDITABLE_STATES = (CampaignState.DRAFT, *OFFER_STATES)
# The states from which a campaign may be cancelled: before consolidation.
CANCELLABLE_STATES = (
    CampaignState.DRAFT,
    CampaignState.CALL_FOR_STOCK,
    CampaignState.OPEN,
    CampaignState.CLOSED,
)
# The states from which ordering may be opened: a draft, or after the call for stock.
OPENABLE_STATES = (CampaignState.DRAFT, CampaignState.CALL_FOR_STOCK)

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


class Campaign(Model):
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
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    consolidated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the campaign's open data (DECP, OCDS) was first served: its publication date,
    # which never moves afterwards (nrhub/opendata).
    open_data_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The call for stock's own deadline: refurbishers commit and change stock until then.
    offers_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A call-off (bons de commande) under one lot of a framework agreement, if any.
    framework_lot_id: Mapped[int | None] = mapped_column(ForeignKey("framework_lot.id"), index=True)

    framework_lot: Mapped[FrameworkLot | None] = relationship(lazy="raise")
    categories: Mapped[list[Category]] = relationship(
        secondary=campaign_category, lazy="raise", order_by="Category.sort_order"
    )
    clauses: Mapped[list[Clause]] = relationship(
        secondary=campaign_clause, lazy="raise", order_by="Clause.id"
    )

    @property
    def is_draft(self) -> bool:
        return self.state == CampaignState.DRAFT

    @property
    def is_open(self) -> bool:
        """In the open state (orders are taken inside its window only: :meth:`is_open_at`)."""
        return self.state == CampaignState.OPEN

    @property
    def is_cancelled(self) -> bool:
        return self.state == CampaignState.CANCELLED

    @property
    def is_consolidated(self) -> bool:
        """Consolidated, in delivery or done: its purchase orders exist."""
        return self.state in CONSOLIDATED_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_cancellable(self) -> bool:
        return self.state in CANCELLABLE_STATES

    @property
    def is_openable(self) -> bool:
        return self.state in OPENABLE_STATES

    @property
    def accepts_offers(self) -> bool:
        """Refurbishers commit and adjust offers once the call for stock is published and
        while the campaign is open (a draft is the hub's alone)."""
        return self.state in OFFER_STATES

    def takes_offers_at(self, moment: dt.datetime) -> bool:
        """Offers change in the call or open states, before the call's deadline (if any)
        and before ordering closes."""
        return (
            self.accepts_offers
            and moment < self.closes_at
            and (self.offers_due_at is None or moment < self.offers_due_at)
        )

    def is_open_at(self, moment: dt.datetime) -> bool:
        """Orders are accepted only in the open state and inside the ordering window."""
        return self.state == CampaignState.OPEN and self.opens_at <= moment < self.closes_at


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    # The campaign was cancelled while the offer still held units (given back to stock).
    CANCELLED = "cancelled"


# Offers in these statuses hold their committed units out of the listing's free stock.
HOLDING_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED)


class CampaignOffer(Model):
    """A listing committed to a campaign; committed units left the listing's free stock."""

    __tablename__ = "campaign_offer"
    __table_args__ = (
        UniqueConstraint("campaign_id", "listing_id"),
        CheckConstraint("committed_quantity >= 0", name="committed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    committed_quantity: Mapped[int] = mapped_column()
    # Base unit price HT for the campaign (the listing's price when committed).
    unit_price: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[OfferStatus] = mapped_column(String(12), default=OfferStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(lazy="raise")
    listing: Mapped[Listing] = relationship(lazy="raise")
    refurbisher: Mapped[Organisation] = relationship(lazy="raise")
    tiers: Mapped[list[CampaignOfferTier]] = relationship(
        lazy="raise", order_by="CampaignOfferTier.min_quantity", cascade="all, delete-orphan"
    )


class CampaignOfferTier(Model):
    """A campaign-specific volume price; when an offer has none, the listing's tiers apply."""

    __tablename__ = "campaign_offer_tier"
    __table_args__ = (
        UniqueConstraint("offer_id", "min_quantity"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_offer.id", ondelete="CASCADE"), index=True
    )
    min_quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money)


class OrderStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Order(Model):
    """One buyer's basket in one campaign. ``updated_at`` is its last change (tie-breaks)."""

    __tablename__ = "purchase_request"
    __table_args__ = (UniqueConstraint("campaign_id", "buyer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(String(12), default=OrderStatus.ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(lazy="raise")
    buyer: Mapped[Organisation] = relationship(lazy="raise")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        lazy="raise",
        order_by="OrderLine.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_active(self) -> bool:
        return self.status == OrderStatus.ACTIVE


class OrderLine(Model):
    __tablename__ = "purchase_request_line"
    __table_args__ = (
        UniqueConstraint("order_id", "offer_id"),
        # The target of the allocations' (order line, offer) foreign key.
        UniqueConstraint("id", "offer_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_request.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("campaign_offer.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optional maintenance offer of the listing, one per unit, at its price when chosen.
    maintenance_offer_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_offer.id"))
    maintenance_unit_price: Mapped[Decimal | None] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")
    offer: Mapped[CampaignOffer] = relationship(lazy="raise")


class OrderEvent(Model):
    """Append-only history of an order: every change with its time and the lines after it."""

    __tablename__ = "purchase_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_request.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20))
    lines: Mapped[list[dict[str, int]]] = mapped_column(JSON, default=list)


class OfferDemand(Model):
    """The units that buyers' active orders ask of an offer: the sum of their lines, kept by
    the database itself (triggers on the order lines and the orders' status, whichever way
    they are written: :mod:`nrhub.campaigns.demand`), so that a campaign page reads a
    hundred rows instead of summing every line of every order."""

    __tablename__ = "offer_demand"

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_offer.id", ondelete="CASCADE"), primary_key=True
    )
    quantity: Mapped[int] = mapped_column(default=0)


# Its triggers, once db.create_all() has created every table.
demand.register(db.metadata)
