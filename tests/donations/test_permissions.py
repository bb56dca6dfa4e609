"""Permission matrix of every donation route × role: anonymous and pending people are
redirected, a wrong role gets a 403, another organisation's lot or claim a 404."""

from __future__ import annotations

import pytest

from nrhub.donations import policy, services
from nrhub.donations.models import (
    ClaimStatus,
    DonationClaim,
    DonationLot,
    DonationLotPhoto,
    LotReach,
    LotStatus,
)
from nrhub.extensions import db
from tests.conftest import login
from tests.donations.conftest import PDF_BYTES, claimed, png_bytes, today
from tests.policies import BUYER, REFURBISHER, check_row

ROLES = (
    "anonymous",
    "pending",
    "donor",
    "other_buyer",
    "refurbisher",
    "regional",
    "coordinator",
)
LOGIN = {"anonymous": 302, "pending": 302}
MEMBERS = LOGIN | dict.fromkeys(ROLES[2:], 200)
BUYERS = LOGIN | {
    "donor": 200,
    "other_buyer": 200,
    "refurbisher": 403,
    "regional": 403,
    "coordinator": 403,
}
DONOR = BUYERS | {"other_buyer": 404}
SEE_LOT = LOGIN | {
    "donor": 200,
    "other_buyer": 404,
    "refurbisher": 200,
    "regional": 404,
    "coordinator": 200,
}
CLAIMANT = LOGIN | {
    "donor": 403,
    "other_buyer": 403,
    "refurbisher": 200,
    "regional": 404,
    "coordinator": 403,
}
REFURBISHERS = LOGIN | {
    "donor": 403,
    "other_buyer": 403,
    "refurbisher": 302,
    "regional": 404,
    "coordinator": 403,
}
COORDINATOR = LOGIN | dict.fromkeys(ROLES[2:], 403) | {"coordinator": 200}

LOT_FORM = {
    "category_code": "laptop",
    "quantity": "8",
    "age_bracket": "lt5",
    "condition": "working",
    "unit_weight_kg": "2,3",
    "pickup_address": "Place du Château",
    "pickup_postcode": "35500",
    "pickup_city": "Vitré",
    "available_from": today().isoformat(),
    "available_until": today().replace(year=today().year + 1).isoformat(),
}


@pytest.fixture
def objects(people, make_lot):  # type: ignore[no-untyped-def]
    main = make_lot(quantity=4, data_wiping_required=True)
    services.add_lot_photo(main, png_bytes(), by=people.donor)
    completed = claimed(main, people.refurbisher, people.donor, 4, "picked_up")
    services.record_outcome(completed, 4, 0, by=people.refurbisher, certificate=PDF_BYTES)
    name = db.session.execute(db.select(DonationLotPhoto.thumbnail)).scalar_one()
    return {
        "lot": main.id,
        "photo": name,
        "open": make_lot().id,
        "completed": completed.id,
        "pending": claimed(make_lot(), people.refurbisher, people.donor, 2, "pending").id,
        "accepted": claimed(make_lot(), people.refurbisher, people.donor, 2, "accepted").id,
        "picked": claimed(make_lot(), people.refurbisher, people.donor, 2, "picked_up").id,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "data", "expected"),
    [
        ("get", "/dons", None, MEMBERS),
        ("get", "/dons/nouveau", None, BUYERS),
        ("post", "/dons/nouveau", LOT_FORM, BUYERS | {"donor": 302, "other_buyer": 302}),
        ("get", "/dons/{lot}", None, SEE_LOT),
        ("get", "/dons/photos/{photo}", None, SEE_LOT),
        ("get", "/dons/{lot}/photos", None, DONOR),
        ("post", "/dons/{open}/retirer", {}, DONOR | {"donor": 302}),
        ("post", "/dons/{open}/reserver", {"quantity": "1"}, REFURBISHERS),
        ("post", "/dons/reservations/{pending}/accepter", {}, DONOR | {"donor": 302}),
        (
            "post",
            "/dons/reservations/{pending}/refuser",
            {"reason": "Déjà donné"},
            DONOR | {"donor": 302},
        ),
        ("post", "/dons/reservations/{accepted}/annuler", {}, REFURBISHERS),
        ("get", "/dons/reservations/{accepted}/enlevement", None, CLAIMANT),
        (
            "post",
            "/dons/reservations/{accepted}/enlevement",
            {"picked_up_on": today().isoformat(), "quantity": "2"},
            REFURBISHERS,
        ),
        ("get", "/dons/reservations/{picked}/devenir", None, CLAIMANT),
        (
            "post",
            "/dons/reservations/{picked}/devenir",
            {"units_reused": "1", "units_recycled": "1"},
            REFURBISHERS,
        ),
        ("get", "/dons/reservations/{completed}/certificat", None, SEE_LOT),
        ("get", "/dons/reglages", None, COORDINATOR),
        ("post", "/dons/reglages", {"widen_after_days": "5"}, COORDINATOR | {"coordinator": 302}),
        ("get", "/acheteur/parc-reforme", None, BUYERS),
        (
            "post",
            "/acheteur/parc-reforme",
            {"year": "2025", "reen_category": "small_it", "units": "30", "in_scope": "y"},
            BUYERS | {"donor": 302, "other_buyer": 302},
        ),
    ],
)
def test_permission_matrix(client, people, objects, role, method, url, data, expected):
    user = people.get(role)
    if user is not None:
        login(client, user.email)
    target = url.format(**objects)
    response = client.post(target, data=data) if method == "post" else client.get(target)
    response.close()  # files are streamed: close them
    assert response.status_code == expected[role], (role, target)
    if role == "anonymous":
        assert "/connexion" in response.headers["Location"]
    if role == "pending":
        assert "/connexion" not in response.headers["Location"]


def test_refurbisher_never_sees_another_refurbishers_claim(client, people, make_lot):
    lot = make_lot(quantity=10)
    lot.reach = LotReach.REGION
    db.session.commit()
    services.claim_lot(lot, 3, by=people.refurbisher, message="Camion mardi")
    services.claim_lot(lot, 2, by=people.regional, message="Passage vendredi")
    login(client, people.regional.email)
    page = client.get(f"/dons/{lot.id}").get_data(as_text=True)
    assert "Passage vendredi" in page
    assert "Camion mardi" not in page and "Ordi&#39;Breizh" not in page
    client.post("/deconnexion")
    login(client, people.donor.email)
    page = client.get(f"/dons/{lot.id}").get_data(as_text=True)
    assert "Camion mardi" in page and "Passage vendredi" in page


# --- The policy itself (nrhub.donations.policy), role by role ------------------------------


def _lot(status: LotStatus = LotStatus.OPEN) -> DonationLot:
    return DonationLot(donor_id=BUYER, status=status)


def _claim(status: ClaimStatus) -> DonationClaim:
    return DonationClaim(refurbisher_id=REFURBISHER, status=status)


POLICY_ROWS = [
    (policy.can_give, "give", None, {"buyer", "other_buyer"}, set()),
    (policy.can_claim_lots, "claim_lots", None, {"refurbisher", "other_refurbisher"}, set()),
    (policy.can_manage_lot, "manage", _lot(), {"buyer"}, {"other_buyer"}),
    (policy.can_withdraw_lot, "withdraw", _lot(), {"buyer"}, {"other_buyer"}),
    (policy.can_withdraw_lot, "withdraw", _lot(LotStatus.WITHDRAWN), set(), {"other_buyer"}),
    (
        policy.can_follow_claim,
        "follow",
        _claim(ClaimStatus.PENDING),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_cancel_claim,
        "cancel",
        _claim(ClaimStatus.ACCEPTED),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_cancel_claim,
        "cancel",
        _claim(ClaimStatus.PICKED_UP),
        set(),
        {"other_refurbisher"},
    ),
    (
        policy.can_record_pickup,
        "record_pickup",
        _claim(ClaimStatus.ACCEPTED),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_record_pickup,
        "record_pickup",
        _claim(ClaimStatus.PENDING),
        set(),
        {"other_refurbisher"},
    ),
    (
        policy.can_declare_outcome,
        "declare_outcome",
        _claim(ClaimStatus.PICKED_UP),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_declare_outcome,
        "declare_outcome",
        _claim(ClaimStatus.COMPLETED),
        set(),
        {"other_refurbisher"},
    ),
]


@pytest.mark.parametrize(("function", "verb", "obj", "allowed", "hidden"), POLICY_ROWS)
def test_policy_matrix(request_ctx, function, verb, obj, allowed, hidden) -> None:  # type: ignore[no-untyped-def]
    check_row(function, verb, obj, allowed, hidden)
