"""Log in and out, forgotten password, one's own account."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from nrhub.auth import services
from nrhub.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    ResetPasswordForm,
)
from nrhub.errors import DomainError, attach_to_form
from nrhub.extensions import limiter
from nrhub.security import is_safe_next, login_required, member_required
from nrhub.transactions import keep_writes_on_refusal

bp = Blueprint("auth", __name__)


@bp.before_app_request
def _refuse_inactive_sessions() -> None:
    """A person removed, or of a suspended or rejected organisation, is logged out at once."""
    if current_user.is_authenticated and not current_user.is_active:
        logout_user()


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    try:
        user = services.authenticate(
            form.email.data or "", form.password.data or "", client=request.remote_addr
        )
    except services.LoginError as err:
        keep_writes_on_refusal()  # the failure counts towards the account's lock
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
def logout() -> ResponseReturnValue:
    services.logout(current_user._get_current_object())
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.index"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/forgot_password.html", form=form), status
    services.request_password_reset(form.email.data or "")
    flash(
        _(
            "Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé "
            "avec un lien valable une heure."
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/reinitialisation/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    services.reset_token_for(token)  # 404 page when the link is not usable
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/reset_password.html", form=form, token=token), status
    try:
        services.reset_password(token, form.password.data or "")
    except DomainError as err:
        attach_to_form(form, err)
        return render_template("auth/reset_password.html", form=form, token=token), err.status_code
    logout_user()
    flash(_("Votre mot de passe a été changé. Vous pouvez vous connecter."), "success")
    return redirect(url_for("auth.login"))


def _render_profile(
    profile_form: Any = None, password_form: Any = None, status: int = 200
) -> ResponseReturnValue:
    user = current_user._get_current_object()
    profile_form = profile_form or ProfileForm(
        name=user.name, locale=user.locale or "fr", formdata=None
    )
    password_form = password_form or PasswordChangeForm(formdata=None)
    return render_template(
        "auth/profile.html", profile_form=profile_form, password_form=password_form
    ), status


@bp.route("/compte", methods=["GET", "POST"])
@member_required
def profile() -> ResponseReturnValue:
    if request.method == "GET":
        return _render_profile()
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render_profile(profile_form=form, status=422)
    user = current_user._get_current_object()
    services.update_account(user, form.name.data or "", form.locale.data or "fr", by=user)
    session["lang"] = user.locale
    flash(_("Votre compte a été mis à jour."), "success")
    return redirect(url_for("auth.profile"))


@bp.post("/compte/mot-de-passe")
@member_required
def change_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _render_profile(password_form=form, status=422)
    user = current_user._get_current_object()
    try:
        services.change_password(
            user, form.current_password.data or "", form.password.data or "", by=user
        )
    except DomainError as err:
        attach_to_form(form, err)
        return _render_profile(password_form=form, status=err.status_code)
    login_user(user)  # the same session carries on with the new token
    flash(_("Votre mot de passe a été changé."), "success")
    return redirect(url_for("auth.profile"))
