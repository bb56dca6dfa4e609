"""Log in and log out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from nrhub.auth import services
from nrhub.auth.forms import LoginForm
from nrhub.extensions import limiter
from nrhub.security import is_safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    try:
        user = services.authenticate(form.email.data or "", form.password.data or "")
    except services.LoginError as err:
        form.form_errors.append(str(err))
        return render_template("auth/login.html", form=form), 401
    login_user(user)
    flash(_("Vous êtes connecté."), "success")
    if not user.is_active_member:
        return redirect(url_for("main.pending"))
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.post("/deconnexion")
@login_required
def logout():  # type: ignore[no-untyped-def]
    services.logout(current_user._get_current_object())
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.index"))
