"""Failed logins: throttled per account *and* client address, with a short lock of the whole
account as a backstop; the owner is e-mailed when a lock happens.

Why both counters:

- Counting failures per account only (the classic lock) lets anyone who knows an e-mail
  address keep its owner out, from one machine, for as long as they keep typing wrong
  passwords. Here ``LOGIN_MAX_FAILURES`` failures from one client lock *that client* out of
  *that account* for ``LOGIN_LOCK_MINUTES``; the owner, elsewhere, still logs in.
- Counting per client only would let a botnet try many passwords on one account. So the
  failures of every client also add up, and ``LOGIN_ACCOUNT_MAX_FAILURES`` of them (four
  times the per-client limit by default) lock the whole account, briefly
  (``LOGIN_ACCOUNT_LOCK_MINUTES``, 2 by default). A single client, stopped after 5 failures
  for 15 minutes, needs 45 minutes to cause such a lock: it can keep the owner out at most
  2 minutes in 47.

A client is an IPv4 address, or an IPv6 /64: one subscriber gets a whole /64, so counting
its addresses one by one would give a single attacker millions of budgets.

Every count is one conditional UPDATE (never read-then-write), so that parallel attempts
cannot slip past a limit; the caller's transaction keeps them even though the login is
refused (``keep_writes_on_refusal`` in the views).
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from nrhub.audit.services import record
from nrhub.auth.models import LoginThrottle, User
from nrhub.db import rows_changed
from nrhub.extensions import db
from nrhub.mail import Recipient, absolute_url, queue_mail

# The owner hears of locks at most this often (a botnet could otherwise flood the mailbox).
NOTICE_EVERY = dt.timedelta(hours=1)
UNKNOWN_CLIENT = "inconnu"


def client_key(address: str | None) -> str:
    """The client an address belongs to: the IPv4 address itself, or the IPv6 /64."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return UNKNOWN_CLIENT
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def is_locked(user: User, client: str, now: dt.datetime) -> bool:
    """Whether this client may not try a password on this account now."""
    if user.locked_until is not None and user.locked_until > now:
        return True
    until = db.session.execute(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.user_id == user.id, LoginThrottle.client == client
        )
    ).scalar_one_or_none()
    return until is not None and until > now


def record_failure(user: User, client: str, now: dt.datetime) -> None:
    """Count a wrong password from ``client``; lock the client (and, past the account-wide
    limit, the account) and tell the owner when a limit is reached."""
    config = current_app.config
    client_lock = account_lock = None
    if _count_client_failure(user.id, client, now) >= config["LOGIN_MAX_FAILURES"]:
        until = now + dt.timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        if _lock_client(user.id, client, config["LOGIN_MAX_FAILURES"], now, until):
            client_lock = until
    if _count_account_failure(user.id) >= config["LOGIN_ACCOUNT_MAX_FAILURES"]:
        until = now + dt.timedelta(minutes=config["LOGIN_ACCOUNT_LOCK_MINUTES"])
        if _lock_account(user.id, config["LOGIN_ACCOUNT_MAX_FAILURES"], now, until):
            account_lock = until
    db.session.expire(user, ["failed_logins", "locked_until"])
    if client_lock is None and account_lock is None:
        return
    record(
        "auth.locked",
        user,
        by=None,
        organisation_id=user.organisation_id,
        client=client,
        client_locked_until=client_lock,
        account_locked_until=account_lock,
    )
    _tell_owner(user, client, client_lock, account_lock, now)


def record_success(user: User, client: str) -> None:
    """A right password: the account's and this client's failures are forgotten (other
    clients stay locked)."""
    user.failed_logins = 0
    user.locked_until = None
    db.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.user_id == user.id, LoginThrottle.client == client
        )
    )


def clear(user: User) -> None:
    """A new password set from a reset link: every failure and lock of the account ends."""
    user.failed_logins = 0
    user.locked_until = None
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.user_id == user.id))


def _count_client_failure(user_id: int, client: str, now: dt.datetime) -> int:
    table = LoginThrottle.__table__
    bump = (
        update(table)
        .where(table.c.user_id == user_id, table.c.client == client)
        .values(failures=table.c.failures + 1, last_failure_at=now)
        .returning(table.c.failures)
    )
    failures = db.session.execute(bump).scalar_one_or_none()
    if failures is not None:
        return int(failures)
    try:
        with db.session.begin_nested():
            db.session.execute(
                insert(table).values(
                    user_id=user_id, client=client, failures=1, last_failure_at=now
                )
            )
    except IntegrityError:  # a parallel failure of the same client created the row first
        return int(db.session.execute(bump).scalar_one())
    return 1


def _lock_client(
    user_id: int, client: str, limit: int, now: dt.datetime, until: dt.datetime
) -> bool:
    """Lock unless already locked: attempts that passed the lock check just before a
    parallel one locked still count, but do not lock (and notify) a second time."""
    table = LoginThrottle.__table__
    result = db.session.execute(
        update(table)
        .where(
            table.c.user_id == user_id,
            table.c.client == client,
            table.c.failures >= limit,
            or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        )
        .values(failures=0, locked_until=until)
    )
    return bool(rows_changed(result) == 1)


def _count_account_failure(user_id: int) -> int:
    table = User.__table__
    return int(
        db.session.execute(
            update(table)
            .where(table.c.id == user_id)
            .values(failed_logins=table.c.failed_logins + 1)
            .returning(table.c.failed_logins)
        ).scalar_one()
    )


def _lock_account(user_id: int, limit: int, now: dt.datetime, until: dt.datetime) -> bool:
    table = User.__table__
    result = db.session.execute(
        update(table)
        .where(
            table.c.id == user_id,
            table.c.failed_logins >= limit,
            or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        )
        .values(failed_logins=0, locked_until=until)
    )
    return bool(rows_changed(result) == 1)


def _tell_owner(
    user: User,
    client: str,
    client_lock: dt.datetime | None,
    account_lock: dt.datetime | None,
    now: dt.datetime,
) -> None:
    table = User.__table__
    claimed = db.session.execute(
        update(table)
        .where(
            table.c.id == user.id,
            or_(table.c.lock_notified_at.is_(None), table.c.lock_notified_at < now - NOTICE_EVERY),
        )
        .values(lock_notified_at=now)
    )
    db.session.expire(user, ["lock_notified_at"])
    if rows_changed(claimed) != 1:
        return
    queue_mail(
        Recipient(user.email, user.locale),
        _l("Connexions à votre compte bloquées après plusieurs échecs"),
        "auth_account_locked",
        user=user,
        client=client,
        client_locked_until=client_lock,
        account_locked_until=account_lock,
        reset_url=absolute_url("auth.forgot_password"),
    )
