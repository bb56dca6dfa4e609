"""The unit of work: the one place where nrhub begins, commits and rolls back.

Every web view and API route runs inside :func:`run_in_transaction` (wired by
:class:`nrhub.NrhubFlask`), every CLI command inside :func:`unit_of_work`. Services and
helpers only ``flush()`` or raise a :class:`~nrhub.errors.DomainError`; use cases therefore
compose inside one transaction, and a refusal anywhere undoes everything the request wrote.

After the commit, and only then, the actions registered with :func:`after_commit` run
(mail delivery, file removal): a rollback forgets them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Response, current_app
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from nrhub.errors import ConflictError
from nrhub.extensions import db

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)

_ACTIVE = "nrhub_unit_of_work"
_AFTER_COMMIT = "nrhub_after_commit"
_KEEP_ON_REFUSAL = "nrhub_keep_on_refusal"
_STATE = "nrhub_unit_state"
_BEFORE_COMMIT = "nrhub_before_commit"

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_UNIQUE_VIOLATION = "23505"


def in_unit_of_work() -> bool:
    return bool(db.session().info.get(_ACTIVE))


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Begin (or join the enclosing unit), commit once on success, roll back on any
    exception, then run the after-commit actions."""
    session = db.session()
    if session.info.get(_ACTIVE):
        yield  # composed inside an enclosing unit: it commits or rolls back for us
        return
    session.info[_ACTIVE] = True
    actions: list[Callable[[], None]] = []
    session.info[_AFTER_COMMIT] = actions
    session.info[_STATE] = {}
    before: list[Callable[[], None]] = []
    session.info[_BEFORE_COMMIT] = before
    try:
        yield
        for prepare in before:
            prepare()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_ACTIVE, None)
        session.info.pop(_AFTER_COMMIT, None)
        session.info.pop(_KEEP_ON_REFUSAL, None)
        session.info.pop(_STATE, None)
        session.info.pop(_BEFORE_COMMIT, None)
    for action in actions:
        try:
            action()
        except Exception:  # the data is committed: an action's failure must not hide that
            log.exception("after-commit action %r failed", action)


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the enclosing unit of work has committed (never on rollback).

    Outside a unit of work (a test calling a service directly) the action runs at once.
    """
    actions = db.session().info.get(_AFTER_COMMIT)
    if actions is None:
        action()
        return
    actions.append(action)


def before_commit(action: Callable[[], None]) -> None:
    """Run ``action`` at the end of the enclosing unit of work, inside its transaction, just
    before the commit (for writes gathered during the unit and done in one statement)."""
    actions = db.session().info.get(_BEFORE_COMMIT)
    if actions is None:
        action()
        return
    actions.append(action)


def unit_state() -> dict[str, Any] | None:
    """A dict that lives as long as the current unit of work (None outside one): for
    helpers that gather work for one after-commit action (the mail outbox)."""
    state: dict[str, Any] | None = db.session().info.get(_STATE)
    return state


def keep_writes_on_refusal() -> None:
    """Let this request commit even though it answers with an error status.

    For the few refusals that are themselves facts to record: a failed login counts towards
    the account's lock.
    """
    db.session().info[_KEEP_ON_REFUSAL] = True


class _Refused(Exception):
    """Carries a refusal's response out of the unit of work, so that it rolls back."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def run_in_transaction(view: Callable[[], Any]) -> Response:
    """Run a request's view in one unit of work.

    The view's writes are committed when it answers below 400, and rolled back when it
    raises or answers a client or server error (bad input changes nothing). A deadlock or
    serialization failure is retried once with a fresh transaction, then answered 409; a
    unique constraint violation (a concurrent duplicate) is answered 409 too.
    """
    for attempt in (1, 2):
        try:
            with unit_of_work():
                response = current_app.make_response(view())
                if response.status_code >= 400 and not db.session().info.get(_KEEP_ON_REFUSAL):
                    raise _Refused(response)
                return response
        except _Refused as refused:
            return refused.response
        except IntegrityError as err:
            if sqlstate(err) == _UNIQUE_VIOLATION or _sqlite_unique(err):
                raise ConflictError(
                    _(
                        "Une opération concurrente vient d'enregistrer la même chose : "
                        "rechargez la page pour voir l'état actuel."
                    )
                ) from err
            raise
        except (OperationalError, DBAPIError) as err:
            if not is_retryable(err):
                raise
            if attempt == 1:
                # A deadlock or serialization failure says two writers met: worth seeing.
                log.warning("retrying a request after %s", type(err.orig).__name__)
                continue
            raise ConflictError(
                _(
                    "Trop d'opérations simultanées sur les mêmes données : rien n'a été "
                    "enregistré, réessayez dans un instant."
                )
            ) from err
    raise AssertionError("unreachable")  # pragma: no cover


def transactional(command: Callable[P, T]) -> Callable[P, T]:
    """Run a CLI command (or any job outside a request) in one unit of work."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with unit_of_work():
            return command(*args, **kwargs)

    return wrapper


def sqlstate(err: DBAPIError) -> str | None:
    return getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None)


def is_retryable(err: DBAPIError) -> bool:
    """A failure that a fresh transaction may not meet again: a deadlock, a serialization
    failure, a lock timeout, or SQLite's busy database."""
    if sqlstate(err) in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(err.orig)


def _sqlite_unique(err: IntegrityError) -> bool:
    return "UNIQUE constraint failed" in str(err.orig)
