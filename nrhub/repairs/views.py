"""Routes of the maintenance offers and of the repair requests."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from nrhub.catalog import maintenance as maintenance_offers
from nrhub.catalog.models import MaintenanceOffer
from nrhub.catalog.queries import get_listing_for_refurbisher
from nrhub.errors import DomainError, attach_to_form
from nrhub.photos import is_stored_name, read_photo, send_photo
from nrhub.repairs import maintenance, policy, queries, services
from nrhub.repairs.forms import MaintenanceForm, MessageForm, RepairRequestForm, StatusForm
from nrhub.repairs.labels import labels
from nrhub.repairs.models import RepairRequest, RepairStatus
from nrhub.security import Role, member_required, role_required
from nrhub.spreadsheets import csv_response

bp = Blueprint("repairs", __name__)

MAX_UPLOADS = services.MAX_PHOTOS + 1  # one more to tell the person, not to read them all


@bp.app_template_global("maintenance_offers_for")
def maintenance_offers_for(listing_id: int) -> list[MaintenanceOffer]:
    """The active maintenance offers of a listing, for the listing page's partial."""
    return maintenance_offers.list_for_listing(listing_id)


def _viewer_scope() -> dict[str, int]:
    if policy.can_answer_repairs(current_user) is None:
        return {"refurbisher_id": current_user.organisation_id}
    if policy.can_request_repairs(current_user) is None:
        return {"buyer_id": current_user.organisation_id}
    return {}


@bp.app_template_global("repair_figures_for_viewer")
def repair_figures_for_viewer(year: int | None = None) -> dict[str, Any]:
    """The repair figures the current person may see: the hub's, its sales' or its own;
    with ``year``, those of the requests opened that year."""
    rows, total = queries.repair_figures_with_total(**_viewer_scope(), year=year)
    return {"rows": rows, "total": total}


# --- Maintenance offers of a listing (refurbisher) --------------------------------------


def _maintenance_page(
    listing: Any, form: MaintenanceForm, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "repairs/maintenance_list.html",
            listing=listing,
            offers=maintenance_offers.list_for_listing(listing.id, active_only=False),
            form=form,
        ),
        status,
    )


@bp.route("/reconditionneur/offres/<int:listing_id>/maintenance", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def maintenance_list(listing_id: int) -> ResponseReturnValue:
    listing = get_listing_for_refurbisher(current_user, listing_id)
    form = MaintenanceForm()
    if request.method == "GET":
        return _maintenance_page(listing, form)
    if not form.validate_on_submit():
        return _maintenance_page(listing, form, 422)
    try:
        maintenance.create_maintenance_offer(listing, form.data_out(), by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _maintenance_page(listing, form, err.status_code)
    flash(_("Prestation de maintenance ajoutée."), "success")
    return redirect(url_for(".maintenance_list", listing_id=listing.id))


@bp.route(
    "/reconditionneur/offres/<int:listing_id>/maintenance/<int:offer_id>/modifier",
    methods=["GET", "POST"],
)
@role_required(Role.REFURBISHER)
def maintenance_edit(listing_id: int, offer_id: int) -> ResponseReturnValue:
    listing = get_listing_for_refurbisher(current_user, listing_id)
    offer = maintenance_offers.get_for_listing(listing, offer_id)
    form = MaintenanceForm(data=MaintenanceForm.values_of(offer))
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                maintenance.update_maintenance_offer(
                    listing, offer, form.data_out(), by=current_user
                )
            except DomainError as err:
                attach_to_form(form, err)
                status = err.status_code
            else:
                flash(_("Prestation de maintenance mise à jour."), "success")
                return redirect(url_for(".maintenance_list", listing_id=listing.id))
    return (
        render_template("repairs/maintenance_form.html", listing=listing, offer=offer, form=form),
        status,
    )


@bp.post("/reconditionneur/offres/<int:listing_id>/maintenance/<int:offer_id>/supprimer")
@role_required(Role.REFURBISHER)
def maintenance_delete(listing_id: int, offer_id: int) -> ResponseReturnValue:
    listing = get_listing_for_refurbisher(current_user, listing_id)
    offer = maintenance_offers.get_for_listing(listing, offer_id)
    try:
        maintenance.delete_maintenance_offer(listing, offer, by=current_user)
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Prestation supprimée."), "info")
    return redirect(url_for(".maintenance_list", listing_id=listing.id))


# --- Repair requests --------------------------------------------------------------------


def _status_arg() -> RepairStatus | None:
    value = request.args.get("statut", "")
    return RepairStatus(value) if value in set(RepairStatus) else None


def _list(side: str) -> ResponseReturnValue:
    status = _status_arg()
    return render_template(
        "repairs/request_list.html",
        side=side,
        rows=queries.list_requests_for(current_user, status),
        status=status,
        labels=labels(),
    )


def _detail(
    side: str, repair: RepairRequest, status: int = 200, **forms: Any
) -> ResponseReturnValue:
    if side != "coordinator":
        forms.setdefault("message_form", MessageForm(formdata=None))
    if side == "refurbisher" and repair.next_statuses:
        status_form = forms.setdefault("status_form", StatusForm(formdata=None))
        status_form.status.choices = [
            SelectChoice(s.value, labels()["action"][s.value]) for s in repair.next_statuses
        ]
    return (
        render_template(
            "repairs/request_detail.html", side=side, repair=repair, labels=labels(), **forms
        ),
        status,
    )


@bp.get("/acheteur/reparations")
@role_required(Role.BUYER)
def buyer_list() -> ResponseReturnValue:
    return _list("buyer")


@bp.route("/acheteur/reparations/nouvelle", methods=["GET", "POST"])
@role_required(Role.BUYER)
def buyer_new() -> ResponseReturnValue:
    delivery_id = request.args.get("livraison", type=int)
    lines = queries.received_lines_for(current_user.organisation_id, delivery_id)
    form = RepairRequestForm()
    form.delivery_line_id.choices = [
        SelectChoice(line.delivery_line_id, line.label) for line in lines
    ]
    status = 200
    if request.method == "POST":
        status = 422
        photos = [f for f in request.files.getlist("photos")[:MAX_UPLOADS] if f.filename]
        if form.validate_on_submit():
            try:
                repair = services.open_repair_request(
                    form.data_out(), [read_photo(f) for f in photos], by=current_user
                )
            except DomainError as err:
                attach_to_form(form, err)
                status = err.status_code
            else:
                flash(_("Demande de réparation envoyée au reconditionneur."), "success")
                return redirect(url_for(".buyer_detail", request_id=repair.id))
    return render_template("repairs/request_form.html", form=form, lines=lines), status


@bp.get("/acheteur/reparations/<int:request_id>")
@role_required(Role.BUYER)
def buyer_detail(request_id: int) -> ResponseReturnValue:
    return _detail("buyer", queries.get_request_for(current_user, request_id))


@bp.get("/reconditionneur/reparations")
@role_required(Role.REFURBISHER)
def refurbisher_list() -> ResponseReturnValue:
    return _list("refurbisher")


@bp.get("/reconditionneur/reparations/<int:request_id>")
@role_required(Role.REFURBISHER)
def refurbisher_detail(request_id: int) -> ResponseReturnValue:
    return _detail("refurbisher", queries.get_request_for(current_user, request_id))


@bp.post("/reconditionneur/reparations/<int:request_id>/statut")
@role_required(Role.REFURBISHER)
def refurbisher_status(request_id: int) -> ResponseReturnValue:
    repair = queries.get_request_for(current_user, request_id)
    form = StatusForm()
    form.status.choices = [SelectChoice(s.value, s.value) for s in repair.next_statuses]
    if not form.validate_on_submit():
        return _detail("refurbisher", repair, 422, status_form=form)
    try:
        services.change_status(repair, form.status.data, form.message.data or "", by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _detail("refurbisher", repair, err.status_code, status_form=form)
    flash(_("Demande mise à jour ; l'acheteur est prévenu."), "success")
    return redirect(url_for(".refurbisher_detail", request_id=request_id))


def _post_message(side: str, request_id: int) -> ResponseReturnValue:
    repair = queries.get_request_for(current_user, request_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _detail(side, repair, 422, message_form=form)
    try:
        services.add_message(repair, form.body.data or "", by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _detail(side, repair, err.status_code, message_form=form)
    flash(_("Message envoyé."), "success")
    return redirect(url_for(f".{side}_detail", request_id=request_id) + "#fil")


@bp.post("/acheteur/reparations/<int:request_id>/message")
@role_required(Role.BUYER)
def buyer_message(request_id: int) -> ResponseReturnValue:
    return _post_message("buyer", request_id)


@bp.post("/reconditionneur/reparations/<int:request_id>/message")
@role_required(Role.REFURBISHER)
def refurbisher_message(request_id: int) -> ResponseReturnValue:
    return _post_message("refurbisher", request_id)


@bp.get("/coordination/reparations")
@role_required(Role.COORDINATOR)
def coordinator_list() -> ResponseReturnValue:
    return _list("coordinator")


@bp.get("/coordination/reparations/<int:request_id>")
@role_required(Role.COORDINATOR)
def coordinator_detail(request_id: int) -> ResponseReturnValue:
    return _detail("coordinator", queries.get_request_for(current_user, request_id))


@bp.get("/reparations/photos/<name>")
@member_required
def photo(name: str) -> ResponseReturnValue:
    """A photo of a request the person's organisation may see."""
    if not is_stored_name(name):
        abort(404)
    item = queries.photo_for(current_user, name)
    if item is None:
        abort(404)
    return send_photo(name, item.content_type, max_age=3600)


FIGURES_HEADER = (
    "reconditionneur",
    "demandes",
    "ouvertes",
    "en_cours",
    "reparees",
    "remplacees",
    "refusees",
    "part_reparee",
    "delai_median_jours",
)


@bp.get("/reparations/indicateurs.csv")
@member_required
def figures_csv() -> ResponseReturnValue:
    """The repair figures of the dashboards' table, for the same scope and year."""
    year = request.args.get("annee", type=int)
    if year is not None and not 2000 <= year <= 2100:
        abort(404)
    rows = [
        (
            r.refurbisher_name,
            r.total,
            r.open,
            r.in_progress,
            r.repaired,
            r.replaced,
            r.refused,
            None if r.repaired_share is None else round(r.repaired_share, 4),
            r.median_days,
        )
        for r in queries.repair_figures(**_viewer_scope(), year=year)
    ]
    name = f"reparations-{year}.csv" if year else "reparations.csv"
    return csv_response(name, FIGURES_HEADER, rows)
