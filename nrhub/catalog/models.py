"""Categories (reference data) and the refurbishers' listings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.catalog import search
from nrhub.catalog.rules import Grade as Grade
from nrhub.catalog.rules import ListingState as ListingState
from nrhub.db import Money, UTCDateTime, utcnow
from nrhub.extensions import Model
from nrhub.organisations.models import Organisation
from nrhub.photos import DescribedPhoto

LEGAL_CATEGORY_IT = "Matériel informatique et téléphonie"
LEGAL_CATEGORY_PRINTING = "Matériel de reprographie et d'impression"
# The 17 ``type_produit_acquis`` values of the national declaration schema
# (../shared/data/declaration-reemploi/schema.json, décret n° 2024-134, annexe).
LEGAL_CATEGORIES = (
    "Produits textiles à l'exception des équipements de protection individuels",
    LEGAL_CATEGORY_IT,
    LEGAL_CATEGORY_PRINTING,
    "Consommables d'impression",
    "Papier",
    "Fournitures de bureau",
    "Engins de transport et pièces détachées",
    "Véhicules et pièces détachées",
    "Mobilier et aménagement d'intérieur",
    "Mobilier urbain",
    "Equipements de collecte de déchets",
    "Bocaux et flacons",
    "Articles et équipement sportifs",
    "Matériel d'entretien des espaces verts",
    "Bâtiments modulaires ou préfabriqués",
    "Gros électroménager, y compris appareils professionnels",
    "Jeux et jouets",
)


class Category(Model):
    """A product kind; its rows are seeded by a migration and editable as data."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_fr: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120))
    cpv_code: Mapped[str] = mapped_column(String(12))
    # The ``type_produit_acquis`` value of the national declaration schema this kind belongs
    # to (arrêté of 29 February 2024), or "" for a kind outside the 17 categories (the
    # reason and the source are in ``legal_category_source``).
    legal_category: Mapped[str] = mapped_column(String(120), default=LEGAL_CATEGORY_IT)
    legal_category_source: Mapped[str] = mapped_column(Text, default="", server_default="")
    expected_years: Mapped[int] = mapped_column()
    # Grams of CO2e avoided per year of use of a refurbished unit instead of a new one.
    co2e_g_per_year: Mapped[int] = mapped_column()
    co2e_source: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(default=0)

    @property
    def co2e_kg_per_year(self) -> Decimal:
        return Decimal(self.co2e_g_per_year) / 1000

    def label(self, locale: str = "fr") -> str:
        return self.label_en if locale == "en" else self.label_fr

    @property
    def is_declared(self) -> bool:
        """Whether its purchases go into the yearly declaration (one of the 17 categories)."""
        return bool(self.legal_category)


class ListingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# The columns the catalogue filters on or sorts by, after status, category and refurbisher.
FILTERED_COLUMNS = (
    "published_at",
    "grade",
    "unit_price",
    "warranty_months",
    "os_update_years",
    "repairability_index",
)


def listing_title(brand: str, model: str) -> str:
    return f"{brand} {model}"


class Listing(Model):
    """A refurbished product line of one refurbisher.

    ``quantity`` is the free stock: units neither sold nor committed to a campaign.
    It never goes below zero (conditional UPDATE in services, CHECK as last defence).
    """

    __tablename__ = "listing"
    __table_args__ = (
        UniqueConstraint("refurbisher_id", "sku"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
        CheckConstraint(
            "repairability_index IS NULL OR (repairability_index >= 0 AND "
            "repairability_index <= 10)",
            name="repairability_range",
        ),
        # Counting reads (status[, category], refurbisher) and every other filter's column
        # from an index alone (SQLite read each candidate's row for a grade or a warranty:
        # 5-20 ms for a count), and so does the "nearest" sort (refurbisher, then newest).
        # Not the quantity: a stock change stays an update no index sees (HOT on PostgreSQL).
        # The page walks an index already in the order asked (newest, or price) and stops
        # at a page. The id ends each sort index: the pages sort on (column, id), and
        # without it PostgreSQL sorted every matching listing to show 24 of them.
        Index("ix_listing_status_refurbisher", "status", "refurbisher_id", *FILTERED_COLUMNS),
        Index(
            "ix_listing_status_category_refurbisher",
            "status",
            "category_id",
            "refurbisher_id",
            *FILTERED_COLUMNS,
        ),
        Index("ix_listing_status_published_at", "status", "published_at", "id"),
        Index("ix_listing_status_unit_price", "status", "unit_price", "id"),
        Index("ix_listing_status_category_price", "status", "category_id", "unit_price", "id"),
        Index(
            "ix_listing_status_category_published", "status", "category_id", "published_at", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    brand: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(160))
    processor: Mapped[str | None] = mapped_column(String(120))
    ram_gb: Mapped[int | None] = mapped_column()
    storage_gb: Mapped[int | None] = mapped_column()
    screen_inches: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    description: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[Grade] = mapped_column(String(2), index=True)
    state: Mapped[ListingState] = mapped_column(String(12), default=ListingState.REFURBISHED)
    refurbished_in_france: Mapped[bool] = mapped_column(default=False)
    data_wiping_attested: Mapped[bool] = mapped_column(default=False)
    # The refurbisher states the equipment integrates recycled materials (décret 2024-134:
    # the "% intégrant des matières recyclées" column); its hub purchases count as such.
    has_recycled_materials: Mapped[bool] = mapped_column(default=False, server_default=false())
    quantity: Mapped[int] = mapped_column(default=0)
    unit_price: Mapped[Decimal] = mapped_column(Money, index=True)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("20.00"))
    warranty_months: Mapped[int] = mapped_column(default=12)
    repairability_index: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    os_update_years: Mapped[int | None] = mapped_column()
    spare_parts_years: Mapped[int | None] = mapped_column()
    status: Mapped[ListingStatus] = mapped_column(
        String(12), default=ListingStatus.DRAFT, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The donated lot (nrhub.donations) the listing's units come from, if any.
    donation_lot_id: Mapped[int | None] = mapped_column(
        ForeignKey("donation_lot.id", ondelete="SET NULL"), index=True
    )

    refurbisher: Mapped[Organisation] = relationship(lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")
    tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="listing",
        lazy="raise",
        order_by="PriceTier.min_quantity",
        cascade="all, delete-orphan",
    )
    photos: Mapped[list[ListingPhoto]] = relationship(
        back_populates="listing",
        lazy="raise",
        order_by="ListingPhoto.position",
        cascade="all, delete-orphan",
    )

    @property
    def title(self) -> str:
        return listing_title(self.brand, self.model)

    @property
    def is_published(self) -> bool:
        return self.status == ListingStatus.PUBLISHED

    @property
    def is_archived(self) -> bool:
        return self.status == ListingStatus.ARCHIVED


# French full-text search (nrhub.catalog.search): its GIN index on PostgreSQL, its FTS5 table
# on SQLite, created and dropped with the table.
search.add_search_index(Listing.__table__)
search.register(Listing.__table__)


class PriceTier(Model):
    """Volume price: from ``min_quantity`` units, each costs ``unit_price`` HT."""

    __tablename__ = "price_tier"
    __table_args__ = (
        UniqueConstraint("listing_id", "min_quantity"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    min_quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money)

    listing: Mapped[Listing] = relationship(back_populates="tiers", lazy="raise")


class ListingPhoto(DescribedPhoto, Model):
    __tablename__ = "listing_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )

    listing: Mapped[Listing] = relationship(back_populates="photos", lazy="raise")


class StockImport(Model):
    """A previewed stock import once applied: the unique hash of its preview's token makes
    the apply single-use, even when several arrive at once."""

    __tablename__ = "stock_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MaintenanceKind(StrEnum):
    MAINTENANCE = "maintenance"
    EXTENDED_WARRANTY = "extended_warranty"


MAINTENANCE_KIND_LABELS = {
    MaintenanceKind.MAINTENANCE: _l("Maintenance"),
    MaintenanceKind.EXTENDED_WARRANTY: _l("Extension de garantie"),
}


def maintenance_designation(kind: str, duration_months: int) -> str:
    """``Extension de garantie 24 mois``: a maintenance offer as buyers choose it."""
    return f"{MAINTENANCE_KIND_LABELS[MaintenanceKind(kind)]} {duration_months} mois"


class MaintenanceOffer(Model):
    """Maintenance or an extended warranty that a refurbisher sells with a listing, per unit.

    Buyers may add an active one to a campaign order line; it is then consolidated and
    priced like the equipment, but it is a service: IT spend that is not reuse spend.
    """

    __tablename__ = "maintenance_offer"
    __table_args__ = (
        CheckConstraint("duration_months >= 1 AND duration_months <= 120", name="duration_range"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[MaintenanceKind] = mapped_column(String(20))
    duration_months: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money)
    # Services are sold at the standard VAT rate whatever the equipment's rate.
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("20.00"))
    coverage: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    listing: Mapped[Listing] = relationship(lazy="raise")

    @property
    def kind_label(self) -> str:
        return str(MAINTENANCE_KIND_LABELS[MaintenanceKind(self.kind)])

    @property
    def designation(self) -> str:
        return maintenance_designation(self.kind, self.duration_months)
