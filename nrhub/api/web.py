"""Web pages of the API: one's personal tokens (/compte/jetons) and the documentation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from nrhub.api import tokens
from nrhub.api.openapi import document
from nrhub.db import utcnow
from nrhub.errors import DomainError, attach_to_form
from nrhub.forms import Form
from nrhub.security import member_required

bp = Blueprint("api_pages", __name__)


class TokenForm(Form):
    label = StringField(
        _l("Libellé (à quoi sert ce jeton)"),
        validators=[
            DataRequired(_l("Le libellé est obligatoire.")),
            Length(max=100, message=_l("Au plus 100 caractères.")),
        ],
    )


def _page(form: TokenForm, new_token: str | None = None, status: int = 200) -> ResponseReturnValue:
    me = current_user._get_current_object()
    return (
        render_template(
            "api/tokens.html",
            form=form,
            tokens=tokens.list_tokens(me),
            new_token=new_token,
            now=utcnow(),
        ),
        status,
    )


@bp.route("/compte/jetons", methods=["GET", "POST"])
@member_required
def token_list() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.is_submitted() else 200)
    me = current_user._get_current_object()
    try:
        _token, raw = tokens.issue_token(me, form.label.data or "", by=me)
    except DomainError as err:
        attach_to_form(form, err)
        return _page(form, status=err.status_code)
    return _page(TokenForm(formdata=None), new_token=raw, status=201)


@bp.post("/compte/jetons/<int:token_id>/revoquer")
@member_required
def revoke(token_id: int) -> ResponseReturnValue:
    """CSRF is checked by CSRFProtect on every POST (post_button sends the token)."""
    tokens.revoke_token(token_id, by=current_user._get_current_object())
    flash(_("Le jeton est révoqué : il ne permet plus d'accéder à l'API."), "success")
    return redirect(url_for("api_pages.token_list"))


@bp.get("/api/docs")
def docs() -> ResponseReturnValue:
    return render_template("api/docs.html", doc=document())


@bp.app_template_filter("api_type")
def api_type(schema: dict[str, Any]) -> str:
    """A JSON schema's type, readable: ``string``, ``integer | null``, ``list of TierIn``."""
    if "$ref" in schema:
        return str(schema["$ref"]).split("/")[-1]
    if "anyOf" in schema:
        return " | ".join(api_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return "liste de " + api_type(schema.get("items", {}))
    if "const" in schema:
        return repr(schema["const"])
    return str(schema.get("type", "objet" if "additionalProperties" in schema else "—"))
