"""Permission matrix of the catalogue routes."""

import pytest

from tests.catalog.conftest import VALID_FORM, draft, make_listing
from tests.conftest import login

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
