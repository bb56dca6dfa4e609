"""Home page, waiting page, language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from config import OCDS_PLACEHOLDER_PREFIX
from nrhub.extensions import limiter
from nrhub.organisations.policy import can_review_organisations
from nrhub.organisations.queries import count_pending_organisations
from nrhub.security import is_safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The public landing page; once logged in, a short landing for the person's role."""
    if current_user.is_authenticated and not current_user.is_active_member:
        return redirect(url_for("main.pending"))
    pending_count = 0
    placeholder_prefix = False
    if current_user.is_authenticated and can_review_organisations(current_user) is None:
        pending_count = count_pending_organisations()
        placeholder_prefix = current_app.config["OCDS_OCID_PREFIX"] == OCDS_PLACEHOLDER_PREFIX
    return render_template(
        "main/index.html", pending_count=pending_count, placeholder_prefix=placeholder_prefix
    )


@bp.get("/en-attente")
def pending() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_active_member:
        return redirect(url_for("main.index"))
    return render_template("main/pending.html")


@bp.post("/langue")
def set_language() -> ResponseReturnValue:
    lang = request.form.get("lang", "fr")
    if lang in ("fr", "en"):
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang  # committed with the request
    target = request.form.get("next")
    return redirect(target if target and is_safe_next(target) else url_for("main.index"))


@bp.get("/sante")
@limiter.exempt
def health() -> ResponseReturnValue:
    """A bare endpoint: load balancers probe it and the benchmark uses it as a ceiling.

    No database, no session, no rate limit: it says the worker answers, nothing more."""
    return {"status": "ok"}


@bp.get("/favicon.ico")
@limiter.exempt
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico before reading the page's icon link; answering with a
    redirect keeps that request from rendering the 404 page, which would start a session."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
