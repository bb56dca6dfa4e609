"""Organisations: refurbishers, buyers and the hub itself."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import Model
from nrhub.organisations import geo
from nrhub.security import Role


class OrgKind(StrEnum):
    REFURBISHER = "refurbisher"
    BUYER = "buyer"
    HUB = "hub"


class OrgStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REJECTED = "rejected"


class LegalForm(StrEnum):
    ASSOCIATION = "association"
    SCIC = "scic"
    SCOP = "scop"
    COOPERATIVE = "cooperative"
    ESS_COMPANY = "ess_company"
    FOUNDATION = "foundation"
    MUTUAL = "mutual"
    OTHER = "other"


class InsertionType(StrEnum):
    NONE = "none"
    EI = "ei"
    ETTI = "etti"
    AI = "ai"
    ACI = "aci"
    EA = "ea"
    ESAT = "esat"


class BuyerType(StrEnum):
    COMMUNE = "commune"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    REGION = "region"
    CCAS = "ccas"
    OTHER = "other"


ROLE_OF_KIND = {
    OrgKind.REFURBISHER: Role.REFURBISHER,
    OrgKind.BUYER: Role.BUYER,
    OrgKind.HUB: Role.COORDINATOR,
}


class Organisation(Model):
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("population IS NULL OR population >= 0", name="population_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120), default="")
    department_code: Mapped[str] = mapped_column(String(3), index=True)
    region_code: Mapped[str] = mapped_column(String(2), index=True)
    contact_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[OrgStatus] = mapped_column(String(20), default=OrgStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Refurbisher: ESS identity
    legal_form: Mapped[LegalForm | None] = mapped_column(String(20))
    esus_agreement: Mapped[bool] = mapped_column(default=False)
    esus_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    insertion_type: Mapped[InsertionType | None] = mapped_column(String(10))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)

    # Buyer
    buyer_type: Mapped[BuyerType | None] = mapped_column(String(20))
    population: Mapped[int | None] = mapped_column()

    @property
    def role(self) -> Role:
        return ROLE_OF_KIND[OrgKind(self.kind)]

    @property
    def is_hub(self) -> bool:
        return self.kind == OrgKind.HUB

    @property
    def is_buyer(self) -> bool:
        return self.kind == OrgKind.BUYER

    @property
    def is_refurbisher(self) -> bool:
        return self.kind == OrgKind.REFURBISHER

    @property
    def is_pending(self) -> bool:
        """Waiting for the coordination's admission."""
        return self.status == OrgStatus.PENDING

    @property
    def is_suspended(self) -> bool:
        return self.status == OrgStatus.SUSPENDED

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    @property
    def department_name(self) -> str:
        return geo.department_name(self.department_code)

    @property
    def region_name(self) -> str:
        return geo.region_name(self.region_code)

    @property
    def is_insertion_structure(self) -> bool:
        return bool(self.insertion_type) and self.insertion_type != InsertionType.NONE

    def set_department(self, department_code: str) -> None:
        self.department_code = geo.normalize_department(department_code)
        self.region_code = geo.region_of(self.department_code)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"
