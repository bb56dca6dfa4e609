"""Login, lock, throttling, logout, password reset and change, own account."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient

from nrhub.audit.models import AuditEvent
from nrhub.auth import lockout, services
from nrhub.auth.models import AccountToken, LoginThrottle, TokenPurpose, User
from nrhub.auth.tokens import consume_token, issue_token
from nrhub.db import utcnow
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
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


def test_a_hash_made_with_older_parameters_is_renewed_at_login(app, client, user):
    from argon2 import PasswordHasher

    user.password_hash = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2).hash(
        factories.PASSWORD
    )
    db.session.commit()
    assert post_login(client, user.email, factories.PASSWORD).status_code == 302
    db.session.refresh(user)
    expected = f"m={app.config['ARGON2_MEMORY_COST']},t={app.config['ARGON2_TIME_COST']}"
    assert user.password_hash.startswith("$argon2id$")
    assert expected in user.password_hash
    client.post("/deconnexion")
    assert post_login(client, user.email, factories.PASSWORD).status_code == 302


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


def test_five_failures_lock_that_address_out_of_the_account_only(app, client, user):
    for _ in range(5):
        assert post_login(client, "claire@example.fr", "mauvais-mot-de-passe").status_code == 401
    response = post_login(client, "claire@example.fr", factories.PASSWORD)
    assert response.status_code == 401
    assert "temporairement bloqué" in response.get_data(as_text=True)
    # The locked account answers exactly like an unknown address: no account enumeration.
    unknown = post_login(client, "inconnu@example.fr", factories.PASSWORD)
    strip = re.compile(r'name="csrf_token"[^>]*>|value="[^"]*"')
    assert strip.sub("", response.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )
    throttle = db.session.execute(db.select(LoginThrottle)).scalar_one()
    assert (throttle.client, throttle.failures) == ("127.0.0.1", 0)
    locked_for = throttle.locked_until - utcnow()
    assert dt.timedelta(minutes=14) < locked_for <= dt.timedelta(minutes=15)
    db.session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 5
    # The owner, from elsewhere, logs in: the attacker's lock is not theirs.
    elsewhere = app.test_client()
    response = elsewhere.post(
        "/connexion",
        data={"email": "claire@example.fr", "password": factories.PASSWORD},
        environ_overrides={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0
    # ...and is told, once, with the address.
    [mail] = outbox(app)
    assert mail.to == ["Claire@example.fr"]
    assert mail.subject == "[nrhub] Connexions à votre compte bloquées après plusieurs échecs"
    assert "depuis l'adresse 127.0.0.1" in mail.body
    assert "http://localhost/mot-de-passe-oublie" in mail.body
    assert audit_actions().count("auth.locked") == 1


def test_locked_address_logs_in_again_once_the_lock_has_passed(app, user, request_ctx):
    start = utcnow()
    for _ in range(5):
        assert not attempt("mauvais-mot-de-passe", "203.0.113.9", start)
    assert not attempt(factories.PASSWORD, "203.0.113.9", start + dt.timedelta(minutes=14))
    assert attempt(factories.PASSWORD, "203.0.113.9", start + dt.timedelta(minutes=16))
    assert db.session.scalar(db.select(db.func.count(LoginThrottle.id))) == 0


def test_failures_from_many_addresses_lock_the_whole_account_briefly(app, user, request_ctx):
    start = utcnow()
    for n in range(19):  # 5 addresses, none reaching its own limit of 5
        assert not attempt("mauvais-mot-de-passe", f"198.51.100.{n % 5}", start)
    assert attempt(factories.PASSWORD, "192.0.2.50", start)  # a success resets the count
    for n in range(20):
        assert not attempt("mauvais-mot-de-passe", f"198.51.100.{10 + n % 5}", start)
    db.session.refresh(user)
    assert user.failed_logins == 0
    assert user.locked_until == start + dt.timedelta(minutes=2)
    assert (
        db.session.scalar(
            db.select(db.func.count(LoginThrottle.id)).where(
                LoginThrottle.locked_until.is_not(None)
            )
        )
        == 0
    )
    # Everyone is kept out for two minutes, with the right password too...
    assert not attempt(factories.PASSWORD, "192.0.2.50", start + dt.timedelta(minutes=1))
    # ...then the owner is back.
    assert attempt(factories.PASSWORD, "192.0.2.50", start + dt.timedelta(minutes=3))
    [mail] = outbox(app)
    assert "toute connexion à votre compte est bloquée jusqu'au" in mail.body
    assert audit_actions().count("auth.locked") == 1


def test_the_owner_hears_of_locks_at_most_once_an_hour(app, user, request_ctx):
    start = utcnow()
    for address, minutes in (("198.51.100.1", 0), ("198.51.100.2", 59), ("198.51.100.3", 61)):
        for _ in range(5):
            attempt("mauvais-mot-de-passe", address, start + dt.timedelta(minutes=minutes))
    assert audit_actions().count("auth.locked") == 3
    mails = outbox(app)
    assert len(mails) == 2
    assert "198.51.100.1" in mails[0].body and "198.51.100.3" in mails[1].body


def test_the_lock_notice_is_in_the_owner_s_language(app, user, request_ctx):
    user.locale = "en"
    db.session.commit()
    for _ in range(5):
        attempt("mauvais-mot-de-passe", "198.51.100.1", utcnow())
    [mail] = outbox(app)
    assert mail.subject == "[nrhub] Logins to your account blocked after several failures"
    assert "from the address 198.51.100.1" in mail.body


def test_one_address_locks_the_whole_account_two_minutes_in_each_forty_seven(
    app, user, request_ctx
):
    """The per-address lock stops one attacker long before the account-wide limit."""
    start = moment = utcnow()
    account_locks = []
    for _round in range(8):  # two hours of an attacker retrying as soon as unlocked
        for _ in range(5):
            assert not attempt("mauvais-mot-de-passe", "203.0.113.66", moment)
        db.session.refresh(user)
        if user.locked_until is not None and user.locked_until > moment:
            account_locks.append((moment - start, user.locked_until - moment))
        moment += dt.timedelta(minutes=15, seconds=1)
    two = dt.timedelta(minutes=2)
    assert account_locks == [
        (dt.timedelta(minutes=45, seconds=3), two),
        (dt.timedelta(minutes=105, seconds=7), two),
    ]


def attempt(password: str, client: str, now: dt.datetime) -> bool:
    """A login as the views make it: a refusal's writes (the failure) are committed."""
    with unit_of_work():
        try:
            services.authenticate("claire@example.fr", password, now=now, client=client)
        except services.LoginError:
            return False
    return True


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


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


def test_password_reset_revokes_api_tokens_and_sessions_and_lifts_locks(app, client, user):
    victim_session = app.test_client()
    login(victim_session, "claire@example.fr")
    # Someone who knew the old password made an API token with it.
    thief = app.test_client()
    made = thief.post(
        "/api/v1/tokens",
        json={"email": "claire@example.fr", "password": factories.PASSWORD, "label": "volé"},
    )
    assert made.status_code == 201
    stolen = {"Authorization": f"Bearer {made.get_json()['token']}"}
    assert thief.get("/api/v1/categories", headers=stolen).status_code == 200
    # The owner, having forgotten the password, locked their own address out.
    for _ in range(5):
        assert post_login(client, "claire@example.fr", "mauvais-mot-de-passe").status_code == 401
    client.post("/mot-de-passe-oublie", data={"email": "claire@example.fr"})
    raw = reset_link(app)
    response = client.post(
        f"/reinitialisation/{raw}",
        data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302

    assert thief.get("/api/v1/categories", headers=stolen).status_code == 401
    assert not is_logged_in(victim_session)
    assert post_login(client, "claire@example.fr", NEW_PASSWORD).status_code == 302
    details = db.session.scalar(
        db.select(AuditEvent.details).where(AuditEvent.action == "auth.password_reset")
    )
    assert details == {"credentials_revoked": 1}


def test_client_key_is_the_ipv4_address_or_the_ipv6_slash_64():
    assert lockout.client_key("203.0.113.9") == "203.0.113.9"
    assert lockout.client_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert lockout.client_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert lockout.client_key("2001:db8:1:2:bbbb::7") == "2001:db8:1:2::/64"
    assert lockout.client_key("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert lockout.client_key(None) == lockout.client_key("n'importe quoi") == "inconnu"


def test_a_link_is_consumed_once_and_never_after_expiry(app, user, request_ctx):
    now = utcnow()
    token, _raw = issue_token(TokenPurpose.PASSWORD_RESET, user.email, user_id=user.id, now=now)
    db.session.flush()
    assert not consume_token(token, now + dt.timedelta(hours=1))  # expired: untouched
    assert token.used_at is None
    assert consume_token(token, now + dt.timedelta(minutes=5))
    assert token.used_at == now + dt.timedelta(minutes=5)
    assert not consume_token(token, now + dt.timedelta(minutes=6))


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
