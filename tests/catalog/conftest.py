"""People and listings for the catalogue tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from PIL import Image

import nrhub.uploads  # noqa: F401  (registers the WebP plugin without importing them all)
from nrhub.auth.models import User
from nrhub.catalog.models import Listing, ListingStatus
from nrhub.extensions import db
from nrhub.organisations.models import InsertionType, LegalForm
from tests import factories


@dataclass
class People:
    refurbisher: User
    colleague: User
    other_refurbisher: User
    buyer: User
    coordinator: User
    pending: User

    def get(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def people(app) -> People:
    mine = factories.RefurbisherFactory(
        name="Ordi'Breizh", department_code="35", region_code="53", city="Rennes"
    )
    other = factories.RefurbisherFactory(
        name="Atelier du Léon",
        department_code="29",
        region_code="53",
        city="Brest",
        postcode="29200",
        legal_form=LegalForm.SCOP,
        insertion_type=InsertionType.NONE,
        esus_agreement=False,
    )
    result = People(
        refurbisher=factories.UserFactory(email="reco@example.fr", organisation=mine),
        colleague=factories.UserFactory(
            email="collegue@example.fr", organisation=mine, is_org_admin=False
        ),
        other_refurbisher=factories.UserFactory(email="autre@example.fr", organisation=other),
        buyer=factories.BuyerPersonFactory(
            email="achat@example.fr",
            organisation__department_code="29",
            organisation__region_code="53",
            organisation__postcode="29200",
            organisation__city="Brest",
        ),
        coordinator=factories.CoordinatorFactory(email="coord@example.fr"),
        pending=factories.PendingRefurbisherFactory(email="attente@example.fr"),
    )
    db.session.commit()
    return result


def make_listing(owner: User, **fields) -> Listing:
    tiers = fields.pop("tiers", [])
    listing = factories.ListingFactory(refurbisher=owner.organisation, **fields)
    for min_quantity, price in tiers:
        factories.PriceTierFactory(
            listing=listing, min_quantity=min_quantity, unit_price=Decimal(price)
        )
    db.session.commit()
    return listing


def draft(owner: User, **fields) -> Listing:
    return make_listing(owner, status=ListingStatus.DRAFT, published_at=None, **fields)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format=fmt)
    return out.getvalue()


VALID_FORM = {
    "category_code": "laptop",
    "sku": "T480-A",
    "brand": "Lenovo",
    "model": "ThinkPad T480",
    "processor": "Intel Core i5-8350U",
    "ram_gb": "8",
    "storage_gb": "256",
    "screen_inches": "14",
    "description": "Portable 14 pouces",
    "grade": "A",
    "state": "refurbished",
    "refurbished_in_france": "y",
    "data_wiping_attested": "y",
    "quantity": "25",
    "unit_price": "289,00",
    "vat_rate": "20",
    "warranty_months": "24",
    "repairability_index": "8,2",
    "os_update_years": "5",
    "spare_parts_years": "7",
    "tier_quantity_1": "10",
    "tier_price_1": "275,00",
    "tier_quantity_2": "50",
    "tier_price_2": "259,00",
}


def multipart(fields: dict[str, str], file_field: str, filename: str, data: bytes):
    """A multipart body as bytes (the test client's own encoder leaks a temporary file for
    large uploads), with its content type."""
    boundary = "----nrhubtestboundary7MA4YWxkTrZu0gW"
    parts = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
