"""Organisation admins invite, remove members and edit their organisation's profile."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from nrhub.auth.models import AccountToken, User
from nrhub.auth.tokens import hash_token
from nrhub.db import utcnow
from nrhub.errors import ConflictError, NotFoundError
from nrhub.extensions import db
from nrhub.organisations import services
from tests import factories
from tests.conftest import login
from tests.web.people import clear_outbox, make_people, outbox

NEW_PASSWORD = "bienvenue-dans-l-equipe"


@pytest.fixture
def people(app):
    people = make_people()
    clear_outbox(app)
    return people


def invitation_token(app) -> str:
    body = outbox(app)[-1].body
    match = re.search(r"http://localhost/invitation/(\S+)", body)
    assert match, body
    return match.group(1)


def test_admin_invites_and_the_guest_joins_the_organisation(app, client, people):
    login(client, "achat@example.fr")
    response = client.post("/organisation/membres/inviter", data={"email": "nouvelle@example.fr"})
    assert response.status_code == 302
    raw = invitation_token(app)
    stored = db.session.scalars(db.select(AccountToken)).one()
    assert stored.token_hash == hash_token(raw) and raw not in stored.token_hash
    assert stored.expires_at - stored.created_at == dt.timedelta(days=7)
    assert "nouvelle@example.fr" in client.get("/organisation/membres").get_data(as_text=True)

    guest = app.test_client()
    page = guest.get(f"/invitation/{raw}")
    assert page.status_code == 200
    assert "Commune de Vitré" in page.get_data(as_text=True)
    response = guest.post(
        f"/invitation/{raw}",
        data={"name": "Nina Roux", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = db.session.scalars(db.select(User).where(User.email == "nouvelle@example.fr")).one()
    assert user.organisation_id == people.buyer.organisation_id
    assert not user.is_org_admin
    assert guest.get("/compte").status_code == 200

    # Single use: the same link no longer works.
    assert app.test_client().get(f"/invitation/{raw}").status_code == 404
    response = app.test_client().post(
        f"/invitation/{raw}",
        data={"name": "Intrus", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 404
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.name == "Intrus")) == 0


def test_invitation_expires_after_seven_days(people, request_ctx):
    org = people.buyer.organisation
    sent = utcnow() - dt.timedelta(days=8)
    raw = services.invite_member(org, "tard@example.fr", by=people.buyer, now=sent)
    assert services.invitation_for(raw, now=sent + dt.timedelta(days=6, hours=23))
    with pytest.raises(NotFoundError):
        services.invitation_for(raw, now=sent + dt.timedelta(days=7))
    with pytest.raises(NotFoundError):
        services.accept_invitation(raw, "Trop Tard", NEW_PASSWORD)
    assert (
        db.session.scalar(db.select(db.func.count(User.id)).where(User.email == "tard@example.fr"))
        == 0
    )


def test_invitation_form_errors_write_nothing(app, client, people, request_ctx):
    raw = services.invite_member(people.buyer.organisation, "n@example.fr", by=people.buyer)
    response = client.post(
        f"/invitation/{raw}", data={"name": "N", "password": "court", "password_confirm": "court"}
    )
    assert response.status_code == 422
    assert "au moins 12 caractères" in response.get_data(as_text=True)
    token = db.session.scalars(db.select(AccountToken)).one()
    assert token.used_at is None


def test_inviting_an_existing_account_is_refused(client, people):
    login(client, "achat@example.fr")
    response = client.post("/organisation/membres/inviter", data={"email": "AUTRE@example.fr"})
    assert response.status_code == 409
    assert "Un compte existe déjà" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(AccountToken.id))) == 0


def test_invalid_invitation_links_are_404_in_french(client):
    response = client.get("/invitation/pas-un-jeton")
    assert response.status_code == 404
    assert "n&#39;est pas valable" in response.get_data(as_text=True)


def test_admin_removes_a_colleague_whose_session_ends(app, client, people):
    colleague_client = app.test_client()
    login(colleague_client, "collegue@example.fr")
    login(client, "achat@example.fr")
    response = client.post(f"/organisation/membres/{people.buyer_colleague.id}/retirer")
    assert response.status_code == 302
    db.session.refresh(people.buyer_colleague)
    assert people.buyer_colleague.is_removed
    assert colleague_client.get("/compte").status_code == 302
    response = colleague_client.post(
        "/connexion", data={"email": "collegue@example.fr", "password": factories.PASSWORD}
    )
    assert response.status_code == 401
    assert "collegue@example.fr" not in client.get("/organisation/membres").get_data(as_text=True)


def test_admin_cannot_remove_themself_nor_another_organisations_member(client, people):
    login(client, "achat@example.fr")
    response = client.post(f"/organisation/membres/{people.buyer.id}/retirer")
    assert response.status_code == 302
    db.session.refresh(people.buyer)
    assert not people.buyer.is_removed
    assert client.get("/organisation/membres").status_code == 200
    assert client.post(f"/organisation/membres/{people.other_buyer.id}/retirer").status_code == 404
    db.session.refresh(people.other_buyer)
    assert not people.other_buyer.is_removed


def test_remove_self_is_a_conflict_in_the_service(people, request_ctx):
    with pytest.raises(ConflictError):
        services.remove_member(people.buyer, by=people.buyer)


def test_non_admin_member_cannot_manage_members(client, people):
    login(client, "collegue@example.fr")
    assert client.get("/organisation/membres").status_code == 403
    assert (
        client.post("/organisation/membres/inviter", data={"email": "x@example.fr"}).status_code
        == 403
    )
    assert client.get("/organisation/profil").status_code == 403


def test_admin_edits_profile_and_department_is_derived(client, people):
    login(client, "reco@example.fr")
    page = client.get("/organisation/profil")
    assert page.status_code == 200
    data = {
        "address": "3 rue du Port",
        "postcode": "29200",
        "city": "Brest",
        "department": "",
        "contact_email": "atelier@example.fr",
        "website": "https://atelier.example.fr",
        "description": "Atelier de réemploi",
        "legal_form": "scop",
        "esus_agreement": "y",
        "esus_expires_on": "2027-12-31",
        "insertion_type": "ei",
    }
    response = client.post("/organisation/profil", data=data)
    assert response.status_code == 302
    org = people.refurbisher.organisation
    db.session.refresh(org)
    assert (org.department_code, org.region_code, org.city) == ("29", "53", "Brest")
    assert (org.legal_form, org.insertion_type) == ("scop", "ei")

    response = client.post("/organisation/profil", data={**data, "department": "35"})
    assert response.status_code == 422
    assert "ne correspond pas au code postal" in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.department_code == "29"
