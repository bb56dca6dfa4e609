"""Authentication use cases: log in with lock, log out, password reset and change, profile."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update

from nrhub.audit.services import record
from nrhub.auth.models import AccountToken, TokenPurpose, User
from nrhub.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_dummy, verify_password
from nrhub.auth.tokens import consume_token, find_usable_token, issue_token
from nrhub.db import utcnow
from nrhub.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.mail import absolute_url, send_mail


class LoginError(DomainError):
    status_code = 401


# Run on every request of a logged-in person: built once, with the token as a parameter.
_USER_BY_SESSION = select(User).where(
    User.session_token == bindparam("token"), User.is_removed.is_(False)
)


def user_for_session(session_token: str) -> User | None:
    """The person a session cookie names, unless logged out since or removed."""
    return db.session.execute(_USER_BY_SESSION, {"token": session_token}).scalar_one_or_none()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(db.func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(email: str, password: str, now: dt.datetime | None = None) -> User:
    """Check credentials; after too many failures the account is locked for a while.

    Unknown e-mail, wrong password and locked account give the same message (which
    mentions the lock), so that nobody can learn which e-mails have an account.
    """
    now = now or utcnow()
    generic = LoginError(
        _(
            "Adresse e-mail ou mot de passe incorrect. Après plusieurs échecs, le compte "
            "est temporairement bloqué : réessayez dans quelques minutes."
        )
    )
    user = find_user_by_email(email)
    if user is None or user.is_removed:
        verify_dummy(password)
        raise generic
    if user.locked_until is not None and user.locked_until > now:
        verify_dummy(password)
        raise generic
    if not verify_password(user.password_hash, password):
        _register_failure(user, now)
        raise generic
    if not user.is_active:
        raise LoginError(
            _(
                "Votre organisation est suspendue ou n'a pas été acceptée : la connexion "
                "est impossible."
            )
        )
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


def request_password_reset(email: str, now: dt.datetime | None = None) -> str | None:
    """E-mail a single-use reset link (valid 1 hour) if the e-mail has an account.

    The caller answers the same way whether or not it has; the raw token is returned for
    tests and the CLI, never shown.
    """
    user = find_user_by_email(email)
    if user is None or user.is_removed:
        return None
    token, raw = issue_token(
        TokenPurpose.PASSWORD_RESET, user.email, user_id=user.id, organisation_id=None, now=now
    )
    db.session.flush()
    record("auth.reset_requested", token, by=None, organisation_id=user.organisation_id)
    db.session.commit()
    send_mail(
        user.email,
        _("Réinitialisation de votre mot de passe"),
        "auth_password_reset",
        user=user,
        url=absolute_url("auth.reset_password", token=raw),
        expires_at=token.expires_at,
    )
    return raw


def reset_token_for(raw: str, now: dt.datetime | None = None) -> AccountToken:
    token = find_usable_token(raw, TokenPurpose.PASSWORD_RESET, now)
    if token is None or token.user_id is None:
        raise NotFoundError(
            _("Ce lien de réinitialisation n'est pas valable : il a déjà servi ou a expiré.")
        )
    return token


def reset_password(raw: str, password: str, now: dt.datetime | None = None) -> User:
    """Set a new password from a reset link; every open session of the person ends."""
    now = now or utcnow()
    token = reset_token_for(raw, now)
    user = db.session.get(User, token.user_id)
    if user is None or user.is_removed or not consume_token(token, now):
        raise NotFoundError(
            _("Ce lien de réinitialisation n'est pas valable : il a déjà servi ou a expiré.")
        )
    _set_password(user, password)
    user.failed_logins = 0
    user.locked_until = None
    # Any other reset link sent earlier stops working too.
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.PASSWORD_RESET,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    record("auth.password_reset", user, by=user)
    db.session.commit()
    return user


def _set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("Le mot de passe doit comporter au moins 12 caractères."), field="password"
        )
    user.password_hash = hash_password(password)
    user.rotate_session()


def change_password(user: User, current_password: str, new_password: str, *, by: User) -> None:
    """Change one's own password; the session token rotates so old cookies stop working."""
    if by.id != user.id:
        raise PermissionDeniedError(_("Vous ne pouvez changer que votre propre mot de passe."))
    if not verify_password(user.password_hash, current_password):
        raise ValidationError(_("Le mot de passe actuel est incorrect."), field="current_password")
    _set_password(user, new_password)
    record("auth.password_change", user, by=by)
    db.session.commit()


def update_account(user: User, name: str, locale: str, *, by: User) -> None:
    """Change one's own name and interface language."""
    if by.id != user.id:
        raise PermissionDeniedError(_("Vous ne pouvez modifier que votre propre compte."))
    if locale not in ("fr", "en"):
        raise ValidationError(_("Langue inconnue."), field="locale")
    user.name = name.strip()
    user.locale = locale
    record("auth.update_account", user, by=by)
    db.session.commit()
