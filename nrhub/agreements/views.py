"""Routes of the legal frame: membership agreements (coordination and each buyer) and
framework agreements (coordination writes; buyers read all, refurbishers those they hold)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from nrhub import uploads
from nrhub.agreements import frameworks, memberships, policy, queries
from nrhub.agreements.forms import FrameworkForm, HolderForm, LotForm, MembershipForm
from nrhub.agreements.models import FrameworkAgreement, FrameworkLot, MembershipAgreement
from nrhub.catalog.queries import list_categories
from nrhub.db import utcnow
from nrhub.errors import DomainError
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.forms import attach_domain_error
from nrhub.security import Role, role_required

bp = Blueprint("agreements", __name__)

READERS = (Role.COORDINATOR, Role.BUYER, Role.REFURBISHER)


def _form_page(form: Any, title: str, back: str, status: int, **extra: Any) -> ResponseReturnValue:
    return (
        render_template("agreements/form.html", form=form, title=title, back=back, **extra),
        status,
    )


# ------------------------------------------------------------------ memberships


@bp.get("/adhesions/")
@role_required(Role.COORDINATOR, Role.BUYER)
def memberships_index() -> ResponseReturnValue:
    today = paris_date_of(utcnow())
    if policy.can_record_memberships(current_user) is None:
        return render_template(
            "agreements/membership_list.html", rows=queries.coverage(today), today=today
        )
    return render_template(
        "agreements/membership_own.html",
        agreements=queries.memberships_of(current_user.organisation_id),
        covered=memberships.is_covered(current_user.organisation_id, today),
        today=today,
    )


@bp.route("/adhesions/nouvelle/<int:buyer_id>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def membership_create(buyer_id: int) -> ResponseReturnValue:
    buyer = queries.get_buyer(buyer_id)
    form = MembershipForm()
    title = _("Convention d'adhésion de %(name)s", name=buyer.name)
    back = url_for("agreements.memberships_index")
    if not form.validate_on_submit():
        return _membership_page(form, title, back, 422 if form.is_submitted() else 200)
    try:
        memberships.record_membership(
            buyer.id, form.data_object(), form.document_bytes(), by=current_user
        )
    except DomainError as err:
        attach_domain_error(form, err)
        return _membership_page(form, title, back, err.status_code)
    flash(_("Convention d'adhésion enregistrée."), "success")
    return redirect(back)


@bp.route("/adhesions/<int:agreement_id>/modifier", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def membership_edit(agreement_id: int) -> ResponseReturnValue:
    agreement = queries.get_membership_for(current_user, agreement_id)
    form = MembershipForm(obj=agreement)
    if not form.is_submitted():
        form.version.data = memberships.version_of(agreement)
    title = _("Convention d'adhésion de %(name)s", name=agreement.buyer.name)
    back = url_for("agreements.memberships_index")
    if not form.validate_on_submit():
        return _membership_page(form, title, back, 422 if form.is_submitted() else 200, agreement)
    try:
        memberships.update_membership(
            agreement,
            form.data_object(),
            form.document_bytes(),
            by=current_user,
            version=form.version.data or None,
        )
    except DomainError as err:
        attach_domain_error(form, err)
        return _membership_page(form, title, back, err.status_code, agreement)
    flash(_("Convention d'adhésion enregistrée."), "success")
    return redirect(back)


def _membership_page(
    form: MembershipForm,
    title: str,
    back: str,
    status: int,
    agreement: MembershipAgreement | None = None,
) -> ResponseReturnValue:
    return _form_page(form, title, back, status, multipart=True, membership=agreement)


@bp.get("/adhesions/<int:agreement_id>/convention.pdf")
@role_required(Role.COORDINATOR, Role.BUYER)
def membership_document(agreement_id: int) -> ResponseReturnValue:
    agreement = queries.get_membership_for(current_user, agreement_id)
    if not agreement.document_name:
        abort(404)
    path = uploads.safe_pdf_path(memberships.document_directory(), agreement.document_name)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"convention-adhesion-{agreement.id}.pdf",
        max_age=0,
    )
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------- framework agreements


@bp.get("/accords-cadres/")
@role_required(*READERS)
def frameworks_index() -> ResponseReturnValue:
    return render_template(
        "agreements/framework_list.html",
        agreements=queries.list_frameworks(current_user),
        near_maximum=queries.near_maximum,
    )


@bp.get("/accords-cadres/<int:agreement_id>")
@role_required(*READERS)
def framework_detail(agreement_id: int) -> ResponseReturnValue:
    agreement = queries.get_framework_for(current_user, agreement_id)
    return render_template(
        "agreements/framework_detail.html",
        agreement=agreement,
        near_maximum=queries.near_maximum,
        share=queries.share,
        holder_forms={lot.id: _holder_form(lot.id) for lot in agreement.lots}
        if policy.can_manage_frameworks(current_user) is None
        else {},
    )


def _holder_form(lot_id: int) -> HolderForm:
    """One form per lot on the page: its own prefix keeps field ids unique."""
    form = HolderForm(prefix=f"lot{lot_id}")
    form.refurbisher_id.choices = [
        SelectChoice(org_id, name) for org_id, name in queries.refurbisher_choices()
    ]
    return form


@bp.route("/accords-cadres/nouveau", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def framework_create() -> ResponseReturnValue:
    form = FrameworkForm()
    title, back = _("Nouvel accord-cadre"), url_for("agreements.frameworks_index")
    if not form.validate_on_submit():
        return _form_page(form, title, back, 422 if form.is_submitted() else 200)
    try:
        agreement = frameworks.create_framework(form.data_object(), by=current_user)
    except DomainError as err:
        attach_domain_error(form, err)
        return _form_page(form, title, back, err.status_code)
    flash(_("Accord-cadre enregistré : ajoutez-lui ses lots."), "success")
    return redirect(url_for("agreements.framework_detail", agreement_id=agreement.id))


@bp.route("/accords-cadres/<int:agreement_id>/modifier", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def framework_edit(agreement_id: int) -> ResponseReturnValue:
    agreement = queries.get_framework_for(current_user, agreement_id)
    form = FrameworkForm(obj=agreement)
    if not form.is_submitted():
        form.version.data = frameworks.version_of(agreement)
    title = _("Modifier l'accord-cadre %(reference)s", reference=agreement.reference)
    back = url_for("agreements.framework_detail", agreement_id=agreement.id)
    if not form.validate_on_submit():
        return _form_page(form, title, back, 422 if form.is_submitted() else 200)
    try:
        frameworks.update_framework(
            agreement, form.data_object(), by=current_user, version=form.version.data or None
        )
    except DomainError as err:
        attach_domain_error(form, err)
        return _form_page(form, title, back, err.status_code)
    flash(_("Accord-cadre enregistré."), "success")
    return redirect(back)


def _lot_form(lot: FrameworkLot | None) -> LotForm:
    form = LotForm(obj=lot)
    if lot is not None and not form.is_submitted():
        form.category_ids.data = [c.id for c in lot.categories]
    form.category_ids.choices = [SelectChoice(c.id, c.label_fr) for c in list_categories()]
    return form


@bp.route("/accords-cadres/<int:agreement_id>/lots/nouveau", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def lot_create(agreement_id: int) -> ResponseReturnValue:
    agreement = queries.get_framework_for(current_user, agreement_id)
    return _lot_page(agreement, None)


@bp.route("/accords-cadres/<int:agreement_id>/lots/<int:lot_id>/modifier", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def lot_edit(agreement_id: int, lot_id: int) -> ResponseReturnValue:
    agreement = queries.get_framework_for(current_user, agreement_id)
    return _lot_page(agreement, queries.get_lot(agreement, lot_id))


def _lot_page(agreement: FrameworkAgreement, lot: FrameworkLot | None) -> ResponseReturnValue:
    form = _lot_form(lot)
    title = (
        _("Modifier le lot %(number)s", number=lot.number)
        if lot
        else _("Nouveau lot de l'accord-cadre %(reference)s", reference=agreement.reference)
    )
    back = url_for("agreements.framework_detail", agreement_id=agreement.id)
    if not form.validate_on_submit():
        return _form_page(form, title, back, 422 if form.is_submitted() else 200)
    try:
        if lot is None:
            frameworks.add_lot(agreement, form.data_object(), by=current_user)
        else:
            frameworks.update_lot(lot, form.data_object(), by=current_user)
    except DomainError as err:
        attach_domain_error(form, err)
        return _form_page(form, title, back, err.status_code)
    flash(_("Lot enregistré."), "success")
    return redirect(back)


@bp.post("/accords-cadres/<int:agreement_id>/lots/<int:lot_id>/titulaires")
@role_required(Role.COORDINATOR)
def holder_add(agreement_id: int, lot_id: int) -> ResponseReturnValue:
    agreement = queries.get_framework_for(current_user, agreement_id)
    lot = queries.get_lot(agreement, lot_id)
    form = _holder_form(lot.id)
    back = url_for("agreements.framework_detail", agreement_id=agreement.id)
    if not form.validate_on_submit() or form.refurbisher_id.data is None:
        flash(_("Choisissez un reconditionneur de la liste."), "error")
        return redirect(back)
    try:
        with db.session.begin_nested():  # a refused holder leaves nothing behind
            frameworks.add_holder(
                lot, form.refurbisher_id.data, form.reference.data or "", by=current_user
            )
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Titulaire ajouté au lot."), "success")
    return redirect(back)


@bp.post("/accords-cadres/<int:agreement_id>/lots/<int:lot_id>/titulaires/<int:holder_id>/retirer")
@role_required(Role.COORDINATOR)
def holder_remove(agreement_id: int, lot_id: int, holder_id: int) -> ResponseReturnValue:
    agreement = queries.get_framework_for(current_user, agreement_id)
    lot = queries.get_lot(agreement, lot_id)
    frameworks.remove_holder(lot, holder_id, by=current_user)
    flash(_("Titulaire retiré du lot."), "success")
    return redirect(url_for("agreements.framework_detail", agreement_id=agreement.id))
