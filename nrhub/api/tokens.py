"""Personal API tokens: issue (by password or from the account page), list, revoke, check."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.api.models import ApiToken
from nrhub.audit.services import record
from nrhub.auth import services as auth_services
from nrhub.auth.models import User
from nrhub.db import rows_changed, utcnow
from nrhub.errors import NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db

LIFETIME = dt.timedelta(days=365)
TOKEN_PREFIX = "nrh_"  # noqa: S105  (a visible prefix, not a secret)
MAX_LABEL = 100
# last_used_at is written at most this often, so that reads stay reads.
TOUCH_EVERY = dt.timedelta(minutes=5)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _check_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise ValidationError(_("Le libellé est obligatoire."), field="label")
    if len(label) > MAX_LABEL:
        raise ValidationError(
            _("Le libellé ne peut pas dépasser %(n)s caractères.", n=MAX_LABEL), field="label"
        )
    return label


def issue_token(
    user: User, label: str, *, by: User, now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (one's own only, active members only); the raw token is
    returned once and never stored."""
    if by.id != user.id:
        raise PermissionDeniedError(_("Vous ne pouvez créer des jetons que pour vous-même."))
    if not user.is_active_member:
        raise PermissionDeniedError(
            _("Seuls les membres d'une organisation active peuvent utiliser l'API.")
        )
    label = _check_label(label)
    now = now or utcnow()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        label=label,
        token_hash=hash_token(raw),
        prefix=raw[:12],
        created_at=now,
        expires_at=now + LIFETIME,
    )
    db.session.add(token)
    db.session.flush()
    record("api_token.created", token, by=by, label=label, prefix=token.prefix)
    return token, raw


def issue_token_with_password(
    email: str, password: str, label: str, *, client: str | None = None
) -> tuple[ApiToken, str]:
    """``POST /api/v1/tokens``: the login rules (locks after failures from ``client``, same
    message whatever the cause) apply; pending or suspended organisations are refused."""
    label = _check_label(label)
    user = auth_services.authenticate(email, password, client=client)
    if not user.is_active_member:
        raise PermissionDeniedError(
            _("Votre organisation n'est pas encore validée : l'API n'est pas accessible.")
        )
    return issue_token(user, label, by=user)


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        ).scalars()
    )


def revoke_token(token_id: int, *, by: User, now: dt.datetime | None = None) -> ApiToken:
    """Revoke one of one's own tokens (another person's id is reported as missing); revoking
    a revoked token changes nothing."""
    token = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == by.id)
    ).scalar_one_or_none()
    if token is None:
        raise NotFoundError(_("Ce jeton n'existe pas."))
    now = now or utcnow()
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(revoked) == 1:
        set_committed_value(token, "revoked_at", now)
        record("api_token.revoked", token, by=by, prefix=token.prefix)
    return token


def revoke_all_tokens(user: User, now: dt.datetime) -> int:
    """Revoke every usable token of ``user`` (their password was reset); how many."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(rows_changed(result))


# Run on every API request: built once, the token's hash as a parameter.
_TOKEN_AND_USER = (
    select(ApiToken, User)
    .join(User, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def user_for_token(raw: str, now: dt.datetime | None = None) -> tuple[ApiToken, User] | None:
    """The token and its person, if usable: not revoked, not expired, active member."""
    now = now or utcnow()
    row = db.session.execute(_TOKEN_AND_USER, {"token_hash": hash_token(raw)}).first()
    if row is None:
        return None
    token, user = row
    if not token.is_usable(now) or not user.is_active_member:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        # Committed with the request (a refused request forgets it: no harm).
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return token, user
