"""Sign-up, coordinators' decisions on organisations, members and the organisation profile."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from nrhub.audit.queries import list_events
from nrhub.errors import DomainError, attach_to_form
from nrhub.extensions import limiter
from nrhub.organisations import queries, services
from nrhub.organisations.forms import (
    AcceptInvitationForm,
    InviteForm,
    OrganisationFilterForm,
    ReasonForm,
    SignupForm,
    profile_form_for,
)
from nrhub.organisations.models import Organisation, OrgKind
from nrhub.security import Role, org_admin_required, role_required

bp = Blueprint("organisations", __name__)


def _profile_from(form: Any) -> services.OrganisationProfile:
    """The profile typed in a sign-up or profile form (fields absent from it stay empty)."""

    def value(name: str) -> Any:
        field = getattr(form, name, None)
        return field.data if field is not None and field.data not in ("", None) else None

    return services.OrganisationProfile(
        address=form.address.data or "",
        postcode=form.postcode.data or "",
        city=form.city.data or "",
        department_code=form.department_code(),
        contact_email=form.contact_email.data or "",
        legal_form=value("legal_form"),
        esus_agreement=bool(value("esus_agreement")),
        esus_expires_on=value("esus_expires_on"),
        insertion_type=value("insertion_type"),
        buyer_type=value("buyer_type"),
        population=value("population"),
        website=value("website"),
        description=value("description"),
    )


def _signup_limit() -> str:
    return str(current_app.config["SIGNUP_RATE_LIMIT"])


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup() -> ResponseReturnValue:
    """The same answer whether the e-mail typed has an account or not (the service e-mails
    its owner instead): no logging in here, the person logs in once the request is sent."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignupForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("organisations/signup.html", form=form), status
    person = services.NewPerson(
        form.person_name.data or "", form.email.data or "", form.password.data or ""
    )
    try:
        services.signup_organisation(
            OrgKind(form.kind.data),
            form.name.data or "",
            form.siret.data or "",
            _profile_from(form),
            person,
        )
    except DomainError as err:
        attach_to_form(form, err)
        return render_template("organisations/signup.html", form=form), err.status_code
    return redirect(url_for("organisations.signup_sent"))


@bp.get("/inscription/envoyee")
def signup_sent() -> ResponseReturnValue:
    return render_template("organisations/signup_sent.html")


# --- Coordinators -------------------------------------------------------------------


@bp.get("/coordination/organisations")
@role_required(Role.COORDINATOR)
def admin_list() -> ResponseReturnValue:
    filters = OrganisationFilterForm(request.args)
    valid = filters.validate()
    rows = queries.list_organisations(
        status=filters.status.data if valid else None, kind=filters.kind.data if valid else None
    )
    return render_template("organisations/admin_list.html", rows=rows, filters=filters)


def _render_detail(
    org: Organisation, reject_form: Any = None, suspend_form: Any = None, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "organisations/admin_detail.html",
        organisation=org,
        members=queries.list_members(org.id),
        events=list_events(organisation_id=org.id, per_page=20).items,
        reject_form=reject_form or ReasonForm(prefix="reject", formdata=None),
        suspend_form=suspend_form or ReasonForm(prefix="suspend", formdata=None),
    ), status


@bp.get("/coordination/organisations/<int:organisation_id>")
@role_required(Role.COORDINATOR)
def admin_detail(organisation_id: int) -> ResponseReturnValue:
    return _render_detail(queries.get_organisation(organisation_id))


@bp.post("/coordination/organisations/<int:organisation_id>/valider")
@role_required(Role.COORDINATOR)
def validate(organisation_id: int) -> ResponseReturnValue:
    org = queries.get_organisation(organisation_id)
    services.validate_organisation(org, by=current_user._get_current_object())
    flash(_("L'organisation %(name)s est validée.", name=org.name), "success")
    return redirect(url_for("organisations.admin_detail", organisation_id=org.id))


@bp.post("/coordination/organisations/<int:organisation_id>/reactiver")
@role_required(Role.COORDINATOR)
def reactivate(organisation_id: int) -> ResponseReturnValue:
    org = queries.get_organisation(organisation_id)
    services.reactivate_organisation(org, by=current_user._get_current_object())
    flash(_("L'organisation %(name)s est réactivée.", name=org.name), "success")
    return redirect(url_for("organisations.admin_detail", organisation_id=org.id))


def _decide_with_reason(organisation_id: int, decision: str) -> ResponseReturnValue:
    org = queries.get_organisation(organisation_id)
    form = ReasonForm(prefix=decision)
    forms = {f"{decision}_form": form}
    if not form.validate_on_submit():
        return _render_detail(org, **forms, status=422)
    action = services.reject_organisation if decision == "reject" else services.suspend_organisation
    try:
        action(org, form.reason.data or "", by=current_user._get_current_object())
    except DomainError as err:
        attach_to_form(form, err)
        return _render_detail(org, **forms, status=err.status_code)
    message = _("Inscription refusée.") if decision == "reject" else _("Organisation suspendue.")
    flash(message, "success")
    return redirect(url_for("organisations.admin_detail", organisation_id=org.id))


@bp.post("/coordination/organisations/<int:organisation_id>/refuser")
@role_required(Role.COORDINATOR)
def reject(organisation_id: int) -> ResponseReturnValue:
    return _decide_with_reason(organisation_id, "reject")


@bp.post("/coordination/organisations/<int:organisation_id>/suspendre")
@role_required(Role.COORDINATOR)
def suspend(organisation_id: int) -> ResponseReturnValue:
    return _decide_with_reason(organisation_id, "suspend")


# --- Organisation admins ------------------------------------------------------------


def _render_members(invite_form: Any = None, status: int = 200) -> ResponseReturnValue:
    org = current_user.organisation
    return render_template(
        "organisations/members.html",
        organisation=org,
        members=queries.list_members(org.id),
        invitations=queries.list_open_invitations(org.id),
        invite_form=invite_form or InviteForm(formdata=None),
    ), status


@bp.get("/organisation/membres")
@org_admin_required
def members() -> ResponseReturnValue:
    return _render_members()


@bp.post("/organisation/membres/inviter")
@org_admin_required
def invite() -> ResponseReturnValue:
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_members(form, 422)
    by = current_user._get_current_object()
    try:
        services.invite_member(by.organisation, form.email.data or "", by=by)
    except DomainError as err:
        attach_to_form(form, err)
        return _render_members(form, err.status_code)
    flash(_("Invitation envoyée à %(email)s.", email=form.email.data), "success")
    return redirect(url_for("organisations.members"))


@bp.post("/organisation/membres/<int:user_id>/retirer")
@org_admin_required
def remove_member(user_id: int) -> ResponseReturnValue:
    by = current_user._get_current_object()
    member = queries.get_member(by.organisation_id, user_id)
    try:
        services.remove_member(member, by=by)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("organisations.members"))
    flash(_("%(name)s a été retiré(e) de l'organisation.", name=member.name), "success")
    return redirect(url_for("organisations.members"))


@bp.route("/organisation/profil", methods=["GET", "POST"])
@org_admin_required
def edit_profile() -> ResponseReturnValue:
    org = current_user.organisation
    form = profile_form_for(org.kind, obj=org, department=org.department_code)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("organisations/profile.html", form=form, organisation=org), status
    try:
        services.update_profile(org, _profile_from(form), by=current_user._get_current_object())
    except DomainError as err:
        attach_to_form(form, err)
        return render_template(
            "organisations/profile.html", form=form, organisation=org
        ), err.status_code
    flash(_("Le profil de l'organisation a été mis à jour."), "success")
    return redirect(url_for("organisations.edit_profile"))


# --- Invitations --------------------------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    invitation = services.invitation_for(token)  # 404 page when the link is not usable
    form = AcceptInvitationForm()
    context = {"form": form, "invitation": invitation, "token": token}
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("organisations/accept_invitation.html", **context), status
    try:
        user = services.accept_invitation(token, form.name.data or "", form.password.data or "")
    except DomainError as err:
        attach_to_form(form, err)
        return render_template("organisations/accept_invitation.html", **context), err.status_code
    login_user(user)
    flash(_("Bienvenue ! Votre compte est créé."), "success")
    if not user.is_active_member:
        return redirect(url_for("main.pending"))
    return redirect(url_for("main.index"))
