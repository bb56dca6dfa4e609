"""Request validation: JSON bodies and query strings through pydantic, with messages per
field in the request's language (422 problem+json)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import pydantic
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from nrhub.api.problems import ApiProblem
from nrhub.errors import DomainError

M = TypeVar("M", bound=pydantic.BaseModel)


# Read at each request, in its language.
_PYDANTIC_MESSAGES = {
    "missing": _l("Ce champ est obligatoire."),
    "extra_forbidden": _l("Ce champ n'est pas attendu."),
    "int_type": _l("Un nombre entier est attendu."),
    "int_parsing": _l("Un nombre entier est attendu."),
    "int_from_float": _l("Un nombre entier est attendu."),
    "bool_type": _l("Un booléen (true ou false) est attendu."),
    "bool_parsing": _l("Un booléen (true ou false) est attendu."),
    "string_type": _l("Une chaîne de caractères est attendue."),
    "list_type": _l("Une liste est attendue."),
    "model_type": _l("Un objet JSON est attendu."),
    "dict_type": _l("Un objet JSON est attendu."),
    "literal_error": _l("Valeur non autorisée."),
    "enum": _l("Valeur non autorisée."),
    "string_pattern_mismatch": _l("Format invalide."),
    "string_too_short": _l("Ce champ est obligatoire."),
}


def _message(error: Any) -> str:
    """pydantic's error as the API's own message, in the request's language."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than"):
        return _("La valeur doit être au moins %(limit)s.", limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("La valeur doit être au plus %(limit)s.", limit=ctx.get("le", ctx.get("lt")))
    if kind == "too_short":
        return _("Au moins %(count)s élément(s) attendu(s).", count=ctx.get("min_length"))
    if kind == "too_long":
        return _("Au plus %(count)s élément(s) autorisé(s).", count=ctx.get("max_length"))
    if kind == "string_too_long":
        return _("Au plus %(count)s caractères.", count=ctx.get("max_length"))
    return str(_PYDANTIC_MESSAGES.get(kind, _l("Valeur invalide.")))


def validation_errors(err: pydantic.ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in err.errors():
        path = ".".join(str(part) for part in item["loc"]) or "body"
        errors.setdefault(path, []).append(_message(item))
    return errors


def invalid(errors: dict[str, list[str]]) -> ApiProblem:
    return ApiProblem(422, _("Les données envoyées sont invalides."), errors)


def parse_body(model: type[M]) -> M:
    """The JSON body validated by ``model``; 422 problem with per-field errors otherwise."""
    data = request.get_json(silent=True)
    if data is None:
        raise invalid({"body": [_("Un corps JSON valide est attendu.")]})
    if nul := _nul_paths(data):
        raise invalid({path: [str(NUL_MESSAGE)] for path in nul})
    try:
        # Strict JSON: "3" is not an integer nor "yes" a boolean, as the OpenAPI document
        # says; 3.0 is one (JSON Schema counts integral numbers as integers).
        return model.model_validate_json(json.dumps(_integral(data)), strict=True)
    except pydantic.ValidationError as err:
        raise invalid(validation_errors(err)) from err


# No text may hold U+0000 (PostgreSQL refuses it): every string of the OpenAPI document
# carries this pattern unless it has its own (see nrhub.api.openapi).
NO_NUL_PATTERN = r"^[^\x00]*$"
NUL_MESSAGE = _l("Le caractère nul (U+0000) n'est pas autorisé.")


def _nul_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, list):
        items = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
    else:
        return []
    found = []
    for key, item in items:
        if "\x00" in str(key):
            found.append(f"{path}.{key}".strip(".").replace("\x00", "?"))
        else:
            found += _nul_paths(item, f"{path}.{key}".strip("."))
    return found


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


@contextmanager
def fields_renamed(names: Mapping[str, str]) -> Iterator[None]:
    """Name a service's refused field (``committed_quantity``, ``line_12``...) as the API
    body names it, so that ``errors`` points at the field the client sent."""
    try:
        yield
    except DomainError as err:
        if err.field is not None and err.field in names:
            err.field = names[err.field]
        errors = getattr(err, "errors", None)
        if isinstance(errors, dict):
            # Only some DomainError subclasses carry per-field ``errors``: checked just above.
            err.errors = {names.get(k, k): v for k, v in errors.items()}  # type: ignore[attr-defined]
        raise


def parse_query(model: type[M]) -> M:
    try:
        return model.model_validate(request.args.to_dict())
    except pydantic.ValidationError as err:
        raise invalid(validation_errors(err)) from err


def check_echoed_campaign(sent: int | None, campaign_id: int) -> None:
    """A body sent back as GET gave it names its campaign: 422 when that is not the
    address's."""
    if sent is not None and sent != campaign_id:
        raise invalid(
            {
                "campaign_id": [
                    _(
                        "Champ en lecture seule : la campagne du corps (%(sent)s) doit "
                        "être celle de l'adresse (%(id)s).",
                        sent=sent,
                        id=campaign_id,
                    )
                ]
            }
        )
