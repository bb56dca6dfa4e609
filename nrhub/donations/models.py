"""Models of the donation lots and of the retired stock.

A buyer offers a lot of retired equipment; refurbishers claim units of it (the lot's
``remaining_quantity`` goes down with one conditional UPDATE per claim, never below zero);
the donor accepts or refuses each claim; the refurbisher records the pickup, then the
outcome (units reused, units recycled). Outcomes of lots under 10 years feed the REEN
indicator against the retired stock each buyer declares at 1 January.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.catalog.models import Category
from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import Model
from nrhub.organisations.models import Organisation
from nrhub.photos import DescribedPhoto


class AgeBracket(StrEnum):
    UNDER_5 = "lt5"
    FROM_5_TO_10 = "5to10"
    OVER_10 = "gt10"


class LotCondition(StrEnum):
    WORKING = "working"
    TO_REPAIR = "to_repair"
    FOR_PARTS = "for_parts"


class LotStatus(StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"


class LotReach(StrEnum):
    """Which refurbishers see the lot: its department's, its region's, or all."""

    DEPARTMENT = "department"
    REGION = "region"
    ALL = "all"

    @property
    def wider(self) -> LotReach | None:
        order = list(LotReach)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


class ClaimStatus(StrEnum):
    PENDING = "pending"  # asked by the refurbisher, waiting for the donor
    ACCEPTED = "accepted"  # the donor agreed: the refurbisher may come
    REFUSED = "refused"  # the donor said no: units back to the lot
    CANCELLED = "cancelled"  # the refurbisher gave up before pickup: units back to the lot
    PICKED_UP = "picked_up"  # units taken; outcome to come
    COMPLETED = "completed"  # outcome recorded


# Claims that hold units of the lot.
HOLDING_CLAIMS = (ClaimStatus.PENDING, ClaimStatus.ACCEPTED)


class DonationLot(Model):
    """Retired equipment offered by a buyer to the hub's refurbishers."""

    __tablename__ = "donation_lot"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(
            "remaining_quantity >= 0 AND remaining_quantity <= quantity",
            name="remaining_range",
        ),
        CheckConstraint("unit_weight_g >= 0", name="unit_weight_not_negative"),
        CheckConstraint("available_until >= available_from", name="availability_order"),
        Index("ix_donation_lot_status_reach", "status", "reach"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column()
    # Units not held by a pending or accepted claim nor picked up.
    remaining_quantity: Mapped[int] = mapped_column()
    age_bracket: Mapped[AgeBracket] = mapped_column(String(8))
    condition: Mapped[LotCondition] = mapped_column(String(12))
    # Estimated weight of one unit, in grams (integer: sums stay exact on SQLite).
    unit_weight_g: Mapped[int] = mapped_column()
    pickup_address: Mapped[str] = mapped_column(String(300))
    pickup_postcode: Mapped[str] = mapped_column(String(5))
    pickup_city: Mapped[str] = mapped_column(String(120))
    department_code: Mapped[str] = mapped_column(String(3), index=True)
    region_code: Mapped[str] = mapped_column(String(2), index=True)
    available_from: Mapped[dt.date] = mapped_column(Date)
    available_until: Mapped[dt.date] = mapped_column(Date)
    data_wiping_required: Mapped[bool] = mapped_column(default=True)
    status: Mapped[LotStatus] = mapped_column(String(12), default=LotStatus.OPEN)
    reach: Mapped[LotReach] = mapped_column(String(12), default=LotReach.DEPARTMENT)
    reach_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    donor: Mapped[Organisation] = relationship(lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")
    photos: Mapped[list[DonationLotPhoto]] = relationship(
        back_populates="lot",
        lazy="raise",
        order_by="DonationLotPhoto.position",
        cascade="all, delete-orphan",
    )
    claims: Mapped[list[DonationClaim]] = relationship(
        back_populates="lot", lazy="raise", order_by="DonationClaim.id"
    )

    @property
    def is_recycling_only(self) -> bool:
        """Over 10 years: recycling, not reuse (décret 2023-266 counts under 10 years)."""
        return self.age_bracket == AgeBracket.OVER_10

    @property
    def is_open(self) -> bool:
        """Not withdrawn by its donor."""
        return self.status == LotStatus.OPEN

    @property
    def is_claimable(self) -> bool:
        return self.status == LotStatus.OPEN and self.remaining_quantity > 0


class DonationLotPhoto(DescribedPhoto, Model):
    __tablename__ = "donation_lot_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(
        ForeignKey("donation_lot.id", ondelete="CASCADE"), index=True
    )

    lot: Mapped[DonationLot] = relationship(back_populates="photos", lazy="raise")


class DonationClaim(Model):
    """A refurbisher's claim on units of a lot, then its pickup and outcome."""

    __tablename__ = "donation_claim"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(
            "picked_up_quantity IS NULL OR "
            "(picked_up_quantity >= 1 AND picked_up_quantity <= quantity)",
            name="picked_up_range",
        ),
        CheckConstraint(
            "units_reused IS NULL OR (units_reused >= 0 AND units_recycled >= 0 AND "
            "units_reused + units_recycled <= picked_up_quantity)",
            name="outcome_range",
        ),
        Index("ix_donation_claim_status_outcome", "status", "outcome_on"),
        # At most one pending claim per refurbisher and lot, whatever the race: the last
        # line of defence behind the check in claims.claim_lot.
        Index(
            "ux_donation_claim_pending",
            "lot_id",
            "refurbisher_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("donation_lot.id"), index=True)
    refurbisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    quantity: Mapped[int] = mapped_column()
    status: Mapped[ClaimStatus] = mapped_column(String(12), default=ClaimStatus.PENDING)
    message: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    picked_up_on: Mapped[dt.date | None] = mapped_column(Date)
    picked_up_quantity: Mapped[int | None] = mapped_column()
    units_reused: Mapped[int | None] = mapped_column()
    units_recycled: Mapped[int | None] = mapped_column()
    # Europe/Paris date the outcome was recorded: the REEN year it counts in.
    outcome_on: Mapped[dt.date | None] = mapped_column(Date)
    certificate_filename: Mapped[str | None] = mapped_column(String(80), unique=True)
    certificate_content_type: Mapped[str | None] = mapped_column(String(30))

    lot: Mapped[DonationLot] = relationship(back_populates="claims", lazy="raise")
    refurbisher: Mapped[Organisation] = relationship(lazy="raise")

    @property
    def is_pending(self) -> bool:
        """Waiting for the donor's answer."""
        return self.status == ClaimStatus.PENDING

    @property
    def is_accepted(self) -> bool:
        """Accepted by the donor, not picked up yet."""
        return self.status == ClaimStatus.ACCEPTED

    @property
    def is_picked_up(self) -> bool:
        """Picked up, its outcome still to declare."""
        return self.status == ClaimStatus.PICKED_UP

    @property
    def is_cancellable(self) -> bool:
        """Its refurbisher may still give it up (before the pickup)."""
        return self.status in (ClaimStatus.PENDING, ClaimStatus.ACCEPTED)


class ReenCategory(StrEnum):
    """The categories of art. R. 543-172 II of the environment code that REEN counts."""

    SCREENS = "screens"  # 2° screens, monitors and equipment with screens over 100 cm²
    SMALL_IT = "small_it"  # 6° small IT and telecommunication equipment


class RetiredStock(Model):
    """A buyer's retired IT equipment at 1 January of a year, per REEN category (the REEN
    denominator): only the categories 2° and 6° of art. R. 543-172 II of the environment
    code, without equipment over ten years at retirement nor equipment holding classified
    or specially protected information. ``reen_category`` is None on the rows declared
    before the split, both categories together: they count in the overall rate only."""

    __tablename__ = "retired_stock"
    __table_args__ = (
        UniqueConstraint("buyer_id", "year", "reen_category"),
        CheckConstraint("units >= 0", name="units_not_negative"),
        CheckConstraint("weight_kg IS NULL OR weight_kg >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    year: Mapped[int] = mapped_column()
    reen_category: Mapped[ReenCategory | None] = mapped_column(String(10))
    units: Mapped[int] = mapped_column()
    weight_kg: Mapped[int | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


DEFAULT_WIDEN_AFTER_DAYS = 7


class DonationSettings(Model):
    """The hub's settings of the donation loop (one row, created on first read)."""

    __tablename__ = "donation_settings"
    __table_args__ = (
        CheckConstraint(
            "widen_after_days >= 1 AND widen_after_days <= 365", name="widen_after_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    widen_after_days: Mapped[int] = mapped_column(default=DEFAULT_WIDEN_AFTER_DAYS)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RetiredRoute(StrEnum):
    """Where retired equipment went besides the hub's donation lots (décret 2023-266)."""

    PUBLIC_BODY = "public_body"  # transferred to another public body
    SALE = "sale"
    STAFF = "staff"  # given to the staff
    ASSOCIATION = "association"  # given to an association, a foundation or a body
    ECO_ORGANISATION = "eco_organisation"  # taken back by an approved eco-organisation
    SUPPLIER = "supplier"  # taken back by the original supplier


class RetiredOutcome(Model):
    """Retired equipment a buyer sent out by another route than a hub donation lot; it
    counts as reused only when the receiver committed to reuse it."""

    __tablename__ = "retired_outcome"
    __table_args__ = (
        CheckConstraint("units > 0", name="units_positive"),
        Index("ix_retired_outcome_buyer_year", "buyer_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    year: Mapped[int] = mapped_column()
    outcome_on: Mapped[dt.date] = mapped_column(Date)
    route: Mapped[RetiredRoute] = mapped_column(String(20))
    reen_category: Mapped[ReenCategory] = mapped_column(String(10))
    units: Mapped[int] = mapped_column()
    receiver: Mapped[str] = mapped_column(String(200))
    reuse_committed: Mapped[bool] = mapped_column(default=False)
    # The proof (receiver's commitment, deed of transfer…): a PDF or image, random name.
    proof_name: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# The REEN category of the equipment of each catalogue category, for the hub's donation
# lots. Art. R. 543-172 II of the environment code takes the categories of annex IV of
# directive 2012/19/EU (WEEE), whose category 2 lists laptops and notebooks among the
# equipment with a screen over 100 cm² (so do tablets, whose screens exceed it), and whose
# category 6 lists mobile phones, telephones, personal computers, routers and printers.
# Servers and video projectors are left out: a server usually has a side over 50 cm (large
# equipment, 4°) and a projector is consumer equipment (5°); such lots do not count.
# https://www.legifrance.gouv.fr/eli/decret/2023/4/12/2023-266/jo/texte (REEN, art. R. 543-172 II)
# https://eur-lex.europa.eu/legal-content/FR/TXT/?uri=CELEX:32012L0019 (annexe IV)
REEN_CATEGORY_OF = {
    "laptop": ReenCategory.SCREENS,
    "monitor": ReenCategory.SCREENS,
    "tablet": ReenCategory.SCREENS,
    "desktop": ReenCategory.SMALL_IT,
    "smartphone": ReenCategory.SMALL_IT,
    "landline_phone": ReenCategory.SMALL_IT,
    "network_equipment": ReenCategory.SMALL_IT,
    "printer": ReenCategory.SMALL_IT,
    "accessory": ReenCategory.SMALL_IT,
}


def category_codes(category: ReenCategory | None = None) -> list[str]:
    """The catalogue categories of one REEN category, or of both (None)."""
    return sorted(code for code, c in REEN_CATEGORY_OF.items() if category in (None, c))
