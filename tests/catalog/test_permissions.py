"""Permission matrix of the catalogue routes."""

import pytest

from nrhub.catalog import policy
from nrhub.catalog.models import Listing, ListingStatus
from tests.catalog.conftest import VALID_FORM, draft, make_listing
from tests.conftest import login
from tests.policies import REFURBISHER, check_row

ROLES = ("anonymous", "pending", "refurbisher", "buyer", "coordinator", "other_refurbisher")

# Expected status per role: anonymous → login redirect, pending → waiting page redirect.
MANAGE = {
    "anonymous": 302,
    "pending": 302,
    "refurbisher": 200,
    "buyer": 403,
    "coordinator": 403,
    "other_refurbisher": 404,
}
LIST = MANAGE | {"other_refurbisher": 200}
PUBLIC = dict.fromkeys(ROLES, 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("get", "/catalogue", PUBLIC),
        ("get", "/catalogue/{published}", PUBLIC),
        ("get", "/catalogue/{draft}", dict.fromkeys(ROLES, 404) | {"refurbisher": 200}),
        ("get", "/reconditionneurs/{org}", PUBLIC),
        ("get", "/reconditionneur/offres", LIST),
        ("get", "/reconditionneur/offres/nouvelle", LIST),
        ("get", "/reconditionneur/offres/import", LIST),
        ("get", "/reconditionneur/offres/import/modele.csv", LIST),
        ("get", "/reconditionneur/offres/{draft}/modifier", MANAGE),
        ("get", "/reconditionneur/offres/{draft}/photos", MANAGE),
        ("post", "/reconditionneur/offres/{draft}/modifier", MANAGE | {"refurbisher": 302}),
        ("post", "/reconditionneur/offres/{draft}/publier", MANAGE | {"refurbisher": 302}),
        ("post", "/reconditionneur/offres/{published}/archiver", MANAGE | {"refurbisher": 302}),
    ],
)
def test_permission_matrix(client, people, role, method, url, expected):
    ids = {
        "published": make_listing(people.refurbisher).id,
        "draft": draft(people.refurbisher).id,
        "org": people.refurbisher.organisation_id,
    }
    user = people.get(role)
    if user is not None:
        login(client, user.email)
    target = url.format(**ids)
    response = client.post(target, data=VALID_FORM) if method == "post" else client.get(target)
    assert response.status_code == expected[role], (role, target)
    if role == "anonymous" and expected[role] == 302:
        assert "/connexion" in response.headers["Location"]


# --- The policy itself (nrhub.catalog.policy), role by role --------------------------------


def _listing(status: ListingStatus) -> Listing:
    return Listing(refurbisher_id=REFURBISHER, status=status)


POLICY_ROWS = [
    (policy.can_sell, "sell", None, {"refurbisher", "other_refurbisher"}, set()),
    (policy.can_import_stock, "import_stock", None, {"refurbisher", "other_refurbisher"}, set()),
    (
        policy.can_manage_maintenance,
        "manage_maintenance",
        _listing(ListingStatus.PUBLISHED),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_manage_listing,
        "manage",
        _listing(ListingStatus.DRAFT),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_publish,
        "publish",
        _listing(ListingStatus.DRAFT),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_publish,
        "publish",
        _listing(ListingStatus.PUBLISHED),
        set(),
        {"other_refurbisher"},
    ),
    (
        policy.can_archive,
        "archive",
        _listing(ListingStatus.PUBLISHED),
        {"refurbisher"},
        {"other_refurbisher"},
    ),
    (
        policy.can_archive,
        "archive",
        _listing(ListingStatus.ARCHIVED),
        set(),
        {"other_refurbisher"},
    ),
]


@pytest.mark.parametrize(("function", "verb", "obj", "allowed", "hidden"), POLICY_ROWS)
def test_policy_matrix(request_ctx, function, verb, obj, allowed, hidden) -> None:  # type: ignore[no-untyped-def]
    check_row(function, verb, obj, allowed, hidden)
