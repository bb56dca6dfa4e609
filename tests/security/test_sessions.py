"""Guessing passwords, replaying sessions, open redirects, headers and cookie flags."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from config import ProductionConfig
from nrhub import create_app
from nrhub.auth.models import LoginThrottle, User
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from tests import factories
from tests.security.conftest import World, client_for

PASSWORD = factories.PASSWORD
WRONG = "pas-le-bon-mot-de-passe"


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def _api_token(client, email: str, password: str, ip: str = "198.51.100.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/tokens",
        json={"email": email, "password": password, "label": "Essai"},
        environ_overrides={"REMOTE_ADDR": ip},
    )


def _web_login(client, email: str, password: str, ip: str = "198.51.100.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/connexion",
        data={"email": email, "password": password},
        environ_overrides={"REMOTE_ADDR": ip},
    )


# ----------------------------------------------------------------------------- brute force


def test_api_token_guessing_locks_that_address_for_the_web_too_then_expires(app, world):
    email = world.emails["buyer2"]
    client = app.test_client()
    for _n in range(5):
        response = _api_token(client, email, WRONG, ip="198.51.100.10")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
    # That address is locked out of the account: the right password is refused too,
    # through the API and the web form...
    assert _api_token(client, email, PASSWORD, ip="198.51.100.10").status_code == 401
    response = _web_login(client, email, PASSWORD, ip="198.51.100.10")
    assert response.status_code == 401
    assert "temporairement bloqué" in response.get_data(as_text=True)
    # ...not the owner, elsewhere, whom the guesser cannot keep out.
    assert _web_login(app.test_client(), email, PASSWORD, ip="198.51.100.11").status_code == 302
    assert _user(email).locked_until is None
    # Once the lock has passed, the right password works again from that address.
    db.session.execute(
        update(LoginThrottle).values(locked_until=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    assert _api_token(client, email, PASSWORD, ip="198.51.100.10").status_code == 201
    assert _web_login(client, email, PASSWORD, ip="198.51.100.10").status_code == 302


def test_web_guessing_locks_the_api_too(app, world):
    email = world.emails["buyer2"]
    client = app.test_client()
    for _n in range(5):
        assert _web_login(client, email, WRONG, ip="198.51.100.20").status_code == 401
    assert _api_token(client, email, PASSWORD, ip="198.51.100.20").status_code == 401
    assert _api_token(client, email, PASSWORD, ip="198.51.100.21").status_code == 201


def test_guessing_from_many_addresses_locks_the_whole_account(app, world):
    email = world.emails["buyer2"]
    client = app.test_client()
    for n in range(20):  # four failures from each of five addresses: none locked by itself
        assert _web_login(client, email, WRONG, ip=f"198.51.100.{30 + n % 5}").status_code == 401
    assert _api_token(client, email, PASSWORD, ip="198.51.100.60").status_code == 401
    assert _web_login(client, email, PASSWORD, ip="198.51.100.61").status_code == 401
    locked_until = _user(email).locked_until
    assert locked_until is not None
    assert locked_until - utcnow() <= dt.timedelta(minutes=2)


@pytest.mark.parametrize(
    "addresses", [["198.51.100.40"] * 5, [f"198.51.100.{n}" for n in range(20)]]
)
def test_guessing_a_locked_account_does_not_reveal_the_right_password(app, world, addresses):
    email = world.emails["buyer2"]
    client = app.test_client()
    for address in addresses:
        _web_login(client, email, WRONG, ip=address)
    wrong = _web_login(client, email, WRONG, ip=addresses[0])
    right = _web_login(client, email, PASSWORD, ip=addresses[0])
    assert wrong.status_code == right.status_code == 401
    assert wrong.get_data(as_text=True).count("bloqué") == right.get_data(as_text=True).count(
        "bloqué"
    )


def test_api_token_endpoint_is_throttled_per_address(app, world):
    client = app.test_client()
    for n in range(10):  # unknown e-mails: only the throttle can answer 429
        assert _api_token(client, f"inconnu{n}@example.fr", WRONG).status_code == 401
    response = _api_token(client, world.emails["buyer1"], PASSWORD)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert "Trop de tentatives" in response.get_json()["title"]
    # Another address is not throttled.
    assert _api_token(client, world.emails["buyer1"], PASSWORD, ip="203.0.113.9").status_code == 201


def test_password_reset_requests_are_throttled(app, world):
    client = app.test_client()
    for _n in range(10):
        response = client.post("/mot-de-passe-oublie", data={"email": world.emails["buyer1"]})
        assert response.status_code == 302
    response = client.post("/mot-de-passe-oublie", data={"email": world.emails["buyer1"]})
    assert response.status_code == 429


# ----------------------------------------------------------------------------- sessions


def test_replayed_cookie_after_logout_can_neither_read_nor_write(app, world):
    client = client_for(app, world, "buyer1")
    stolen = client.get_cookie("session").value
    assert client.post("/deconnexion").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    for url in ("/compte", "/acheteur/depenses", f"/livraisons/{world.ids['delivery_a1']}"):
        response = thief.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    response = thief.post(f"/acheteur/depenses/{world.ids['entry1']}/supprimer")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert db.session.get(SpendEntry, world.ids["entry1"]) is not None


def test_password_change_ends_the_other_browsers_sessions(app, world):
    laptop = client_for(app, world, "buyer1")
    phone = client_for(app, world, "buyer1")
    response = laptop.post(
        "/compte/mot-de-passe",
        data={
            "current_password": PASSWORD,
            "password": "un-tout-nouveau-secret",
            "password_confirm": "un-tout-nouveau-secret",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/compte").status_code == 200
    assert phone.get("/compte").status_code == 302


def test_suspension_cuts_the_organisations_people_off_at_once(app, world):
    buyer = client_for(app, world, "buyer1")
    assert buyer.get("/acheteur/depenses").status_code == 200
    coordinator = client_for(app, world, "coordinator")
    response = coordinator.post(
        f"/coordination/organisations/{world.ids['buyer1']}/suspendre",
        data={"suspend-reason": "Impayés"},
    )
    assert response.status_code == 302
    response = buyer.get("/acheteur/depenses")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    buyer.post(f"/acheteur/depenses/{world.ids['entry1']}/supprimer")
    assert db.session.get(SpendEntry, world.ids["entry1"]) is not None
    headers = {"Authorization": f"Bearer {world.bearer['buyer1']}"}
    assert app.test_client().get("/api/v1/expenses", headers=headers).status_code == 401
    # Logging in again is refused too.
    assert _web_login(app.test_client(), world.emails["buyer1"], PASSWORD).status_code == 401


def test_forged_session_cookie_is_ignored(app, world):
    thief = app.test_client()
    thief.set_cookie("session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    response = thief.get("/compte")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


# ----------------------------------------------------------------------------- redirects

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    " //evil.example",
    "/\t/evil.example",
    "https:/\\evil.example",
]


def _is_local(location: str) -> bool:
    parts = urlsplit(location)
    return parts.netloc in ("", "localhost") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_and_language_switch_never_redirect_elsewhere(app, world, target):
    client = app.test_client()
    response = client.post(
        "/connexion",
        data={"email": world.emails["buyer1"], "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert _is_local(response.headers["Location"]), response.headers["Location"]
    response = client.post("/langue", data={"lang": "fr", "next": target})
    assert response.status_code == 302
    assert _is_local(response.headers["Location"]), response.headers["Location"]


def test_login_redirect_back_keeps_the_page_asked(app, world):
    client = app.test_client()
    response = client.get("/acheteur/depenses?annee=2026")
    assert response.headers["Location"].startswith("/connexion?next=")
    response = client.post(
        "/connexion",
        data={
            "email": world.emails["buyer1"],
            "password": PASSWORD,
            "next": "/acheteur/depenses?annee=2026",
        },
    )
    assert response.headers["Location"] == "/acheteur/depenses?annee=2026"


# ----------------------------------------------------------------------------- headers


def _pages(world: World) -> list[tuple[str, str]]:
    return [
        ("anonymous", "/"),
        ("anonymous", "/connexion"),
        ("anonymous", "/page-qui-n-existe-pas"),
        ("anonymous", "/api/v1/categories"),
        ("buyer1", "/acheteur/depenses"),
        ("buyer1", "/acheteur/depenses.csv"),
        ("refurbisher_a", f"/catalogue/photos/{world.names['photo_a']}"),
        ("coordinator", "/coordination/organisations"),
    ]


def test_security_headers_on_every_kind_of_answer(app, world):
    for who, url in _pages(world):
        response = client_for(app, world, who).get(url)
        response.close()
        headers = response.headers
        assert headers.get("X-Content-Type-Options") == "nosniff", url
        assert headers.get("X-Frame-Options") == "DENY", url
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", url
        csp = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp or "default-src 'none'" in csp, url
        assert "unsafe-inline" not in csp.split("script-src", 1)[-1].split(";", 1)[0], url
        if who != "anonymous" and "/photos/" not in url:
            assert "no-store" in headers.get("Cache-Control", ""), url


def test_a_drafts_photo_is_never_kept_by_a_shared_cache(app, world):
    response = client_for(app, world, "refurbisher_a").get(
        f"/catalogue/photos/{world.names['photo_a']}"
    )
    response.close()
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "public" not in cache


def test_session_cookie_flags_in_production(database_url, app, world, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = create_app(
        ProductionConfig,
        SECRET_KEY="a-real-secret-for-this-test",
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
    )
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    production.config["WTF_CSRF_ENABLED"] = False
    client = production.test_client()
    response = client.post(
        "/connexion",
        data={"email": world.emails["buyer1"], "password": PASSWORD},
        base_url="https://nrhub.example",
    )
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with production.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_refuses_the_default_secret_key(monkeypatch, database_url):
    monkeypatch.setenv("NRHUB_ENV", "production")
    with pytest.raises(RuntimeError):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url)
