"""The spend ledger, its summary table and the legal targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.catalog.models import Category
from nrhub.clauses.models import Clause
from nrhub.db import Money, UTCDateTime, utcnow
from nrhub.extensions import Model, db
from nrhub.organisations.models import Organisation


class SpendOrigin(StrEnum):
    HUB = "hub"  # bought through a campaign, written at receipt
    EXTERNAL = "external"  # bought outside the hub, declared by the buyer
    DONATION = "donation"  # equipment received as a gift, at its flat-rate value


# Library clauses attached to a declared external contract.
spend_entry_clause = Table(
    "spend_entry_clause",
    db.metadata,
    Column("spend_entry_id", ForeignKey("spend_entry.id", ondelete="CASCADE"), primary_key=True),
    Column("clause_id", ForeignKey("clause.id"), primary_key=True),
)


class SpendEntry(Model):
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
    # The contract of a declared purchase (a hub purchase's contract is its campaign): rows
    # of one buyer with the same reference are one contract, whose clauses count once.
    contract_reference: Mapped[str | None] = mapped_column(String(60))
    contract_title: Mapped[str | None] = mapped_column(String(200))
    contract_date: Mapped[dt.date | None] = mapped_column(Date)
    # A hub purchase's delivery line; a line received in several times has one row a receipt.
    delivery_line_id: Mapped[int | None] = mapped_column(index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    # Donations: the age bracket of the flat-rate grid (nrhub/data/donation_values.json).
    donation_age_bracket: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id], lazy="raise")
    supplier: Mapped[Organisation | None] = relationship(foreign_keys=[supplier_id], lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")
    clauses: Mapped[list[Clause]] = relationship(
        secondary=spend_entry_clause, lazy="raise", order_by="Clause.id"
    )

    @property
    def is_declared(self) -> bool:
        """Rows the buyer declared itself (hub rows are written at receipt)."""
        return self.origin != SpendOrigin.HUB


class SpendImport(Model):
    """An applied import of the buyer's spreadsheet, one per preview: its token is unique,
    so the same preview applied twice (a replay, or copies racing) writes its rows once."""

    __tablename__ = "spend_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[int] = mapped_column()
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SummaryMeasures:
    """The sums kept by every summary table (amounts in integer cents)."""

    entries: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reuse_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reuse_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    donation_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    recycled_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    clause_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    social_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    environmental_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reuse_local_department_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reuse_local_region_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reuse_ess_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Clauses of declared external contracts (campaign clauses are counted per campaign).
    social_clauses: Mapped[int] = mapped_column(default=0)
    environmental_clauses: Mapped[int] = mapped_column(default=0)


class SpendSummary(SummaryMeasures, Model):
    """Ledger sums per year, buyer, category, origin and campaign (0: none).

    Maintained in the same transaction as every ledger write (nrhub/ledger/summary.py),
    with two coarser rollups (per buyer and year; per department, category and year)
    that the hub's dashboards read. The flags of a row (reuse, donation, recycled,
    clause, local, ESS) become conditional sums. The rows of the buyers and years a
    transaction touched are recomputed from the ledger before it commits, and all of a
    buyer's rows when it changes department or region; ``rebuild_summary`` recomputes
    all three tables.
    """

    __tablename__ = "spend_summary"
    __table_args__ = (
        # Dashboards read one year at a time: the primary key leads with the year, and on
        # SQLite the table is clustered on it (WITHOUT ROWID) so a year is one range scan.
        PrimaryKeyConstraint("year", "buyer_id", "category_id", "origin", "campaign_id"),
        Index("ix_spend_summary_year_campaign", "year", "campaign_id"),
        {"sqlite_with_rowid": False},
    )

    year: Mapped[int] = mapped_column()
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    origin: Mapped[str] = mapped_column(String(12))
    campaign_id: Mapped[int] = mapped_column(autoincrement=False)


class SpendBuyerSummary(SummaryMeasures, Model):
    """Rollup of the summary per year and buyer (the members' table)."""

    __tablename__ = "spend_summary_buyer"
    __table_args__ = (PrimaryKeyConstraint("year", "buyer_id"), {"sqlite_with_rowid": False})

    year: Mapped[int] = mapped_column(autoincrement=False)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)


class SpendDepartmentSummary(SummaryMeasures, Model):
    """Rollup per year, buyer's current department and category (hub figures)."""

    __tablename__ = "spend_summary_department"
    __table_args__ = (
        PrimaryKeyConstraint("year", "department_code", "category_id"),
        {"sqlite_with_rowid": False},
    )

    year: Mapped[int] = mapped_column(autoincrement=False)
    department_code: Mapped[str] = mapped_column(String(3))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))


SUMMARY_KEY = ("year", "buyer_id", "category_id", "origin", "campaign_id")
BUYER_SUMMARY_KEY = ("year", "buyer_id")
DEPARTMENT_SUMMARY_KEY = ("year", "department_code", "category_id")
SUMMARY_MEASURES = (
    "entries",
    "quantity",
    "amount_cents",
    "reuse_cents",
    "reuse_quantity",
    "donation_cents",
    "recycled_cents",
    "clause_cents",
    "social_cents",
    "environmental_cents",
    "reuse_local_department_cents",
    "reuse_local_region_cents",
    "reuse_ess_cents",
    "social_clauses",
    "environmental_clauses",
)


class TargetKind(StrEnum):
    SPEND_SHARE = "spend_share"  # share of the yearly HT spend (AGEC art. 58)
    RETIRED_REUSE = "retired_reuse"  # REEN: retired equipment sent to reuse


class LegalTarget(Model):
    """A legal target from ``first_year`` on; the target of a year is the row of its kind
    and legal category with the latest first year not after it. Rates in basis points
    (1/100 of a percent: 2000 = 20 %)."""

    __tablename__ = "legal_target"
    __table_args__ = (
        UniqueConstraint("kind", "legal_category", "first_year"),
        CheckConstraint(
            "reuse_rate_bp IS NULL OR (reuse_rate_bp >= 0 AND reuse_rate_bp <= 10000)",
            name="reuse_range",
        ),
        CheckConstraint(
            "recycled_rate_bp IS NULL OR (recycled_rate_bp >= 0 AND recycled_rate_bp <= 10000)",
            name="recycled_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(60), unique=True)
    kind: Mapped[TargetKind] = mapped_column(String(20))
    legal_category: Mapped[str] = mapped_column(String(120))
    first_year: Mapped[int] = mapped_column()
    # None: the rate is not known yet (shown as "non renseigné").
    reuse_rate_bp: Mapped[int | None] = mapped_column()
    recycled_rate_bp: Mapped[int | None] = mapped_column()
    source: Mapped[str] = mapped_column(Text, default="")
    # A figure not confirmed from a primary source: shown "à vérifier" until a coordinator
    # checks it.
    to_verify: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def reuse_percent(self) -> Decimal | None:
        return None if self.reuse_rate_bp is None else Decimal(self.reuse_rate_bp) / 100

    @property
    def recycled_percent(self) -> Decimal | None:
        return None if self.recycled_rate_bp is None else Decimal(self.recycled_rate_bp) / 100
