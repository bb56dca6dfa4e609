"""Every route of the foundation × (anonymous, pending, refurbisher, buyer, coordinator)."""

from __future__ import annotations

import pytest

from nrhub import access
from nrhub.agreements import policy as agreements_policy
from nrhub.clauses import policy as clauses_policy
from nrhub.extensions import db
from nrhub.ledger import policy as ledger_policy
from nrhub.ledger.models import SpendEntry
from nrhub.organisations import policy as organisations_policy
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from nrhub.stats import policy as stats_policy
from tests import factories
from tests.conftest import login
from tests.policies import BUYER, HUB, OTHER_BUYER, check_row
from tests.policies import people as policy_people
from tests.web.people import ROLES, make_people

A, P, R, B, C = ROLES
LOGIN, WAIT = "/connexion", "/en-attente"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


MEMBERS_ONLY = {A: 302, P: 302, R: 200, B: 200, C: 200}
COORDINATORS_ONLY = {A: 302, P: 302, R: 403, B: 403, C: 200}
COORDINATOR_ACTION = {A: 302, P: 302, R: 403, B: 403, C: 302}

# (method, path, form data, expected status per role)
MATRIX = [
    ("GET", "/", None, {A: 200, P: 302, R: 200, B: 200, C: 200}),
    ("GET", "/sante", None, everyone(200)),
    ("GET", "/en-attente", None, {A: 302, P: 200, R: 302, B: 302, C: 302}),
    ("POST", "/langue", {"lang": "en"}, everyone(302)),
    ("GET", "/connexion", None, everyone(200)),
    ("GET", "/inscription", None, {A: 200, P: 302, R: 302, B: 302, C: 302}),
    ("GET", "/mot-de-passe-oublie", None, everyone(200)),
    ("POST", "/mot-de-passe-oublie", {"email": "x@example.fr"}, everyone(302)),
    ("GET", "/reinitialisation/jeton-inconnu", None, everyone(404)),
    ("GET", "/invitation/jeton-inconnu", None, everyone(404)),
    ("POST", "/deconnexion", None, {A: 302, P: 302, R: 302, B: 302, C: 302}),
    ("GET", "/compte", None, MEMBERS_ONLY),
    (
        "POST",
        "/compte",
        {"name": "Nouveau Nom", "locale": "fr"},
        {**MEMBERS_ONLY, R: 302, B: 302, C: 302},
    ),
    (
        "POST",
        "/compte/mot-de-passe",
        {
            "current_password": "faux-mot-de-passe",
            "password": "x" * 12,
            "password_confirm": "x" * 12,
        },
        {**MEMBERS_ONLY, R: 422, B: 422, C: 422},
    ),
    ("GET", "/coordination/organisations", None, COORDINATORS_ONLY),
    ("GET", "/coordination/organisations/{pending_org}", None, COORDINATORS_ONLY),
    ("GET", "/coordination/organisations/999999", None, {**COORDINATORS_ONLY, C: 404}),
    ("POST", "/coordination/organisations/{pending_org}/valider", None, COORDINATOR_ACTION),
    (
        "POST",
        "/coordination/organisations/{pending_org}/refuser",
        {"reject-reason": "Hors périmètre"},
        COORDINATOR_ACTION,
    ),
    (
        "POST",
        "/coordination/organisations/{other_org}/suspendre",
        {"suspend-reason": "Impayés"},
        COORDINATOR_ACTION,
    ),
    ("POST", "/coordination/organisations/{suspended_org}/reactiver", None, COORDINATOR_ACTION),
    ("POST", "/coordination/organisations/999999/valider", None, {**COORDINATOR_ACTION, C: 404}),
    ("GET", "/coordination/journal", None, COORDINATORS_ONLY),
    (
        "GET",
        "/coordination/journal?organisation={other_org}&action=auth.login&page=2",
        None,
        COORDINATORS_ONLY,
    ),
    ("GET", "/organisation/membres", None, MEMBERS_ONLY),
    (
        "POST",
        "/organisation/membres/inviter",
        {"email": "invitee@example.fr"},
        {**MEMBERS_ONLY, R: 302, B: 302, C: 302},
    ),
    # Only the buyer's own colleague can be removed; elsewhere it is another organisation's id.
    (
        "POST",
        "/organisation/membres/{colleague}/retirer",
        None,
        {**MEMBERS_ONLY, R: 404, B: 302, C: 404},
    ),
    (
        "POST",
        "/organisation/membres/999999/retirer",
        None,
        {**MEMBERS_ONLY, R: 404, B: 404, C: 404},
    ),
    ("GET", "/organisation/profil", None, MEMBERS_ONLY),
    ("POST", "/organisation/profil", {"address": ""}, {**MEMBERS_ONLY, R: 422, B: 422, C: 422}),
]


@pytest.fixture
def ids(app):
    people = make_people()
    suspended = factories.BuyerFactory(status=OrgStatus.SUSPENDED)
    db.session.commit()
    return {
        "people": people,
        "pending_org": people.pending.organisation_id,
        "other_org": people.other_buyer.organisation_id,
        "suspended_org": suspended.id,
        "colleague": people.buyer_colleague.id,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "data", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _d, _e in MATRIX]
)
def test_permission_matrix(app, client, ids, role, method, path, data, expected):
    person = ids["people"].get(role)
    if person is not None:
        login(client, person.email)
    url = path.format(**{k: v for k, v in ids.items() if k != "people"})
    response = client.open(url, method=method, data=data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if response.status_code == 302 and role == A and expected is not None:
        location = response.headers["Location"]
        if path.startswith(("/compte", "/coordination", "/organisation/")):
            assert location.startswith(LOGIN)
    if (
        response.status_code == 302
        and role == P
        and path.startswith(("/compte", "/coordination", "/organisation/"))
    ):
        assert response.headers["Location"] == WAIT


# --- The policies of the foundation's areas, role by role --------------------------------

NOT_HUB = Organisation(id=BUYER, kind=OrgKind.BUYER, status=OrgStatus.ACTIVE)
HUB_ITSELF = Organisation(id=HUB, kind=OrgKind.HUB, status=OrgStatus.ACTIVE)
POLICY_ROWS = [
    (organisations_policy.can_review_organisations, "review_organisations", None, {"coordinator"}),
    (organisations_policy.can_change_status, "change_status", NOT_HUB, {"coordinator"}),
    (organisations_policy.can_change_status, "change_status", HUB_ITSELF, set()),
    # Each administrator of an active organisation administers their own only.
    (organisations_policy.can_administer, "administer", NOT_HUB, {"buyer"}),
    (organisations_policy.can_administer, "administer", HUB_ITSELF, {"coordinator"}),
    (clauses_policy.can_edit_clauses, "edit_clauses", None, {"coordinator"}),
    (agreements_policy.can_manage_frameworks, "manage_frameworks", None, {"coordinator"}),
    (agreements_policy.can_record_memberships, "record_memberships", None, {"coordinator"}),
    (ledger_policy.can_edit_targets, "edit_targets", None, {"coordinator"}),
    (ledger_policy.can_declare_spend, "declare_spend", None, {"buyer", "other_buyer"}),
    # A declared row is its own buyer's to correct.
    (ledger_policy.can_edit_spend, "edit_spend", SpendEntry(buyer_id=BUYER), {"buyer"}),
    (stats_policy.can_declare, "declare", None, {"buyer", "other_buyer"}),
    (stats_policy.can_see_own_spend, "see_own_spend", None, {"buyer", "other_buyer"}),
    (stats_policy.can_see_own_sales, "see_own_sales", None, {"refurbisher", "other_refurbisher"}),
    (stats_policy.can_see_any_buyer, "see_any_buyer", None, {"coordinator"}),
]


@pytest.mark.parametrize(("function", "verb", "obj", "allowed"), POLICY_ROWS)
def test_policy_matrix(request_ctx, function, verb, obj, allowed) -> None:  # type: ignore[no-untyped-def]
    check_row(function, verb, obj, allowed)


def test_figures_of_another_organisation_stay_hidden_from_its_peers(request_ctx) -> None:  # type: ignore[no-untyped-def]
    """Naming an organisation's figures: a member its own only (404), the others any."""
    for role, person in policy_people().items():
        own = stats_policy.can_see_figures_of(person, person.organisation_id)
        other = stats_policy.can_see_figures_of(person, OTHER_BUYER + 100)
        assert own is None, role
        if role in {"coordinator", "pending"}:
            assert other is None, role
        else:
            assert isinstance(other, access.Hidden), role


def test_anonymous_people_may_do_nothing(request_ctx) -> None:  # type: ignore[no-untyped-def]
    from flask_login import AnonymousUserMixin

    for verb, kind in access.verbs():
        obj = None if kind is None else kind()
        assert access.can(AnonymousUserMixin(), verb, obj) is False, verb
