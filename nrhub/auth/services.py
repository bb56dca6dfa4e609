"""Authentication use cases: log in with throttling and lock, log out."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.auth.passwords import verify_dummy, verify_password
from nrhub.db import utcnow
from nrhub.errors import DomainError
from nrhub.extensions import db


class LoginError(DomainError):
    status_code = 401


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(db.func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(email: str, password: str, now: dt.datetime | None = None) -> User:
    """Check credentials; after too many failures the account is locked for a while.

    Unknown e-mail, wrong password and locked account give the same message, so that
    nobody can learn which e-mails have an account.
    """
    now = now or utcnow()
    generic = LoginError("Adresse e-mail ou mot de passe incorrect.")
    user = find_user_by_email(email)
    if user is None or user.is_removed:
        verify_dummy(password)
        raise generic
    if user.locked_until is not None and user.locked_until > now:
        verify_dummy(password)
        raise LoginError(
            "Adresse e-mail ou mot de passe incorrect. Après plusieurs échecs, le compte est "
            "temporairement bloqué : réessayez dans quelques minutes."
        )
    if not verify_password(user.password_hash, password):
        _register_failure(user, now)
        raise generic
    if not user.is_active:
        raise LoginError("Votre organisation est suspendue : la connexion est impossible.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record("auth.login", user, by=user)
    db.session.commit()
    return user


def _register_failure(user: User, now: dt.datetime) -> None:
    config = current_app.config
    user.failed_logins += 1
    if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + dt.timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        record("auth.locked", user, by=None, organisation_id=user.organisation_id)
    db.session.commit()


def logout(user: User) -> None:
    """Rotate the session token so that any copy of the old cookie stops working."""
    user.rotate_session()
    record("auth.logout", user, by=user)
    db.session.commit()
