"""Permission matrix: every route of the area × every kind of visitor.

Outcomes: ``login`` (redirect to the login page), ``pending`` (to the waiting page),
``403``, ``404`` (another organisation's object), or ``ok`` (reached the view: 200, a
redirect after success, or a 409/422 from the form or a business rule).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from nrhub.consolidation.models import Delivery, DeliveryStatus
from nrhub.extensions import db
from nrhub.repairs import policy, services
from nrhub.repairs.models import RepairPhoto, RepairRequest
from tests.conftest import login
from tests.consolidation import factories as f
from tests.policies import BUYER, REFURBISHER, check_row
from tests.repairs.conftest import delivery_of, lines_of

VISITORS = ("anonymous", "pending", "refurbisher", "other_refurbisher", "buyer", "other_buyer",
            "coordinator")  # fmt: skip

EMAILS = {
    "pending": "en-attente@test.fr",
    "refurbisher": "atelier-a@test.fr",
    "other_refurbisher": "atelier-b@test.fr",
    "buyer": "acheteur1@test.fr",
    "other_buyer": "acheteur2@test.fr",
    "coordinator": "coordination@test.fr",
}

R = ("login", "pending")
OWNER = (*R, "ok", "404", "403", "403", "403")  # the listing's refurbisher only
BUYERS = (*R, "403", "403", "ok", "ok", "403")
MY_REQUEST = (*R, "403", "403", "ok", "404", "403")
REFURBISHERS = (*R, "ok", "ok", "403", "403", "403")
THEIR_REQUEST = (*R, "ok", "404", "403", "403", "403")
HUB = (*R, "403", "403", "403", "403", "ok")
ROUTES = [
    ("GET", "/reconditionneur/offres/{listing}/maintenance", OWNER),
    ("POST", "/reconditionneur/offres/{listing}/maintenance", OWNER),
    ("GET", "/reconditionneur/offres/{listing}/maintenance/{maintenance}/modifier", OWNER),
    ("POST", "/reconditionneur/offres/{listing}/maintenance/{maintenance}/modifier", OWNER),
    ("POST", "/reconditionneur/offres/{listing}/maintenance/{maintenance}/supprimer", OWNER),
    ("GET", "/acheteur/reparations", BUYERS),
    ("GET", "/acheteur/reparations/nouvelle", BUYERS),
    ("POST", "/acheteur/reparations/nouvelle", BUYERS),
    ("GET", "/acheteur/reparations/{request}", MY_REQUEST),
    ("POST", "/acheteur/reparations/{request}/message", MY_REQUEST),
    ("GET", "/reconditionneur/reparations", REFURBISHERS),
    ("GET", "/reconditionneur/reparations/{request}", THEIR_REQUEST),
    ("POST", "/reconditionneur/reparations/{request}/statut", THEIR_REQUEST),
    ("POST", "/reconditionneur/reparations/{request}/message", THEIR_REQUEST),
    ("GET", "/coordination/reparations", HUB),
    ("GET", "/coordination/reparations/{request}", HUB),
    ("GET", "/reparations/photos/{photo}", (*R, "ok", "404", "ok", "404", "ok")),
    ("GET", "/reparations/indicateurs.csv", (*R, "ok", "ok", "ok", "ok", "ok")),
]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def ids(received, request_ctx):
    f.pending_person()
    db.session.commit()
    line = lines_of(delivery_of(received, received.refurbisher_a, 0))[0]
    request = services.open_repair_request(
        services.RepairInput(line.id, 1, "Panne."),
        [png()],
        by=received.people["buyer1"],
        notify=False,
    )
    photo = db.session.execute(db.select(RepairPhoto)).scalar_one()
    return {
        "listing": received.listings["laptop"].id,
        "maintenance": received.maintenance.id,
        "request": request.id,
        "photo": photo.thumbnail,
    }


def outcome(response) -> str:
    if response.status_code == 302:
        location = response.headers["Location"]
        if "/connexion" in location:
            return "login"
        if "attente" in location or "pending" in location:
            return "pending"
        return "ok"
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code in (200, 409, 422), response.status_code
    return "ok"


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("method", "template", "expected"), ROUTES)
def test_permission_matrix(received, ids, client, visitor, method, template, expected):
    if visitor != "anonymous":
        login(client, EMAILS[visitor])
    url = template.format(**ids)
    response = client.get(url) if method == "GET" else client.post(url, data={})
    response.close()  # a photo is sent as a file
    assert outcome(response) == expected[VISITORS.index(visitor)], (visitor, method, url)


def test_unknown_ids_are_404(received, ids, client):
    login(client, "coordination@test.fr")
    for url in ("/coordination/reparations/999999", "/reparations/photos/" + "0" * 32 + ".png"):
        assert client.get(url).status_code == 404, url
    login(client, "atelier-a@test.fr")
    assert client.get("/reconditionneur/offres/999999/maintenance").status_code == 404
    assert (
        client.get(
            f"/reconditionneur/offres/{ids['listing']}/maintenance/999999/modifier"
        ).status_code
        == 404
    )


# --- The policy itself (nrhub.repairs.policy), role by role --------------------------------

REQUEST = RepairRequest(buyer_id=BUYER, refurbisher_id=REFURBISHER)
POLICY_ROWS = [
    (policy.can_request_repairs, "request_repairs", None, {"buyer", "other_buyer"}, set()),
    (
        policy.can_answer_repairs,
        "answer_repairs",
        None,
        {"refurbisher", "other_refurbisher"},
        set(),
    ),
    (
        policy.can_request_repair,
        "request_repair",
        Delivery(buyer_id=BUYER, refurbisher_id=REFURBISHER, status=DeliveryStatus.RECEIVED),
        {"buyer"},
        {"other_buyer"},
    ),
    (
        policy.can_request_repair,
        "request_repair",
        Delivery(buyer_id=BUYER, refurbisher_id=REFURBISHER, status=DeliveryStatus.SHIPPED),
        set(),
        {"other_buyer"},
    ),
    (
        policy.can_write,
        "write",
        REQUEST,
        {"buyer", "refurbisher"},
        {"other_buyer", "other_refurbisher"},
    ),
    (policy.can_advance, "advance", REQUEST, {"refurbisher"}, {"other_refurbisher"}),
]


@pytest.mark.parametrize(("function", "verb", "obj", "allowed", "hidden"), POLICY_ROWS)
def test_policy_matrix(request_ctx, function, verb, obj, allowed, hidden) -> None:  # type: ignore[no-untyped-def]
    check_row(function, verb, obj, allowed, hidden)
