"""Routes of the clause library: every active member reads, coordinators write."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from nrhub.clauses import queries, services
from nrhub.clauses.forms import ClauseEditForm
from nrhub.clauses.labels import labels
from nrhub.clauses.models import Clause, ClauseKind, ClauseTheme
from nrhub.errors import DomainError
from nrhub.security import Role, member_required, role_required

bp = Blueprint("clauses", __name__, url_prefix="/clauses")


@bp.get("/")
@member_required
def index() -> ResponseReturnValue:
    kind = request.args.get("nature")
    theme = request.args.get("theme")
    clauses = queries.list_clauses(
        kind=ClauseKind(kind) if kind in set(ClauseKind) else None,
        theme=theme if theme in set(ClauseTheme) else None,
    )
    return render_template(
        "clauses/clause_list.html", clauses=clauses, labels=labels(), kind=kind, theme=theme
    )


@bp.get("/<int:clause_id>")
@member_required
def detail(clause_id: int) -> ResponseReturnValue:
    clause = queries.get_clause(clause_id)
    return render_template("clauses/clause_detail.html", clause=clause, labels=labels())


@bp.route("/nouvelle", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def create() -> ResponseReturnValue:
    form = ClauseEditForm()
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if form.is_submitted() else 200)
    try:
        clause = services.create_clause(form.data_object(), by=current_user)
    except DomainError as err:
        form.form_errors.append(str(err))
        return _form_page(form, None, err.status_code)
    flash(_("Clause ajoutée au clausier."), "success")
    return redirect(url_for("clauses.detail", clause_id=clause.id))


@bp.route("/<int:clause_id>/modifier", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit(clause_id: int) -> ResponseReturnValue:
    clause = queries.get_clause(clause_id)
    form = ClauseEditForm(obj=clause, clause_form=clause.form)
    if not form.is_submitted():
        form.version.data = services.version_of(clause)
    if not form.validate_on_submit():
        return _form_page(form, clause, 422 if form.is_submitted() else 200)
    try:
        services.update_clause(
            clause, form.data_object(), by=current_user, version=form.version.data or None
        )
    except DomainError as err:
        form.form_errors.append(str(err))
        return _form_page(form, clause, err.status_code)
    flash(_("Clause enregistrée."), "success")
    return redirect(url_for("clauses.detail", clause_id=clause.id))


def _form_page(form: ClauseEditForm, clause: Clause | None, status: int) -> ResponseReturnValue:
    return render_template("clauses/clause_form.html", form=form, clause=clause), status
