"""Routes of the ledger: the buyer's spend (declare, correct, import, export) and the
coordinators' legal targets."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from nrhub.errors import DomainError, attach_to_form
from nrhub.formatting import paris_today
from nrhub.ledger import queries, services
from nrhub.ledger.forms import (
    NATURE_LABELS,
    TARGET_KIND_LABELS,
    ApplyImportForm,
    ImportForm,
    SpendForm,
    TargetForm,
)
from nrhub.ledger.importing import COLUMNS, TEMPLATE_ROWS, parse_sheet
from nrhub.ledger.models import SpendOrigin
from nrhub.security import Role, role_required
from nrhub.spreadsheets import SpreadsheetError, csv_response, read_table

bp = Blueprint("ledger", __name__)

ORIGIN_LABELS = {
    SpendOrigin.HUB: "Achat via la centrale",
    SpendOrigin.EXTERNAL: "Achat hors centrale",
    SpendOrigin.DONATION: "Don reçu",
}


def _year() -> int:
    year = request.args.get("annee", type=int) or paris_today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _origin_filter() -> SpendOrigin | None:
    value = request.args.get("origine") or None
    return SpendOrigin(value) if value in set(SpendOrigin) else None


def _spend_form(**kwargs: Any) -> SpendForm:
    return SpendForm(categories=queries.list_categories(), clauses=queries.list_clauses(), **kwargs)


def _refused(form: Any, err: DomainError, template: str, **ctx: Any) -> ResponseReturnValue:
    attach_to_form(form, err)
    return render_template(template, form=form, **ctx), err.status_code


@bp.get("/acheteur/depenses")
@role_required(Role.BUYER)
def index() -> ResponseReturnValue:
    year = _year()
    category_id = request.args.get("categorie", type=int)
    entries = queries.list_entries(
        current_user.organisation_id, year, origin=_origin_filter(), category_id=category_id
    )
    return render_template(
        "ledger/index.html",
        entries=entries,
        year=year,
        years=sorted({*queries.years_with_spend(current_user.organisation_id), year}, reverse=True),
        categories=queries.list_categories(),
        origin=request.args.get("origine", ""),
        category_id=category_id,
        origin_labels=ORIGIN_LABELS,
    )


LEDGER_CSV_HEADER = (
    "date", "categorie", "quantite", "montant_ht", "origine", "reemploi",
    "matieres_recyclees", "fournisseur", "siret_fournisseur", "considerations_sociales",
    "considerations_environnementales", "campagne", "clauses", "commentaire",
)  # fmt: skip


@bp.get("/acheteur/depenses.csv")
@role_required(Role.BUYER)
def export() -> ResponseReturnValue:
    year = _year()
    entries = queries.list_entries(current_user.organisation_id, year, origin=_origin_filter())
    rows = (
        (
            e.spent_on, e.category.label_fr, e.quantity, e.amount, ORIGIN_LABELS[e.origin],
            e.is_reuse, e.has_recycled_materials, e.supplier_name, e.supplier_siret,
            e.social_consideration, e.environmental_consideration, e.campaign_id,
            " | ".join(c.title for c in e.clauses), e.comment,
        )
        for e in entries
    )  # fmt: skip
    return csv_response(f"depenses-{year}.csv", LEDGER_CSV_HEADER, rows)


@bp.route("/acheteur/depenses/nouvelle", methods=["GET", "POST"])
@role_required(Role.BUYER)
def create() -> ResponseReturnValue:
    form = _spend_form()
    ctx = {"entry": None, "nature_labels": NATURE_LABELS}
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("ledger/entry_form.html", form=form, **ctx), status
    try:
        entry = services.declare_spend(form.to_input(), by=current_user)
    except DomainError as err:
        return _refused(form, err, "ledger/entry_form.html", **ctx)
    flash(_("Dépense enregistrée."), "success")
    return redirect(url_for("ledger.index", annee=entry.year))


@bp.route("/acheteur/depenses/<int:entry_id>/modifier", methods=["GET", "POST"])
@role_required(Role.BUYER)
def edit(entry_id: int) -> ResponseReturnValue:
    entry = queries.get_entry_for(current_user.organisation_id, entry_id)
    if not entry.is_declared:
        abort(409)
    form = _spend_form()
    ctx = {"entry": entry, "nature_labels": NATURE_LABELS}
    if request.method == "GET":
        form.fill_from(entry)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("ledger/entry_form.html", form=form, **ctx), status
    try:
        services.update_spend(entry, form.to_input(), by=current_user)
    except DomainError as err:
        return _refused(form, err, "ledger/entry_form.html", **ctx)
    flash(_("Dépense modifiée."), "success")
    return redirect(url_for("ledger.index", annee=entry.year))


@bp.post("/acheteur/depenses/<int:entry_id>/supprimer")
@role_required(Role.BUYER)
def delete(entry_id: int) -> ResponseReturnValue:
    entry = queries.get_entry_for(current_user.organisation_id, entry_id)
    year = entry.year
    services.delete_spend(entry, by=current_user)  # DomainError → central error page
    flash(_("Dépense supprimée."), "success")
    return redirect(url_for("ledger.index", annee=year))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ledger-import")


def _parse_upload(data: bytes, filename: str) -> tuple[list[Any], list[str]]:
    sheet = read_table(data, filename)
    parsed = parse_sheet(sheet, queries.list_categories())
    errors = parsed.errors + services.check_import(parsed.rows)
    errors.sort(key=lambda m: int(m.split(" ", 2)[1]) if m.startswith("Ligne ") else 0)
    return parsed.rows, errors


@bp.route("/acheteur/depenses/import", methods=["GET", "POST"])
@role_required(Role.BUYER)
def import_form() -> ResponseReturnValue:
    form = ImportForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("ledger/import.html", form=form, columns=COLUMNS), status
    upload = form.file.data
    data = upload.read()
    try:
        rows, errors = _parse_upload(data, upload.filename or "")
    except SpreadsheetError as err:
        form.file.errors = [str(err)]
        return render_template("ledger/import.html", form=form, columns=COLUMNS), 422
    # The token makes the preview single-use: applying it records it (services.import_spend).
    payload = _serializer().dumps(
        {"org": current_user.organisation_id, "name": upload.filename or "",
         "token": secrets.token_urlsafe(24), "data": base64.b64encode(data).decode()}
    )  # fmt: skip
    apply_form = ApplyImportForm(payload=payload)
    return render_template(
        "ledger/import_preview.html", rows=rows, errors=errors, apply_form=apply_form,
        categories={c.id: c for c in queries.list_categories()}, nature_labels=NATURE_LABELS,
    ), (422 if errors else 200)  # fmt: skip


@bp.post("/acheteur/depenses/import/appliquer")
@role_required(Role.BUYER)
def import_apply() -> ResponseReturnValue:
    form = ApplyImportForm()
    try:
        payload = _serializer().loads(form.payload.data or "")
    except BadSignature:
        abort(400)
    if payload.get("org") != current_user.organisation_id:
        abort(403)
    if "token" not in payload:  # a preview made before imports became single-use
        abort(400)
    try:
        rows, _errors = _parse_upload(base64.b64decode(payload["data"]), payload["name"])
        count = services.import_spend(
            rows, by=current_user, token=payload["token"], filename=payload["name"]
        )
    except (DomainError, SpreadsheetError) as err:
        # Refused (already applied, or a line no longer valid): nothing was written.
        refused = ImportForm(formdata=None)
        message = str(err)
        if not isinstance(err, DomainError) or err.status_code != 409:
            message = _("Import refusé, rien n'a été enregistré : %(m)s", m=message)
        attach_to_form(refused, DomainError(message))
        status = err.status_code if isinstance(err, DomainError) else 422
        return render_template("ledger/import.html", form=refused, columns=COLUMNS), status
    flash(_("%(n)d dépenses importées.", n=count), "success")
    return redirect(url_for("ledger.index"))


@bp.get("/acheteur/depenses/modele.csv")
@role_required(Role.BUYER)
def import_template() -> ResponseReturnValue:
    return csv_response("modele-import-depenses.csv", COLUMNS, TEMPLATE_ROWS)


# --- Legal targets ----------------------------------------------------------------------


@bp.get("/coordination/objectifs")
@role_required(Role.COORDINATOR)
def targets() -> ResponseReturnValue:
    return render_template(
        "ledger/targets.html", targets=queries.list_targets(), kind_labels=TARGET_KIND_LABELS
    )


@bp.route("/coordination/objectifs/nouveau", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def target_create() -> ResponseReturnValue:
    return _target_form(None)


@bp.route("/coordination/objectifs/<int:target_id>/modifier", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def target_edit(target_id: int) -> ResponseReturnValue:
    return _target_form(queries.get_target(target_id))


def _target_form(target: Any) -> ResponseReturnValue:
    form = TargetForm()
    if request.method == "GET" and target is not None:
        form.fill_from(target)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("ledger/target_form.html", form=form, target=target), status
    try:
        services.save_target(target, form.to_input(), by=current_user)
    except DomainError as err:
        return _refused(form, err, "ledger/target_form.html", target=target)
    flash(_("Objectif enregistré."), "success")
    return redirect(url_for("ledger.targets"))


@bp.post("/coordination/objectifs/<int:target_id>/supprimer")
@role_required(Role.COORDINATOR)
def target_delete(target_id: int) -> ResponseReturnValue:
    services.delete_target(queries.get_target(target_id), by=current_user)
    flash(_("Objectif supprimé."), "success")
    return redirect(url_for("ledger.targets"))
