"""Permission matrix: every campaign route × every role (and other organisations' ids)."""

from __future__ import annotations

import pytest

from nrhub.campaigns import orders as order_services
from nrhub.campaigns import policy
from nrhub.campaigns.models import Campaign, CampaignState, Order, OrderStatus
from nrhub.transactions import unit_of_work
from tests.conftest import login
from tests.policies import BUYER, check_row

ROLES = ["coordinator", "refurbisher", "other_refurbisher", "buyer", "other_buyer"]

# (method, path, expected status for coordinator, refurbisher, other refurbisher,
#  buyer, other buyer)
ROUTES = [
    ("get", "/campagnes/", (200, 200, 200, 200, 200)),
    ("get", "/campagnes/{open}", (200, 200, 200, 200, 200)),
    ("get", "/campagnes/{draft}", (200, 404, 404, 404, 404)),
    ("get", "/campagnes/999999", (404, 404, 404, 404, 404)),
    ("get", "/campagnes/nouvelle", (200, 403, 403, 403, 403)),
    ("get", "/campagnes/{open}/modifier", (200, 403, 403, 403, 403)),
    ("post", "/campagnes/{draft}/ouvrir", (302, 403, 403, 403, 403)),
    ("post", "/campagnes/{open}/cloturer", (302, 403, 403, 403, 403)),
    ("get", "/campagnes/{open}/annuler", (200, 403, 403, 403, 403)),
    ("post", "/campagnes/{open}/offres", (403, 422, 422, 403, 403)),
    ("post", "/campagnes/{draft}/offres", (403, 404, 404, 403, 403)),
    ("post", "/campagnes/{open}/offres/{offer}/quantite", (403, 302, 404, 403, 403)),
    ("post", "/campagnes/{open}/offres/{offer}/retirer", (403, 302, 404, 403, 403)),
    ("post", "/campagnes/{open}/offres/{offer}/accepter", (302, 403, 403, 403, 403)),
    ("post", "/campagnes/{open}/offres/{offer}/refuser", (302, 403, 403, 403, 403)),
    ("post", "/campagnes/{open}/commande", (403, 403, 403, 302, 302)),
    ("get", "/campagnes/{open}/commandes/{order}", (200, 404, 404, 200, 404)),
    ("post", "/campagnes/{open}/commandes/{order}/annuler", (403, 403, 403, 302, 404)),
]


@pytest.fixture
def ids(people, make_campaign, listing, make_offer):  # type: ignore[no-untyped-def]
    open_campaign = make_campaign(CampaignState.OPEN)
    draft = make_campaign(CampaignState.DRAFT, title="Brouillon")
    accepted = make_offer(open_campaign, listing, 5)
    with unit_of_work():
        order = order_services.place_order(open_campaign, {accepted.id: 2}, by=people.buyer)
    return {"open": open_campaign.id, "draft": draft.id, "offer": accepted.id, "order": order.id}


# Roles whose request may change state come last, so earlier ones see the same objects.
ORDER = [
    "anonymous",
    "pending",
    "other_buyer",
    "other_refurbisher",
    "buyer",
    "refurbisher",
    "coordinator",
]


@pytest.mark.parametrize(("method", "path", "expected"), ROUTES)
def test_campaign_permission_matrix(app, people, ids, method, path, expected):
    wanted = dict(zip(ROLES, expected, strict=True))
    wanted |= {"anonymous": "/connexion", "pending": "/en-attente"}
    seen = {}
    for role in ORDER:
        client = app.test_client()
        if role == "pending":
            login(client, people.pending.email)
        elif role != "anonymous":
            login(client, getattr(people, role).email)
        response = getattr(client, method)(path.format(**ids))
        if role in ("anonymous", "pending"):
            location = response.headers.get("Location", "")
            seen[role] = wanted[role] if wanted[role] in location else response.status_code
        else:
            seen[role] = response.status_code
    assert seen == wanted


# --- The policy itself (nrhub.campaigns.policy), role by role ------------------------------

POLICY_ROWS = [
    (policy.can_manage_campaigns, "manage_campaigns", None, {"coordinator"}),
    (policy.can_edit, "edit", Campaign(state=CampaignState.OPEN), {"coordinator"}),
    (policy.can_edit, "edit", Campaign(state=CampaignState.CLOSED), set()),
    (policy.can_publish_call, "publish_call", Campaign(state=CampaignState.DRAFT), {"coordinator"}),
    (policy.can_publish_call, "publish_call", Campaign(state=CampaignState.OPEN), set()),
    (policy.can_open, "open", Campaign(state=CampaignState.CALL_FOR_STOCK), {"coordinator"}),
    (policy.can_open, "open", Campaign(state=CampaignState.OPEN), set()),
    (policy.can_close, "close", Campaign(state=CampaignState.OPEN), {"coordinator"}),
    (policy.can_close, "close", Campaign(state=CampaignState.CLOSED), set()),
    (policy.can_cancel, "cancel", Campaign(state=CampaignState.CLOSED), {"coordinator"}),
    (policy.can_cancel, "cancel", Campaign(state=CampaignState.CONSOLIDATED), set()),
    (
        policy.can_decide_offers,
        "decide_offers",
        Campaign(state=CampaignState.OPEN),
        {"coordinator"},
    ),
    (policy.can_decide_offers, "decide_offers", Campaign(state=CampaignState.CLOSED), set()),
    (policy.can_commit_stock, "commit_stock", None, {"refurbisher", "other_refurbisher"}),
    (policy.can_place_order, "place_order", None, {"buyer", "other_buyer"}),
]


@pytest.mark.parametrize(("function", "verb", "obj", "allowed"), POLICY_ROWS)
def test_policy_matrix(request_ctx, function, verb, obj, allowed) -> None:  # type: ignore[no-untyped-def]
    check_row(function, verb, obj, allowed)


def test_policy_hides_another_buyers_order(request_ctx) -> None:  # type: ignore[no-untyped-def]
    order = Order(buyer_id=BUYER, status=OrderStatus.ACTIVE)
    others = {"coordinator", "refurbisher", "other_refurbisher", "other_buyer", "pending"}
    check_row(policy.can_cancel_order, "cancel", order, {"buyer"}, hidden=others)
