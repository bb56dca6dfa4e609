"""Production settings: the secret key check and the health check endpoint."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_limiter import ApplicationLimit
from sqlalchemy import event

from config import DEV_SECRET_KEY, Config, ProductionConfig
from nrhub import create_app
from nrhub.extensions import db, limiter


def test_production_app_starts_with_secret_key_from_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # config.py reads SECRET_KEY at import time, into Config as well as its subclasses.
    monkeypatch.setenv("NRHUB_ENV", "production")
    monkeypatch.setattr(Config, "SECRET_KEY", "a-long-random-key-from-the-environment")
    # Production also refuses the placeholder OCDS prefix (tests/opendata/test_settings.py).
    monkeypatch.setattr(Config, "OCDS_OCID_PREFIX", "ocds-a1b2c3")

    app = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")

    assert app.config["SECRET_KEY"] == "a-long-random-key-from-the-environment"
    assert isinstance(ProductionConfig.SECRET_KEY, str)


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, ""])
def test_production_app_refused_without_secret_key(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("NRHUB_ENV", "production")

    with pytest.raises(RuntimeError, match="SECRET_KEY must be set in production"):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY=key)


def test_health_check_answers_without_database(app: Flask, client: FlaskClient) -> None:
    statements: list[str] = []

    def _count(*args: object) -> None:
        statements.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    try:
        response = client.get("/sante")
    finally:
        event.remove(engine, "before_cursor_execute", _count)

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert statements == []


def test_health_check_is_exempt_from_rate_limits(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An application-wide limit, as a hub could configure: every other page gets a 429.
    app_limit = ApplicationLimit(limit_provider="2 per minute").bind(limiter)
    monkeypatch.setattr(limiter.limit_manager, "_application_limits", [app_limit])

    assert [client.get("/connexion").status_code for _ in range(3)] == [200, 200, 429]
    assert {client.get("/sante").status_code for _ in range(10)} == {200}


def test_favicon_request_redirects_to_the_icon_without_starting_a_session(
    client: FlaskClient,
) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")
    assert "Set-Cookie" not in response.headers
