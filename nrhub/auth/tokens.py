"""Single-use links sent by e-mail: only the SHA-256 of the random token is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.auth.models import AccountToken, TokenPurpose
from nrhub.db import rows_changed, utcnow
from nrhub.extensions import db

LIFETIMES = {
    TokenPurpose.INVITATION: dt.timedelta(days=7),
    TokenPurpose.PASSWORD_RESET: dt.timedelta(hours=1),
}


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(
    purpose: TokenPurpose,
    email: str,
    *,
    organisation_id: int | None = None,
    user_id: int | None = None,
    created_by_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[AccountToken, str]:
    """Add a new link to the session (the unit of work commits); return it with its raw
    token."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    token = AccountToken(
        purpose=purpose,
        token_hash=hash_token(raw),
        email=email,
        organisation_id=organisation_id,
        user_id=user_id,
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    db.session.add(token)
    return token, raw


def find_usable_token(
    raw: str, purpose: TokenPurpose, now: dt.datetime | None = None
) -> AccountToken | None:
    """The unused, unexpired link matching ``raw``, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.execute(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(raw), AccountToken.purpose == purpose
        )
    ).scalar_one_or_none()
    if token is None or not token.is_usable(now or utcnow()):
        return None
    return token


def consume_token(token: AccountToken, now: dt.datetime) -> bool:
    """Mark the link used, in one conditional UPDATE (compare-and-set): False when it has
    expired or another request used it first, so that a link serves exactly once."""
    result = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.id == token.id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    consumed = rows_changed(result) == 1
    if consumed:
        set_committed_value(token, "used_at", now)
    return consumed
