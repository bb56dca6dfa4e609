"""Permission matrix: every route of the area × every kind of visitor.

Expected outcomes: ``login`` (redirect to the login page), ``pending`` (redirect to the
waiting page), ``403``, ``404`` (another organisation's object), or ``ok`` (reached the
view: 200, a redirect after success, or a 409/422 from the form or a business rule).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.consolidation import policy, services
from nrhub.consolidation.models import Delivery, DeliveryStatus, PurchaseOrder
from nrhub.extensions import db
from tests.conftest import login
from tests.consolidation import factories as f
from tests.policies import BUYER, REFURBISHER, check_row

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

# (method, url template, expected outcome per visitor in VISITORS order)
R = ("login", "pending")
ROUTES = [
    ("GET", "/campagnes/{open_campaign}/consolidation", (*R, "403", "403", "403", "403", "ok")),
    ("GET", "/campagnes/{campaign}/consolidation", (*R, "403", "403", "403", "403", "ok")),
    ("GET", "/campagnes/{open_campaign}/consolidation/lignes/{line}/ajustement",
     (*R, "403", "403", "403", "403", "ok")),
    ("POST", "/campagnes/{open_campaign}/consolidation/lignes/{line}/ajustement",
     (*R, "403", "403", "403", "403", "ok")),
    ("POST", "/campagnes/{open_campaign}/consolidation/lignes/{line}/ajustement/suppression",
     (*R, "403", "403", "403", "403", "404")),
    ("POST", "/campagnes/{open_campaign}/consolidation/confirmation",
     (*R, "403", "403", "403", "403", "ok")),
    ("GET", "/bons-de-commande", (*R, "ok", "ok", "403", "403", "ok")),
    ("GET", "/bons-de-commande/{po}", (*R, "ok", "404", "403", "403", "ok")),
    ("GET", "/bons-de-commande/{po}.csv", (*R, "ok", "404", "403", "403", "ok")),
    ("GET", "/livraisons", (*R, "ok", "ok", "ok", "ok", "ok")),
    ("GET", "/livraisons/{delivery}", (*R, "ok", "404", "ok", "404", "ok")),
    ("GET", "/livraisons/{delivery}.csv", (*R, "ok", "404", "ok", "404", "ok")),
    ("POST", "/livraisons/{delivery}/expedition", (*R, "ok", "404", "403", "403", "403")),
    ("POST", "/livraisons/{delivery}/reception", (*R, "403", "403", "ok", "404", "403")),
]  # fmt: skip


@pytest.fixture
def ids(world):
    f.pending_person()
    f.run(
        services.confirm_consolidation,
        world.campaign,
        by=world.coordinator,
        at=f.CONFIRMED_AT,
    )
    # A second, closed but not consolidated campaign with one order line.
    other = f.campaign("Campagne à consolider")
    offer = f.offer(other, world.listings["monitor"], 2)
    order = f.order(other, world.buyers[0], [(offer, 1)], f.at(0))
    db.session.commit()
    line_id = db.session.execute(
        select(f.OrderLine.id).where(f.OrderLine.order_id == order.id)
    ).scalar_one()
    po = db.session.execute(
        select(PurchaseOrder).where(PurchaseOrder.refurbisher_id == world.refurbisher_a.id)
    ).scalar_one()
    delivery = db.session.execute(
        select(Delivery).where(
            Delivery.purchase_order_id == po.id, Delivery.buyer_id == world.buyers[0].id
        )
    ).scalar_one()
    return {
        "campaign": world.campaign.id,
        "open_campaign": other.id,
        "line": line_id,
        "po": po.id,
        "delivery": delivery.id,
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
def test_permission_matrix(world, ids, client, visitor, method, template, expected):
    if visitor != "anonymous":
        login(client, EMAILS[visitor])
    url = template.format(**ids)
    response = client.get(url) if method == "GET" else client.post(url, data={})
    assert outcome(response) == expected[VISITORS.index(visitor)], (visitor, method, url)


def test_unknown_ids_are_404_for_the_coordinator(world, ids, client):
    login(client, "coordination@test.fr")
    for url in (
        "/campagnes/999999/consolidation",
        "/bons-de-commande/999999",
        "/bons-de-commande/999999.csv",
        "/livraisons/999999",
    ):
        assert client.get(url).status_code == 404, url


# --- The policy itself (nrhub.consolidation.policy), role by role --------------------------


def _delivery(status: DeliveryStatus) -> Delivery:
    return Delivery(buyer_id=BUYER, refurbisher_id=REFURBISHER, status=status)


POLICY_ROWS = [
    (policy.can_consolidate, "consolidate", None, {"coordinator"}),
    (
        policy.can_see_consolidation,
        "see_consolidation",
        Campaign(state=CampaignState.CLOSED),
        {"coordinator"},
    ),
    (
        policy.can_see_consolidation,
        "see_consolidation",
        Campaign(state=CampaignState.CALL_FOR_STOCK),
        set(),
    ),
    (policy.can_ship, "ship", _delivery(DeliveryStatus.PENDING), {"refurbisher"}),
    (policy.can_ship, "ship", _delivery(DeliveryStatus.SHIPPED), set()),
    (policy.can_receive, "receive", _delivery(DeliveryStatus.SHIPPED), {"buyer"}),
    (policy.can_receive, "receive", _delivery(DeliveryStatus.PARTIAL), {"buyer"}),
    (policy.can_receive, "receive", _delivery(DeliveryStatus.PENDING), set()),
    (policy.can_receive, "receive", _delivery(DeliveryStatus.RECEIVED), set()),
]


@pytest.mark.parametrize(("function", "verb", "obj", "allowed"), POLICY_ROWS)
def test_policy_matrix(request_ctx, function, verb, obj, allowed) -> None:  # type: ignore[no-untyped-def]
    check_row(function, verb, obj, allowed)
