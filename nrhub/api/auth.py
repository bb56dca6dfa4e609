"""API authentication (Bearer tokens) and the rate limit, one budget per token."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _

from nrhub.api import tokens
from nrhub.api.blueprint import bp
from nrhub.api.problems import ApiProblem
from nrhub.auth.models import User
from nrhub.extensions import limiter


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _rate_key() -> str:
    raw = _bearer() or ""
    return "api-token:" + tokens.hash_token(raw)


def _rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT", "600 per minute"))


# Keyed by the token's hash (one per token): each token has its own budget.
limiter.limit(_rate_limit, key_func=_rate_key, exempt_when=lambda: _bearer() is None)(bp)


def api_user() -> User:
    user: User | None = g.get("api_user")
    if user is None:
        raise ApiProblem(401, _("Authentification requise : en-tête Authorization: Bearer."))
    return user


@bp.before_request
def _authenticate() -> None:
    g.api_user = None
    raw = _bearer()
    if raw is None:
        return
    found = tokens.user_for_token(raw)
    if found is None:
        raise ApiProblem(401, _("Jeton d'API invalide, expiré ou révoqué."))
    g.api_token, g.api_user = found
