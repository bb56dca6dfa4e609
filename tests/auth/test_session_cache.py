"""The person of a session kept by each worker (``auth.services.user_for_session``): read
once per generation of the accounts' data, never served after a committed change to the
person or their organisation, and never longer than ``ACCOUNT_CACHE_SECONDS``."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import update

from nrhub import caching
from nrhub.auth import services
from nrhub.auth.models import User
from nrhub.extensions import cache, db
from nrhub.organisations.models import OrgStatus
from tests import factories
from tests.conftest import login
from tests.queries import tables_read


@pytest.fixture
def kept_app(app: Flask) -> Flask:
    app.config.update(CACHE_TYPE="SimpleCache", ACCOUNT_CACHE_SECONDS=60)
    cache.init_app(app)
    return app


@pytest.fixture
def user(kept_app: Flask) -> User:
    user = factories.UserFactory(email="claire@example.fr", name="Claire Lemoine")
    db.session.commit()
    return user


def _logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/compte").status_code == 200


def _behind_the_app(statement) -> None:  # type: ignore[no-untyped-def]
    """A write that bypasses the application's session: no generation moves, as when a
    worker stops between a commit and the generation's move."""
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.execute(statement)


def test_the_person_is_read_once_then_kept(client, user):
    login(client, user.email)
    assert _logged_in(client)
    with tables_read() as tables:
        assert _logged_in(client)
    assert "user_account" not in tables
    assert caching.areas_of({"user_account"}) == {caching.Area.ACCOUNTS}


def test_the_kept_person_is_the_request_s_own(client, user):
    login(client, user.email)
    assert _logged_in(client)
    response = client.post("/compte", data={"name": "Claire Le Moine", "locale": "fr"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.name == "Claire Le Moine"
    assert "Claire Le Moine" in client.get("/compte").get_data(as_text=True)


def test_a_logout_ends_the_kept_session_at_once(kept_app, client, user):
    login(client, user.email)
    assert _logged_in(client)
    old = client.get_cookie("session")
    assert old is not None
    assert client.post("/deconnexion").status_code == 302
    thief = kept_app.test_client()
    thief.set_cookie("session", old.value)
    assert not _logged_in(thief)


def test_a_removed_person_is_logged_out_at_once(client, user):
    login(client, user.email)
    assert _logged_in(client)
    user.is_removed = True
    db.session.commit()
    assert not _logged_in(client)


def test_a_suspended_organisation_s_people_are_logged_out_at_once(client, user):
    login(client, user.email)
    assert _logged_in(client)
    user.organisation.status = OrgStatus.SUSPENDED
    db.session.commit()
    assert not _logged_in(client)


def test_a_change_no_generation_told_shows_after_the_period(client, user, monkeypatch):
    login(client, user.email)
    assert _logged_in(client)
    _behind_the_app(update(User).where(User.id == user.id).values(is_removed=True))
    assert _logged_in(client)  # the kept copy, as the generation did not move
    later = time.time() + 61
    monkeypatch.setattr(services.time, "time", lambda: later)
    assert not _logged_in(client)


def test_zero_seconds_keeps_no_person(kept_app, client, user):
    kept_app.config["ACCOUNT_CACHE_SECONDS"] = 0
    login(client, user.email)
    assert _logged_in(client)
    _behind_the_app(update(User).where(User.id == user.id).values(is_removed=True))
    assert not _logged_in(client)
