"""Roles, route guards, safe redirects and the security headers."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import flask_login
from flask import Flask, Response, abort, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])


class Role(StrEnum):
    REFURBISHER = "refurbisher"
    BUYER = "buyer"
    COORDINATOR = "coordinator"


def role_required(*roles: Role) -> Callable[[F], F]:
    """Allow only logged-in people of an active organisation with one of ``roles``.

    Anonymous people are sent to the login page; people whose organisation is still
    pending go to the waiting page; any other role gets a 403.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not current_user.is_active_member:
                return redirect(url_for("main.pending"))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def member_required(view: F) -> F:
    """Any logged-in person of an active organisation."""
    return role_required()(view)


def org_admin_required(view: F) -> F:
    """An administrator of an active organisation (any role); other members get a 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_active_member and not current_user.is_org_admin:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, member_required(wrapped))


def login_required(view: F) -> F:
    """Any logged-in person, even of a pending organisation (Flask-Login's guard, typed)."""
    guarded: F = flask_login.login_required(view)
    return guarded


def is_safe_next(target: str | None) -> bool:
    """Only a relative path of this application is an acceptable ``next``."""
    if not target:
        return False
    if not target.startswith("/") or target.startswith("//") or target.startswith("/\\"):
        return False
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if not app.debug and request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
