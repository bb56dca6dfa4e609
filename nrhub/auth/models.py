"""People, their one-time links (invitations, password resets)."""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import Model
from nrhub.organisations.models import Organisation, OrgStatus
from nrhub.security import Role


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    is_removed: Mapped[bool] = mapped_column(default=False)
    # Rotated on logout and password change so that an old session cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # Failures from every address since the last success or lock, and the short lock of
    # the whole account they lead to (nrhub.auth.lockout).
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the owner was last told of a lock: at most one such e-mail an hour.
    lock_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        """A person may log in unless removed or their organisation is suspended/rejected."""
        return not self.is_removed and self.organisation.status in (
            OrgStatus.ACTIVE,
            OrgStatus.PENDING,
        )

    def get_id(self) -> str:
        return self.session_token

    @property
    def role(self) -> Role:
        return self.organisation.role

    @property
    def is_active_member(self) -> bool:
        return not self.is_removed and self.organisation.status == OrgStatus.ACTIVE

    @property
    def is_coordinator(self) -> bool:
        return self.is_active_member and self.role == Role.COORDINATOR

    @property
    def is_buyer(self) -> bool:
        return self.is_active_member and self.role == Role.BUYER

    @property
    def is_refurbisher(self) -> bool:
        return self.is_active_member and self.role == Role.REFURBISHER

    def rotate_session(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# E-mails are unique whatever their case.
Index("uq_user_account_email_lower", func.lower(User.email), unique=True)


class LoginThrottle(Model):
    """Failed logins to one account from one client address (an IPv4 address or an IPv6
    /64), and the lock of that address on that account (nrhub.auth.lockout)."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("user_id", "client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    client: Mapped[str] = mapped_column(String(50))
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a purpose, not a secret)


class AccountToken(Model):
    """A single-use link sent by e-mail; only its SHA-256 is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[TokenPurpose] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    def is_usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at
