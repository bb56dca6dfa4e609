"""Routes of the donation lots (``/dons``) and of the retired stock
(``/acheteur/parc-reforme``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from nrhub.catalog import origins
from nrhub.catalog.browse import category_choices
from nrhub.donations import exports, files, forms, policy, queries, reen, services
from nrhub.donations.models import DonationClaim, DonationLot, DonationLotPhoto, ReenCategory
from nrhub.errors import ConflictError, DomainError, attach_to_form
from nrhub.extensions import db
from nrhub.formatting import current_language
from nrhub.photos import PhotoForm, is_stored_name, names_of, read_photo, send_photo
from nrhub.security import Role, member_required, role_required
from nrhub.uploads import read_upload

bp = Blueprint("donations", __name__)


@bp.record_once
def _provide_listing_origins(state: BlueprintSetupState) -> None:
    """The catalogue, below this area, asks it where a listing's units come from."""
    origins.provide(
        state.app,
        origins.OriginProvider(
            lots_picked_up_by=queries.lots_picked_up_by,
            donor_of_listing=queries.donor_of_listing,
        ),
    )


@bp.app_context_processor
def _donation_labels() -> dict[str, Any]:
    return {
        "age_labels": forms.AGE_LABELS,
        "condition_labels": forms.CONDITION_LABELS,
        "claim_status_labels": forms.CLAIM_STATUS_LABELS,
        "lot_status_labels": forms.LOT_STATUS_LABELS,
        "reach_labels": forms.REACH_LABELS,
    }


# ----------------------------------------------------------------------------- lots


@bp.get("/dons")
@member_required
def index() -> ResponseReturnValue:
    org = current_user.organisation
    if policy.can_give(current_user) is None:
        return render_template(
            "donations/index_buyer.html", lots=queries.list_lots_of_donor(org.id)
        )
    if policy.can_claim_lots(current_user) is None:
        return render_template(
            "donations/index_refurbisher.html",
            lots=queries.list_open_lots_for(org),
            claims=queries.list_claims_of(org.id),
        )
    return render_template("donations/index_coordinator.html", lots=queries.list_all_lots())


@bp.get("/dons/export.csv")
@member_required
def export() -> ResponseReturnValue:
    """The lots of the person's /dons page, in French whatever the interface language."""
    return exports.lots_csv(queries.list_lots_for_export(current_user))


@bp.route("/dons/nouveau", methods=["GET", "POST"])
@role_required(Role.BUYER)
def create() -> ResponseReturnValue:
    form = forms.LotForm(categories=category_choices(current_language()))
    if request.method == "GET":
        org = current_user.organisation
        form.pickup_address.data = form.pickup_address.data or org.address
        form.pickup_postcode.data = form.pickup_postcode.data or org.postcode
        form.pickup_city.data = form.pickup_city.data or org.city
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("donations/lot_form.html", form=form), status
    try:
        lot = services.create_lot(form.lot_data(), by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return render_template("donations/lot_form.html", form=form), err.status_code
    flash(
        _("Lot n° %(id)d proposé aux reconditionneurs de votre département.", id=lot.id), "success"
    )
    return redirect(url_for("donations.detail", lot_id=lot.id))


def _render_edit(form: forms.LotForm, lot: DonationLot, status: int) -> ResponseReturnValue:
    held = lot.quantity - lot.remaining_quantity
    return render_template("donations/lot_form.html", form=form, lot=lot, held=held), status


@bp.route("/dons/<int:lot_id>/modifier", methods=["GET", "POST"])
@role_required(Role.BUYER)
def edit(lot_id: int) -> ResponseReturnValue:
    lot = queries.get_lot_for(current_user, lot_id)
    if request.method == "GET":
        try:
            services.check_lot_editable(lot)
        except ConflictError as err:
            flash(str(err), "error")
            return redirect(url_for("donations.detail", lot_id=lot.id))
    form = forms.LotForm(
        categories=category_choices(current_language()), data=forms.lot_form_values(lot)
    )
    if not form.validate_on_submit():
        return _render_edit(form, lot, 422 if request.method == "POST" else 200)
    try:
        services.update_lot(lot, form.lot_data(), by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _render_edit(form, queries.get_lot_for(current_user, lot_id), err.status_code)
    flash(_("Lot n° %(id)d modifié.", id=lot_id), "success")
    return redirect(url_for("donations.detail", lot_id=lot_id))


def _render_detail(lot: DonationLot, status: int = 200, **extra: Any) -> ResponseReturnValue:
    claim_form = extra.pop("claim_form", None)
    if claim_form is None:
        claim_form = forms.ClaimForm(formdata=None, data={"quantity": lot.remaining_quantity})
    context = {
        "lot": lot,
        "claims": queries.claims_for(current_user, lot),
        "claim_form": claim_form,
        "refuse_form": extra.pop("refuse_form", None) or forms.RefuseForm(formdata=None),
        "refuse_claim_id": extra.pop("refuse_claim_id", None),
        "can_claim": policy.can_claim_lots(current_user) is None
        and lot.is_claimable
        and queries.lot_visible_to(lot, current_user.organisation),
        "can_edit": _is_donor(lot) and queries.lot_is_editable(lot),
    }
    return render_template("donations/lot_detail.html", **context, **extra), status


def _is_donor(lot: DonationLot) -> bool:
    return policy.can_manage_lot(current_user, lot) is None


@bp.get("/dons/<int:lot_id>")
@member_required
def detail(lot_id: int) -> ResponseReturnValue:
    return _render_detail(queries.get_lot_for(current_user, lot_id))


@bp.post("/dons/<int:lot_id>/retirer")
@role_required(Role.BUYER)
def withdraw(lot_id: int) -> ResponseReturnValue:
    lot = queries.get_lot_for(current_user, lot_id)
    try:
        services.withdraw_lot(lot, by=current_user)
    except DomainError as err:
        flash(str(err), "error")
        return redirect(url_for("donations.detail", lot_id=lot.id))
    flash(_("Lot retiré : il n'est plus proposé aux reconditionneurs."), "info")
    return redirect(url_for("donations.detail", lot_id=lot.id))


@bp.route("/dons/<int:lot_id>/photos", methods=["GET", "POST"])
@role_required(Role.BUYER)
def photos(lot_id: int) -> ResponseReturnValue:
    lot = queries.get_lot_for(current_user, lot_id)
    form = PhotoForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_lot_photo(
                lot, read_photo(form.photo.data), by=current_user, alt_text=form.alt_text.data or ""
            )
        except DomainError as err:
            attach_to_form(form, err)
            status = err.status_code
        else:
            flash(_("Photo ajoutée."), "success")
            return redirect(url_for("donations.photos", lot_id=lot.id))
    elif request.method == "POST":
        status = 422
    lot = queries.get_lot_for(current_user, lot_id)
    return render_template(
        "donations/lot_photos.html", form=form, lot=lot, can_edit=queries.lot_is_editable(lot)
    ), status


@bp.post("/dons/<int:lot_id>/photos/<int:photo_id>/supprimer")
@role_required(Role.BUYER)
def delete_photo(lot_id: int, photo_id: int) -> ResponseReturnValue:
    lot = queries.get_lot_for(current_user, lot_id)
    try:
        services.remove_lot_photo(lot, photo_id, by=current_user)  # another lot's photo: 404
    except ConflictError as err:
        flash(str(err), "error")
    else:
        flash(_("Photo supprimée."), "info")
    return redirect(url_for("donations.photos", lot_id=lot_id))


@bp.get("/dons/photos/<name>")
@member_required
def photo(name: str) -> ResponseReturnValue:
    """A lot's photo, to the people who may see the lot."""
    if not is_stored_name(name):
        abort(404)
    row = db.session.execute(
        select(DonationLotPhoto.content_type, DonationLotPhoto.lot_id).where(
            names_of(DonationLotPhoto, name)
        )
    ).first()
    if row is None:
        abort(404)
    content_type, lot_id = row
    queries.get_lot_for(current_user, lot_id)
    return send_photo(name, content_type, max_age=3600)


# ----------------------------------------------------------------------------- claims


@bp.post("/dons/<int:lot_id>/reserver")
@role_required(Role.REFURBISHER)
def claim(lot_id: int) -> ResponseReturnValue:
    lot = queries.get_lot_for(current_user, lot_id)
    form = forms.ClaimForm()
    if not form.validate_on_submit():
        return _render_detail(lot, 422, claim_form=form)
    try:
        services.claim_lot(
            lot, int(form.quantity.data or 0), by=current_user, message=form.message.data or ""
        )
    except DomainError as err:
        attach_to_form(form, err)
        lot = queries.get_lot_for(current_user, lot_id)
        return _render_detail(lot, err.status_code, claim_form=form)
    flash(_("Réservation envoyée : la collectivité va l'accepter ou la refuser."), "success")
    return redirect(url_for("donations.detail", lot_id=lot_id))


def _claim_of(claim_id: int) -> DonationClaim:
    return queries.get_claim_for(current_user, claim_id)


@bp.post("/dons/reservations/<int:claim_id>/accepter")
@role_required(Role.BUYER)
def accept(claim_id: int) -> ResponseReturnValue:
    item = _claim_of(claim_id)
    lot_id = item.lot_id
    try:
        services.accept_claim(item, by=current_user)
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Réservation acceptée : le reconditionneur est prévenu."), "success")
    return redirect(url_for("donations.detail", lot_id=lot_id))


@bp.post("/dons/reservations/<int:claim_id>/refuser")
@role_required(Role.BUYER)
def refuse(claim_id: int) -> ResponseReturnValue:
    item = _claim_of(claim_id)
    lot_id = item.lot_id
    form = forms.RefuseForm()
    if form.validate_on_submit():
        try:
            services.refuse_claim(item, form.reason.data or "", by=current_user)
        except DomainError as err:
            attach_to_form(form, err)
        else:
            flash(_("Réservation refusée : les unités sont de nouveau proposées."), "info")
            return redirect(url_for("donations.detail", lot_id=lot_id))
    lot = queries.get_lot_for(current_user, lot_id)
    return _render_detail(lot, 422, refuse_form=form, refuse_claim_id=claim_id)


@bp.post("/dons/reservations/<int:claim_id>/annuler")
@role_required(Role.REFURBISHER)
def cancel(claim_id: int) -> ResponseReturnValue:
    item = _claim_of(claim_id)
    try:
        services.cancel_claim(item, by=current_user)
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Réservation annulée."), "info")
    return redirect(url_for("donations.index"))


@bp.route("/dons/reservations/<int:claim_id>/enlevement", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def pickup(claim_id: int) -> ResponseReturnValue:
    item = _claim_of(claim_id)
    form = forms.PickupForm().bound_by(item.lot.available_from)
    if request.method == "GET" and item.status == "accepted":
        form.quantity.data = item.quantity
    if form.validate_on_submit():
        try:
            services.record_pickup(
                item, form.picked_up_on.data, int(form.quantity.data or 0), by=current_user
            )
        except DomainError as err:
            attach_to_form(form, err)
            item = _claim_of(claim_id)
            return render_template("donations/pickup_form.html", form=form, claim=item), (
                err.status_code
            )
        flash(_("Enlèvement enregistré."), "success")
        return redirect(url_for("donations.detail", lot_id=item.lot_id))
    status = 422 if request.method == "POST" else 200
    return render_template("donations/pickup_form.html", form=form, claim=item), status


@bp.route("/dons/reservations/<int:claim_id>/devenir", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def outcome(claim_id: int) -> ResponseReturnValue:
    item = _claim_of(claim_id)
    form = forms.OutcomeForm()
    if form.validate_on_submit():
        upload = form.certificate.data
        data = read_upload(upload) if upload and getattr(upload, "filename", "") else None
        try:
            services.record_outcome(
                item,
                int(form.units_reused.data or 0),
                int(form.units_recycled.data or 0),
                by=current_user,
                certificate=data,
            )
        except DomainError as err:
            attach_to_form(form, err)
            item = _claim_of(claim_id)
            return render_template("donations/outcome_form.html", form=form, claim=item), (
                err.status_code
            )
        flash(_("Devenir des unités enregistré. Merci !"), "success")
        return redirect(url_for("donations.detail", lot_id=item.lot_id))
    status = 422 if request.method == "POST" else 200
    return render_template("donations/outcome_form.html", form=form, claim=item), status


@bp.get("/dons/reservations/<int:claim_id>/certificat")
@member_required
def certificate(claim_id: int) -> ResponseReturnValue:
    """The data-wiping certificate, to the donor, the claimant and the coordinator."""
    item = _claim_of(claim_id)
    return _stored_file(
        item.certificate_filename,
        item.certificate_content_type,
        f"certificat-effacement-lot-{item.lot_id}-{item.id}",
    )


def _stored_file(stored: str | None, content_type: str | None, stem: str) -> ResponseReturnValue:
    """A stored certificate or proof as a download named ``stem`` (its extension kept);
    404 when there is none or its file is gone. ``content_type`` None: told by the
    extension."""
    if not stored:
        abort(404)
    try:
        path = files.certificate_path(stored)
    except files.CertificateError:
        abort(404)
    if not path.is_file():
        abort(404)
    extension = stored.rsplit(".", 1)[-1]
    return _attachment(
        path, content_type or files.CONTENT_TYPES.get(extension), f"{stem}.{extension}"
    )


def _attachment(path: Path, content_type: str | None, name: str) -> ResponseReturnValue:
    """A stored file as a download that the browser never renders inline."""
    response = send_file(
        path,
        mimetype=content_type or "application/octet-stream",
        as_attachment=True,
        download_name=name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ----------------------------------------------------------------------------- settings


@bp.route("/dons/reglages", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def settings() -> ResponseReturnValue:
    form = forms.SettingsForm(data={"widen_after_days": queries.widen_after_days()})
    if form.validate_on_submit():
        try:
            services.save_settings(int(form.widen_after_days.data or 0), by=current_user)
        except DomainError as err:
            attach_to_form(form, err)
        else:
            flash(_("Réglage enregistré."), "success")
            return redirect(url_for("donations.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("donations/settings.html", form=form), status


# ----------------------------------------------------------------------------- retired stock


@bp.route("/acheteur/parc-reforme", methods=["GET", "POST"])
@role_required(Role.BUYER)
def retired_stock() -> ResponseReturnValue:
    form = forms.RetiredStockForm()
    year = request.args.get("annee", type=int)
    if request.method == "GET" and year:
        category = request.args.get("categorie", "")
        rows = {
            (r.year, r.reen_category): r
            for r in queries.retired_stock_of(current_user.organisation_id)
        }
        form.year.data = year
        categories = {c.value for c in ReenCategory}
        if category in categories:
            form.reen_category.data = category
        row = rows.get((year or 0, ReenCategory(category) if category in categories else None))
        if row is not None:
            form.units.data = row.units
            form.weight_kg.data = row.weight_kg
    if form.validate_on_submit():
        try:
            services.save_retired_stock(
                int(form.year.data or 0),
                int(form.units.data or 0),
                form.weight_kg.data,
                by=current_user,
                reen_category=form.reen_category.data or "",
                in_scope=bool(form.in_scope.data),
            )
        except DomainError as err:
            attach_to_form(form, err)
        else:
            flash(_("Parc réformé au 1er janvier %(y)d enregistré.", y=form.year.data), "success")
            return redirect(url_for("donations.retired_stock"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "donations/retired_stock.html",
        form=form,
        rows=queries.retired_stock_of(current_user.organisation_id),
        categories=forms.REEN_CATEGORY_LABELS,
    ), status


@bp.route("/acheteur/parc-reforme/sorties", methods=["GET", "POST"])
@role_required(Role.BUYER)
def retired_outcomes() -> ResponseReturnValue:
    """Retired equipment sent out by another route than a hub donation lot (REEN)."""
    form = forms.RetiredOutcomeForm()
    if form.validate_on_submit():
        upload = form.proof.data
        proof = read_upload(upload) if upload and getattr(upload, "filename", "") else None
        try:
            reen.record_outcome(
                reen.OutcomeInput(
                    outcome_on=form.outcome_on.data,
                    route=form.route.data or "",
                    reen_category=form.reen_category.data or "",
                    units=int(form.units.data or 0),
                    receiver=form.receiver.data or "",
                    reuse_committed=bool(form.reuse_committed.data),
                    in_scope=bool(form.in_scope.data),
                ),
                proof,
                by=current_user,
            )
        except DomainError as err:
            attach_to_form(form, err)
        else:
            flash(_("Sortie de matériel réformé enregistrée."), "success")
            return redirect(url_for("donations.retired_outcomes"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "donations/retired_outcomes.html",
        form=form,
        outcomes=reen.outcomes_of(current_user.organisation_id),
        routes=forms.RETIRED_ROUTE_LABELS,
        categories=forms.REEN_CATEGORY_LABELS,
        staff_cap=reen.STAFF_CAP_EUROS,
        staff_cap_source=reen.STAFF_CAP_SOURCE,
        association_cap_source=reen.ASSOCIATION_CAP_SOURCE,
    ), status


@bp.get("/acheteur/parc-reforme/sorties/<int:outcome_id>/justificatif")
@role_required(Role.BUYER, Role.COORDINATOR)
def outcome_proof(outcome_id: int) -> ResponseReturnValue:
    """The proof of an outcome, to its buyer's people and to the coordinators only."""
    outcome = reen.get_outcome_for(current_user, outcome_id)
    return _stored_file(outcome.proof_name, None, f"justificatif-sortie-{outcome.id}")
