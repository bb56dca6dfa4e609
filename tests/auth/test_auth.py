"""Login, lock, throttling, logout, password reset and change, own account."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient

from nrhub.auth import services
from nrhub.auth.models import AccountToken, User
from nrhub.db import utcnow
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from tests import factories
from tests.conftest import login
from tests.web.people import clear_outbox, outbox

GENERIC = (
    "Adresse e-mail ou mot de passe incorrect. Après plusieurs échecs, le compte "
    "est temporairement bloqué : réessayez dans quelques minutes."
)
NEW_PASSWORD = "un-tout-nouveau-secret"


@pytest.fixture
def user(app) -> User:
    user = factories.UserFactory(email="Claire@example.fr", name="Claire Lemoine")
    db.session.commit()
    clear_outbox(app)
    return user


def post_login(client: FlaskClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/connexion", data={"email": email, "password": password})


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/compte").status_code == 200


def test_login_is_case_insensitive_on_email(client, user):
    assert post_login(client, "claire@EXAMPLE.fr", factories.PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_unknown_email_and_wrong_password_get_the_same_answer(client, user):
    unknown = post_login(client, "personne@example.fr", "peu-importe-ici")
    wrong = post_login(client, "claire@example.fr", "mauvais-mot-de-passe")
    assert unknown.status_code == wrong.status_code == 401
    assert GENERIC in unknown.get_data(as_text=True)
    assert GENERIC in wrong.get_data(as_text=True)
    strip = re.compile(r'name="csrf_token"[^>]*>|value="[^"]*"')
    assert strip.sub("", unknown.get_data(as_text=True)) == strip.sub(
        "", wrong.get_data(as_text=True)
    )


def test_account_locks_after_five_failures_then_unlocks(app, client, user, request_ctx):
    for _ in range(5):
        assert post_login(client, "claire@example.fr", "mauvais-mot-de-passe").status_code == 401
    db.session.refresh(user)
    assert user.locked_until is not None
    response = post_login(client, "claire@example.fr", factories.PASSWORD)
    assert response.status_code == 401
    assert "temporairement bloqué" in response.get_data(as_text=True)
    # The locked account answers exactly like an unknown address: no account enumeration.
    unknown = post_login(client, "inconnu@example.fr", factories.PASSWORD)
    strip = re.compile(r'name="csrf_token"[^>]*>|value="[^"]*"')
    assert strip.sub("", response.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )
    # Once the lock has passed (15 minutes), the right password works again.
    later = utcnow() + dt.timedelta(minutes=16)
    assert services.authenticate("claire@example.fr", factories.PASSWORD, now=later).id == user.id


def test_login_is_throttled_per_ip_with_a_french_page(client, user):
    for _ in range(10):  # unknown e-mail, so that the account lock plays no part
        assert post_login(client, "inconnu@example.fr", "peu-importe-ici").status_code == 401
    response = post_login(client, "claire@example.fr", factories.PASSWORD)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Trop de tentatives" in html
    assert '<html lang="fr">' in html
    # Another IP address is not throttled.
    response = client.post(
        "/connexion",
        data={"email": "claire@example.fr", "password": factories.PASSWORD},
        environ_overrides={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302


def test_old_cookie_no_longer_works_after_logout(app, client, user):
    login(client, "claire@example.fr")
    old = session_cookie(client)
    assert client.post("/deconnexion").status_code == 302
    assert not is_logged_in(client)
    thief = app.test_client()
    thief.set_cookie("session", old)
    response = thief.get("/compte")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")


def test_password_change_rotates_the_session_but_keeps_this_one(app, client, user):
    login(client, "claire@example.fr")
    old = session_cookie(client)
    response = client.post(
        "/compte/mot-de-passe",
        data={
            "current_password": factories.PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert is_logged_in(client)
    thief = app.test_client()
    thief.set_cookie("session", old)
    assert thief.get("/compte").status_code == 302
    assert post_login(app.test_client(), "claire@example.fr", NEW_PASSWORD).status_code == 302


def test_password_change_requires_current_password_and_length(client, user):
    login(client, "claire@example.fr")
    token_before = user.session_token
    response = client.post(
        "/compte/mot-de-passe",
        data={
            "current_password": "pas-le-bon-mot-de-passe",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "Le mot de passe actuel est incorrect." in response.get_data(as_text=True)
    response = client.post(
        "/compte/mot-de-passe",
        data={
            "current_password": factories.PASSWORD,
            "password": "trop-court",
            "password_confirm": "trop-court",
        },
    )
    assert response.status_code == 422
    assert "au moins 12 caractères" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.session_token == token_before
    assert is_logged_in(client)


def test_profile_changes_name_and_language(client, user):
    login(client, "claire@example.fr")
    response = client.post("/compte", data={"name": "Claire Le Moine", "locale": "en"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("Claire Le Moine", "en")
    response = client.post("/compte", data={"name": "", "locale": "de"})
    assert response.status_code == 422


def reset_link(app) -> str:
    match = re.search(r"http://localhost/reinitialisation/(\S+)", outbox(app)[-1].body)
    assert match
    return match.group(1)


def test_reset_request_gives_the_same_answer_whether_or_not_the_account_exists(app, client, user):
    unknown = client.post("/mot-de-passe-oublie", data={"email": "inconnu@example.fr"})
    assert outbox(app) == []
    known = client.post("/mot-de-passe-oublie", data={"email": "CLAIRE@example.fr"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"] == "/connexion"
    assert len(outbox(app)) == 1
    assert outbox(app)[0].to == ["Claire@example.fr"]
    flashes = [client.get("/connexion").get_data(as_text=True)]
    assert "Si un compte existe avec cette adresse" in flashes[0]


def test_reset_link_sets_password_once_and_ends_sessions(app, client, user):
    victim_session = app.test_client()
    login(victim_session, "claire@example.fr")
    client.post("/mot-de-passe-oublie", data={"email": "claire@example.fr"})
    raw = reset_link(app)
    assert client.get(f"/reinitialisation/{raw}").status_code == 200
    response = client.post(
        f"/reinitialisation/{raw}",
        data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not is_logged_in(victim_session)
    assert post_login(app.test_client(), "claire@example.fr", NEW_PASSWORD).status_code == 302
    # Single use.
    again = client.post(
        f"/reinitialisation/{raw}",
        data={"password": "encore-un-autre-secret", "password_confirm": "encore-un-autre-secret"},
    )
    assert again.status_code == 404
    assert "n&#39;est pas valable" in again.get_data(as_text=True)
    assert post_login(app.test_client(), "claire@example.fr", NEW_PASSWORD).status_code == 302


def test_reset_link_expires_after_one_hour(app, user, request_ctx):
    asked = utcnow() - dt.timedelta(hours=2)
    raw = services.request_password_reset("claire@example.fr", now=asked)
    assert raw is not None
    token = db.session.scalars(db.select(AccountToken)).one()
    assert token.expires_at - token.created_at == dt.timedelta(hours=1)
    assert services.reset_token_for(raw, now=asked + dt.timedelta(minutes=59))
    with pytest.raises(NotFoundError):
        services.reset_password(raw, NEW_PASSWORD, now=asked + dt.timedelta(hours=1))
    with pytest.raises(NotFoundError):
        services.reset_password(raw, NEW_PASSWORD)
    assert app.test_client().get(f"/reinitialisation/{raw}").status_code == 404


def test_a_newer_reset_makes_older_links_useless(app, user, request_ctx):
    first = services.request_password_reset("claire@example.fr")
    second = services.request_password_reset("claire@example.fr")
    assert first and second
    services.reset_password(second, NEW_PASSWORD)
    with pytest.raises(NotFoundError):
        services.reset_password(first, "encore-un-autre-secret")


def test_login_next_is_followed_only_when_relative(client, user):
    response = client.post(
        "/connexion",
        data={"email": "claire@example.fr", "password": factories.PASSWORD, "next": "/compte"},
    )
    assert response.headers["Location"] == "/compte"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "http://evil.example/compte",
        "javascript:alert(1)",
        "evil.example",
        "/\tevil.example",
    ],
)
def test_login_next_rejects_other_sites(client, user, target):
    response = client.post(
        "/connexion",
        data={"email": "claire@example.fr", "password": factories.PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_form_carries_next_from_query_string(client):
    html = client.get("/connexion?next=/compte").get_data(as_text=True)
    assert 'value="/compte"' in html
