"""Authentication use cases: log in with lock, log out, password reset and change, profile."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import partial

from flask import current_app
from flask.sansio.app import App
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from nrhub import caching
from nrhub.audit.services import record
from nrhub.auth import lockout
from nrhub.auth.models import AccountToken, TokenPurpose, User
from nrhub.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_dummy,
    verify_password,
)
from nrhub.auth.tokens import consume_token, find_usable_token, issue_token
from nrhub.db import utcnow
from nrhub.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.mail import Recipient, absolute_url, queue_mail


class LoginError(DomainError):
    status_code = 401


# Run on every request of a logged-in person: built once, with the token as a parameter.
_USER_BY_SESSION = select(User).where(
    User.session_token == bindparam("token"), User.is_removed.is_(False)
)


def user_for_session(session_token: str) -> User | None:
    """The person a session cookie names, unless logged out since or removed.

    Read on every request of a logged-in person: each worker keeps the person and their
    organisation under the accounts' data generation, which every committed write to a
    person or an organisation moves (a logout, a removal, a suspension). The copy is also
    dropped after ``ACCOUNT_CACHE_SECONDS``: should a worker stop between a commit and the
    generation's move, a logout would not wait longer than that."""
    seconds = current_app.config["ACCOUNT_CACHE_SECONDS"]
    period = int(time.time() // seconds) if seconds > 0 else 0
    return caching.kept_instance(
        "session_users",
        (session_token, period),
        partial(_read_user, session_token=session_token),
        area=caching.Area.ACCOUNTS,
        seconds=seconds,
    )


def _read_user(session: Session, session_token: str) -> User | None:
    return session.execute(_USER_BY_SESSION, {"token": session_token}).scalar_one_or_none()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(db.func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(
    email: str, password: str, now: dt.datetime | None = None, *, client: str | None = None
) -> User:
    """Check credentials; too many failures lock the client out of the account for a while
    (and, past a higher limit, the whole account briefly): see :mod:`nrhub.auth.lockout`.

    ``client`` is the address the attempt comes from. Unknown e-mail, wrong password and
    locked account give the same message (which mentions the lock), so that nobody can
    learn which e-mails have an account. The caller keeps the failure's writes although it
    refuses the login (``keep_writes_on_refusal``).
    """
    now = now or utcnow()
    key = lockout.client_key(client)
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
    if lockout.is_locked(user, key, now):
        verify_dummy(password)
        raise generic
    if not verify_password(user.password_hash, password):
        lockout.record_failure(user, key, now)
        raise generic
    if not user.is_active:
        raise LoginError(
            _(
                "Votre organisation est suspendue ou n'a pas été acceptée : la connexion "
                "est impossible."
            )
        )
    lockout.record_success(user, key)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    record("auth.login", user, by=user)
    db.session.flush()
    return user


def logout(user: User) -> None:
    """Rotate the session token so that any copy of the old cookie stops working."""
    user.rotate_session()
    record("auth.logout", user, by=user)
    db.session.flush()


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
    queue_mail(
        Recipient(user.email, user.locale),
        _l("Réinitialisation de votre mot de passe"),
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
    """Set a new password from a reset link. Whoever knew the old one is shut out: every
    session of the person ends, their API tokens are revoked (the areas holding other
    credentials register with :func:`on_password_reset`), and every lock is lifted."""
    now = now or utcnow()
    token = reset_token_for(raw, now)
    user = db.session.get(User, token.user_id)
    if user is None or user.is_removed or not consume_token(token, now):
        raise NotFoundError(
            _("Ce lien de réinitialisation n'est pas valable : il a déjà servi ou a expiré.")
        )
    _set_password(user, password)
    lockout.clear(user)
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
    revoked = sum(revoke(user, now) for revoke in _credential_revokers())
    record("auth.password_reset", user, by=user, credentials_revoked=revoked)
    db.session.flush()
    return user


# Areas above this one that hold credentials of a person (the API's tokens) revoke them
# when the person's password is reset; each revoker returns how many it revoked.
CredentialRevoker = Callable[[User, dt.datetime], int]
_REVOKERS = "nrhub_credential_revokers"


def on_password_reset(app: App, revoker: CredentialRevoker) -> None:
    """Register ``revoker`` (called at blueprint registration by the area that holds the
    credentials: areas import downward only)."""
    revokers: list[CredentialRevoker] = app.extensions.setdefault(_REVOKERS, [])
    if revoker not in revokers:
        revokers.append(revoker)


def _credential_revokers() -> list[CredentialRevoker]:
    return list(current_app.extensions.get(_REVOKERS, []))


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
    db.session.flush()


def update_account(user: User, name: str, locale: str, *, by: User) -> None:
    """Change one's own name and interface language."""
    if by.id != user.id:
        raise PermissionDeniedError(_("Vous ne pouvez modifier que votre propre compte."))
    if locale not in ("fr", "en"):
        raise ValidationError(_("Langue inconnue."), field="locale")
    user.name = name.strip()
    user.locale = locale
    record("auth.update_account", user, by=by)
    db.session.flush()
