"""``Idempotency-Key`` replay: a POST or PUT runs at most once per person and key."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nrhub.api.models import IdempotentRequest
from nrhub.api.problems import ApiProblem
from nrhub.api.validation import invalid
from nrhub.extensions import db

MAX_KEY = 200
KEY_PATTERN = r"^[!-~]{1,200}$"  # visible ASCII, no space


def run_once(run: Callable[[], Any]) -> Response:
    """Run a POST/PUT at most once per ``(person, Idempotency-Key)``.

    The key's row is inserted first, in the request's own transaction: a concurrent retry
    with the same key waits on the unique constraint (PostgreSQL) or on the write lock
    (SQLite) until the first request ends, then replays its answer. A refusal (4xx) rolls
    back with the rest of the request, key included: it changed nothing, so a retry may run.
    """
    user = g.get("api_user")
    key = request.headers.get("Idempotency-Key", "")
    if user is None:  # public POST (token creation): no person to scope the key to
        return current_app.make_response(run())
    if not re.fullmatch(KEY_PATTERN, key):
        raise invalid(
            {
                "Idempotency-Key": [
                    _(
                        "Une clé de 1 à %(maximum)s caractères ASCII visibles (sans espace) "
                        "est attendue.",
                        maximum=MAX_KEY,
                    )
                ]
            }
        )
    body_hash = hashlib.sha256(request.get_data()).hexdigest()
    claim = IdempotentRequest(
        user_id=user.id,
        key=key,
        method=request.method,
        path=request.path,
        body_hash=body_hash,
        status=0,
        content_type="",
        response_body="",
    )
    previous = _claim_key(claim)
    if previous is not None:
        return _replay(previous, claim)
    response = current_app.make_response(run())
    if response.status_code < 400:
        claim.status = response.status_code
        claim.content_type = response.content_type or "application/json"
        claim.response_body = response.get_data(as_text=True)
        db.session.flush()
    return response


def _stored(user_id: int, key: str) -> IdempotentRequest | None:
    return db.session.execute(
        select(IdempotentRequest)
        .where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _claim_key(claim: IdempotentRequest) -> IdempotentRequest | None:
    """Insert our key, or return the committed request that holds it already."""
    previous = _stored(claim.user_id, claim.key)
    if previous is not None:
        return previous
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        # PostgreSQL made us wait for a concurrent request with the same key: it committed.
        previous = _stored(claim.user_id, claim.key)
        if previous is None:
            raise _in_progress() from None
        return previous
    return None


def _in_progress() -> ApiProblem:
    return ApiProblem(
        409,
        _("Une requête avec la même clé d'idempotence est en cours : réessayez dans un instant."),
    )


def _replay(previous: IdempotentRequest, claim: IdempotentRequest) -> Response:
    same = (
        previous.method == claim.method
        and previous.path == claim.path
        and previous.body_hash == claim.body_hash
    )
    if not same:
        raise ApiProblem(
            422,
            _(
                "Cette clé d'idempotence a déjà servi pour une autre requête : "
                "utilisez une nouvelle clé."
            ),
            {"Idempotency-Key": [_("Clé déjà utilisée avec une autre requête.")]},
        )
    if previous.status == 0:  # not answered yet (only seen inside the same transaction)
        raise _in_progress()
    replay = Response(
        previous.response_body, status=previous.status, content_type=previous.content_type
    )
    replay.headers["Idempotent-Replayed"] = "true"
    return replay
