"""Forged cross-site posts: every web form refuses a post without its CSRF token; the API,
exempt from CSRF because it only takes Bearer tokens, cannot be driven by a session cookie."""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from nrhub.extensions import csrf
from tests.conftest import csrf_token_from
from tests.security.conftest import World, fingerprint
from tests.security.test_idor import CASES

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _login_with_token(client, email: str) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token_from(client.get("/connexion").get_data(as_text=True))
    response = client.post(
        "/connexion",
        data={"email": email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.status_code == 302


def _url(app, rule, world: World) -> str:  # type: ignore[no-untyped-def]
    if rule.endpoint in CASES:
        values = CASES[rule.endpoint].ids(world)
    else:
        values = {
            name: 1 if isinstance(conv, IntegerConverter) else "x"
            for name, conv in rule._converters.items()
        }
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _web_write_rules(app):  # type: ignore[no-untyped-def]
    return [
        r for r in app.url_map.iter_rules() if r.methods & WRITES and not r.rule.startswith("/api/")
    ]


def test_only_the_api_is_exempt_from_csrf(csrf_app):
    assert {bp.name for bp in csrf._exempt_blueprints} == {"api"}
    assert not csrf._exempt_views


@pytest.mark.parametrize("who", ["anonymous", "buyer1", "refurbisher_a", "coordinator"])
def test_every_web_post_without_token_is_refused_and_changes_nothing(csrf_app, world, who):
    client = csrf_app.test_client()
    if who != "anonymous":
        _login_with_token(client, world.emails[who])
    rules = _web_write_rules(csrf_app)
    assert len(rules) > 40
    before = fingerprint()
    for rule in rules:
        url = _url(csrf_app, rule, world)
        response = client.post(url, data={"name": "x", "lang": "en", "email": "a@b.fr"})
        assert response.status_code == 400, (who, url, response.status_code)
        assert "jeton de sécurité" in response.get_data(as_text=True), url
    assert fingerprint() == before
    if who != "anonymous":  # still logged in: the forged logout did nothing either
        assert client.get("/compte").status_code == 200


def test_a_wrong_token_is_refused_too(csrf_app, world):
    client = csrf_app.test_client()
    _login_with_token(client, world.emails["buyer1"])
    response = client.post(
        f"/acheteur/depenses/{world.ids['entry1']}/supprimer", data={"csrf_token": "forged"}
    )
    assert response.status_code == 400
    response = client.post(
        f"/acheteur/depenses/{world.ids['entry1']}/supprimer",
        data={"csrf_token": "x"},
        headers={"X-CSRFToken": "forged"},
    )
    assert response.status_code == 400


def test_the_api_ignores_session_cookies_for_writes(csrf_app, world):
    """With a logged-in browser session and no Bearer token, no API write goes through."""
    client = csrf_app.test_client()
    _login_with_token(client, world.emails["refurbisher_a"])
    rules = [
        r
        for r in csrf_app.url_map.iter_rules()
        if r.rule.startswith("/api/") and r.methods & WRITES and r.endpoint != "api.create_token"
    ]
    assert len(rules) >= 5
    before = fingerprint()
    for rule in rules:
        url = _url(csrf_app, rule, world)
        method = sorted(rule.methods & WRITES)[0]
        response = client.open(url, method=method, json={"items": [], "lines": []})
        assert response.status_code == 401, (url, response.status_code)
        assert response.mimetype == "application/problem+json"
    assert fingerprint() == before
