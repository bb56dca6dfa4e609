"""Home page, language switch, error pages, CSRF, security headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import abort

from nrhub.errors import ConflictError, ValidationError
from nrhub.security import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_token_from, login
from tests.web.people import make_people

TRANSLATIONS = Path(__file__).resolve().parents[2] / "nrhub" / "translations"


@pytest.fixture(scope="module")
def english_catalog() -> None:
    """Compile the English catalogue as ``make translations`` does (.mo files are ignored)."""
    po = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source, mo.open("wb") as target:
            write_mo(target, read_po(source, locale="en"))


def test_public_home_page_presents_nrhub_in_french(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Pour qui ?" in html
    assert 'href="/inscription"' in html and 'href="/connexion"' in html
    assert "Aller au contenu" in html


@pytest.mark.parametrize(
    ("email", "expected", "absent"),
    [
        (
            "coord@example.fr",
            [
                "Coordination de la centrale",
                'href="/coordination/organisations"',
                'href="/coordination/journal"',
                "1 organisation attend votre validation.",
            ],
            ["Espace acheteur"],
        ),
        (
            "reco@example.fr",
            ["Espace reconditionneur", 'href="/organisation/membres"'],
            ["Coordination de la centrale", 'href="/coordination/journal"'],
        ),
        (
            "achat@example.fr",
            ["Espace acheteur", 'href="/compte"'],
            ["Coordination de la centrale", "Espace reconditionneur"],
        ),
    ],
)
def test_home_page_lands_each_role(app, client, email, expected, absent):
    make_people()
    login(client, email)
    html = client.get("/").get_data(as_text=True)
    for text in expected:
        assert text in html
    for text in absent:
        assert text not in html


def test_language_switch_turns_the_login_page_english(client, english_catalog):
    assert "Mot de passe" in client.get("/connexion").get_data(as_text=True)
    response = client.post("/langue", data={"lang": "en", "next": "/connexion"})
    assert response.headers["Location"] == "/connexion"
    html = client.get("/connexion").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Password" in html and "Forgotten password?" in html
    assert "Mot de passe" not in html
    client.post("/langue", data={"lang": "fr", "next": "//evil.example"})
    assert "Mot de passe" in client.get("/connexion").get_data(as_text=True)


def test_language_switch_rejects_external_next(client):
    response = client.post("/langue", data={"lang": "en", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"


def test_post_without_csrf_token_is_rejected_in_french(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/connexion", data={"email": "a@example.fr", "password": "x" * 12})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "jeton de sécurité manquant ou invalide" in html
    assert '<html lang="fr">' in html
    assert client.post("/langue", data={"lang": "en"}).status_code == 400
    assert client.post("/inscription", data={}).status_code == 400


def test_post_with_csrf_token_is_accepted(csrf_app):
    make_people()
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/connexion").get_data(as_text=True))
    response = client.post(
        "/connexion",
        data={
            "email": "achat@example.fr",
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    page = client.get("/compte").get_data(as_text=True)
    assert client.post("/deconnexion").status_code == 400
    token = csrf_token_from(page)
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302


@pytest.mark.parametrize("path", ["/", "/connexion", "/page-inexistante", "/static/css/app.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()  # static files are streamed
    csp = response.headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_logged_in_pages_are_not_cached(client):
    make_people()
    login(client, "achat@example.fr")
    assert client.get("/compte").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_lax(client):
    make_people()
    login(client, "achat@example.fr")
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def _error_routes(app):  # type: ignore[no-untyped-def]
    app.add_url_rule("/test/403", "t403", lambda: abort(403))
    app.add_url_rule(
        "/test/409", "t409", lambda: (_ for _ in ()).throw(ConflictError("La campagne est close."))
    )
    app.add_url_rule(
        "/test/422", "t422", lambda: (_ for _ in ()).throw(ValidationError("Quantité invalide."))
    )
    app.add_url_rule("/test/500", "t500", lambda: 1 / 0)


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/test/403", 403, "Accès refusé"),
        ("/page-inexistante", 404, "Page introuvable"),
        ("/test/409", 409, "La campagne est close."),
        ("/test/422", 422, "Quantité invalide."),
        ("/test/500", 500, "Une erreur inattendue est survenue."),
    ],
)
def test_error_pages_are_french(app, path, status, text):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    _error_routes(app)
    response = app.test_client().get(path)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert text in html
    assert f"(erreur {status})" in html
    assert '<html lang="fr">' in html


def test_429_page_is_french(client):
    for _ in range(10):
        client.post("/connexion", data={"email": "x@example.fr", "password": "y" * 12})
    response = client.post("/connexion", data={"email": "x@example.fr", "password": "y" * 12})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Trop de tentatives" in html and "(erreur 429)" in html


def test_api_paths_get_problem_json(client):
    response = client.get("/api/inexistant")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Page introuvable"


def test_pending_page_gives_the_hubs_contact_address_not_a_no_reply(app, client):
    make_people()
    app.config["HUB_CONTACT_EMAIL"] = "centrale@exemple.fr"
    login(client, "attente@example.fr")
    html = client.get("/en-attente").get_data(as_text=True)
    assert '<a href="mailto:centrale@exemple.fr">centrale@exemple.fr</a>' in html
    assert "répondez à l" not in html
    assert "ne-pas-repondre" not in html
