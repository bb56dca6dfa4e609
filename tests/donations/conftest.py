"""People, lots and claims for the donation tests.

The donor (Vitré, 35) and the refurbishers: one in the same department (35), one in the
same region (29, Brittany), one elsewhere (44, Pays de la Loire).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PIL import Image

import nrhub.uploads  # noqa: F401  (registers the image plugins)
from nrhub.auth.models import User
from nrhub.db import utcnow
from nrhub.donations import services
from nrhub.donations.models import AgeBracket, DonationClaim, DonationLot, LotCondition
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from tests import factories


@dataclass
class People:
    donor: User  # buyer, same organisation as the lots
    donor_colleague: User
    other_buyer: User
    refurbisher: User  # same department as the lots (35)
    regional: User  # same region (29)
    faraway: User  # another region (44)
    coordinator: User
    pending: User

    def get(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def people(app) -> People:  # type: ignore[no-untyped-def]
    donor_org = factories.BuyerFactory(
        name="Commune de Vitré", department_code="35", region_code="53", postcode="35500"
    )
    result = People(
        donor=factories.UserFactory(email="vitre@example.fr", organisation=donor_org),
        donor_colleague=factories.UserFactory(
            email="dsi@vitre.example.fr", organisation=donor_org, is_org_admin=False
        ),
        other_buyer=factories.BuyerPersonFactory(
            email="lannion@example.fr",
            organisation__name="Commune de Lannion",
            organisation__department_code="22",
            organisation__region_code="53",
        ),
        refurbisher=factories.RefurbisherPersonFactory(
            email="rennes@example.fr",
            organisation__name="Ordi'Breizh",
            organisation__department_code="35",
            organisation__region_code="53",
        ),
        regional=factories.RefurbisherPersonFactory(
            email="brest@example.fr",
            organisation__name="Atelier du Léon",
            organisation__department_code="29",
            organisation__region_code="53",
        ),
        faraway=factories.RefurbisherPersonFactory(
            email="nantes@example.fr",
            organisation__name="Coop de l'Ouest",
            organisation__department_code="44",
            organisation__region_code="52",
        ),
        coordinator=factories.CoordinatorFactory(email="coord@example.fr"),
        pending=factories.PendingRefurbisherFactory(email="attente@example.fr"),
    )
    db.session.commit()
    return result


def today() -> dt.date:
    return paris_date_of(utcnow())


def lot_data(**changes: object) -> services.LotData:
    values: dict[str, object] = {
        "category_code": "laptop",
        "quantity": 10,
        "age_bracket": AgeBracket.UNDER_5,
        "condition": LotCondition.WORKING,
        "unit_weight_g": 2300,
        "pickup_address": "Place du Château",
        "pickup_postcode": "35500",
        "pickup_city": "Vitré",
        "available_from": today(),
        "available_until": today() + dt.timedelta(days=30),
        "data_wiping_required": False,
        "description": "Portables réformés du service culture",
    }
    values.update(changes)
    return services.LotData(**values)  # type: ignore[arg-type]


MakeLot = Callable[..., DonationLot]


@pytest.fixture
def make_lot(people: People) -> MakeLot:
    def make(**changes: object) -> DonationLot:
        return services.create_lot(lot_data(**changes), by=people.donor)

    return make


def claimed(
    lot: DonationLot, by: User, donor: User, quantity: int | None = None, stage: str = "accepted"
) -> DonationClaim:
    """A claim brought to ``stage``: pending, accepted, picked_up or completed."""
    claim = services.claim_lot(lot, quantity or lot.remaining_quantity, by=by)
    if stage == "pending":
        return claim
    services.accept_claim(claim, by=donor)
    if stage == "accepted":
        return claim
    services.record_pickup(claim, today(), claim.quantity, by=by)
    if stage == "picked_up":
        return claim
    services.record_outcome(claim, claim.quantity, 0, by=by)
    return claim


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def outbox(app) -> list:  # type: ignore[no-untyped-def,type-arg]
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox
