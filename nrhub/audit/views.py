"""The audit log, for coordinators."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from nrhub.audit.forms import AuditFilterForm
from nrhub.audit.queries import list_actions, list_events
from nrhub.organisations.queries import organisation_choices
from nrhub.security import Role, role_required

bp = Blueprint("audit", __name__)


@bp.get("/coordination/journal")
@role_required(Role.COORDINATOR)
def index() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    organisations = organisation_choices()
    everything = SelectChoice("", _("Toutes"))
    form.organisation.choices = [everything] + [SelectChoice(str(i), n) for i, n in organisations]
    form.action.choices = [everything] + [SelectChoice(a, a) for a in list_actions()]
    valid = form.validate()
    organisation_id = int(form.organisation.data) if valid and form.organisation.data else None
    action = form.action.data if valid and form.action.data else None
    page = list_events(organisation_id, action, page=(form.page.data if valid else None) or 1)
    filters = {"organisation": form.organisation.data or "", "action": action or ""}
    return render_template("audit/index.html", form=form, page=page, filters=filters)
