"""The API conventions, in one place: Bearer authentication, problem+json errors, request
validation with pydantic, cursor pagination, ``Idempotency-Key`` replay, rate limiting, and
the route registry the OpenAPI document is built from."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar, cast

import pydantic
from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import MethodNotAllowed

from nrhub.api import tokens
from nrhub.api.models import IdempotentRequest
from nrhub.auth.models import User
from nrhub.errors import ERROR_TITLES, DomainError
from nrhub.extensions import csrf, db, limiter
from nrhub.security import Role

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=pydantic.BaseModel)

PROBLEM = "application/problem+json"
MAX_ID = 2_147_483_647  # the PostgreSQL integer columns' range
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


# --- errors ---------------------------------------------------------------------------


class ApiProblem(Exception):
    """An error answered as problem+json; ``errors`` maps field paths to French messages."""

    def __init__(
        self, status: int, detail: str, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def problem(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(ERROR_TITLES.get(status, _("Erreur"))),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="nrhub"'
    return response


@bp.errorhandler(ApiProblem)
def _api_problem(error: ApiProblem) -> Response:
    return problem(error.status, error.detail, error.errors)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict):
        errors = {k: v if isinstance(v, list) else [str(v)] for k, v in errors.items()}
    elif error.status_code == 422 and error.field:
        errors = {error.field: [error.message]}
    return problem(error.status_code, error.message, errors)


_PYDANTIC_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "int_type": "Un nombre entier est attendu.",
    "int_parsing": "Un nombre entier est attendu.",
    "int_from_float": "Un nombre entier est attendu.",
    "bool_type": "Un booléen (true ou false) est attendu.",
    "bool_parsing": "Un booléen (true ou false) est attendu.",
    "string_type": "Une chaîne de caractères est attendue.",
    "list_type": "Une liste est attendue.",
    "model_type": "Un objet JSON est attendu.",
    "dict_type": "Un objet JSON est attendu.",
    "literal_error": "Valeur non autorisée.",
    "enum": "Valeur non autorisée.",
    "string_pattern_mismatch": "Format invalide.",
}


def _french(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than"):
        return f"La valeur doit être au moins {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"La valeur doit être au plus {ctx.get('le', ctx.get('lt'))}."
    if kind == "too_short":
        return f"Au moins {ctx.get('min_length')} élément(s) attendu(s)."
    if kind == "too_long":
        return f"Au plus {ctx.get('max_length')} élément(s) autorisé(s)."
    if kind == "string_too_short":
        return "Ce champ est obligatoire."
    if kind == "string_too_long":
        return f"Au plus {ctx.get('max_length')} caractères."
    return _PYDANTIC_MESSAGES.get(kind, "Valeur invalide.")


def validation_errors(err: pydantic.ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in err.errors():
        path = ".".join(str(part) for part in item["loc"]) or "body"
        errors.setdefault(path, []).append(_french(item))
    return errors


def invalid(errors: dict[str, list[str]]) -> ApiProblem:
    return ApiProblem(422, _("Les données envoyées sont invalides."), errors)


def parse_body(model: type[M]) -> M:
    """The JSON body validated by ``model``; 422 problem with per-field errors otherwise."""
    data = request.get_json(silent=True)
    if data is None:
        raise invalid({"body": ["Un corps JSON valide est attendu."]})
    if nul := _nul_paths(data):
        raise invalid({path: [NUL_MESSAGE] for path in nul})
    try:
        # Strict JSON: "3" is not an integer nor "yes" a boolean, as the OpenAPI document
        # says; 3.0 is one (JSON Schema counts integral numbers as integers).
        return model.model_validate_json(json.dumps(_integral(data)), strict=True)
    except pydantic.ValidationError as err:
        raise invalid(validation_errors(err)) from err


# No text may hold U+0000 (PostgreSQL refuses it): every string of the OpenAPI document
# carries this pattern unless it has its own (see nrhub.api.openapi).
NO_NUL_PATTERN = r"^[^\x00]*$"
NUL_MESSAGE = "Le caractère nul (U+0000) n'est pas autorisé."


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


@bp.after_app_request
def _allow_header(response: Response) -> Response:
    """A 405 names the methods the address accepts (RFC 9110), which the central error
    page, answering problem+json for the API, leaves out."""
    error = request.routing_exception
    if (
        response.status_code == 405
        and isinstance(error, MethodNotAllowed)
        and error.valid_methods
        and request.path.startswith(str(bp.url_prefix))
    ):
        response.headers.setdefault("Allow", ", ".join(sorted(error.valid_methods)))
    return response


# --- authentication and rate limit -----------------------------------------------------


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _rate_key() -> str:
    raw = _bearer() or ""
    return "api-token:" + tokens.hash_token(raw)


def _rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT", "600 per minute"))


# Keyed by the token's hash (one per token): each token has its own budget.
limiter.limit(_rate_limit, key_func=_rate_key, exempt_when=lambda: _bearer() is None)(bp)


def api_user() -> User:
    user: User | None = g.get("api_user")
    if user is None:
        raise ApiProblem(401, _("Authentification requise : en-tête Authorization: Bearer."))
    return user


@bp.before_request
def _authenticate() -> None:
    g.api_user = None
    raw = _bearer()
    if raw is None:
        return
    found = tokens.user_for_token(raw)
    if found is None:
        raise ApiProblem(401, _("Jeton d'API invalide, expiré ou révoqué."))
    g.api_token, g.api_user = found


# --- registry, for the OpenAPI document --------------------------------------------------


@dataclass
class Param:
    name: str
    where: str  # "query" | "path"
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass
class Route:
    path: str
    method: str
    endpoint: str
    summary: str
    description: str = ""
    auth: bool = True
    roles: tuple[Role, ...] = ()
    body: type[pydantic.BaseModel] | None = None
    response: type[pydantic.BaseModel] | None = None
    status: int = 200
    params: list[Param] = field(default_factory=list)
    errors: tuple[int, ...] = ()
    idempotent: bool = False
    tag: str = ""
    media_type: str = "application/json"


REGISTRY: list[Route] = []


def route(
    path: str,
    method: str,
    *,
    summary: str,
    description: str = "",
    auth: bool = True,
    roles: tuple[Role, ...] = (),
    body: type[pydantic.BaseModel] | None = None,
    response: type[pydantic.BaseModel] | None = None,
    status: int = 200,
    params: list[Param] | None = None,
    errors: tuple[int, ...] = (),
    tag: str = "",
    media_type: str = "application/json",
) -> Callable[[F], F]:
    """Register an API view: URL rule, authentication and role check, idempotency for
    POST/PUT, and its description in the OpenAPI document."""

    def decorator(view: F) -> F:
        idempotent = method in ("POST", "PUT")
        query_names = {p.name for p in params or [] if p.where == "query"}

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if auth:
                user = api_user()
                if roles and user.role not in roles:
                    raise ApiProblem(403, _("Votre rôle ne permet pas cette opération."))
            unknown = sorted(set(request.args) - query_names)
            if unknown:
                raise invalid(
                    {name.replace("\x00", "?"): ["Paramètre inconnu."] for name in unknown}
                )
            texts = [
                *request.args.items(),
                *((k, v) for k, v in kwargs.items() if isinstance(v, str)),
            ]
            if nul := [name for name, value in texts if "\x00" in value]:
                raise invalid({name: [NUL_MESSAGE] for name in nul})
            if idempotent and "Idempotency-Key" in request.headers:
                return _idempotent(lambda: view(*args, **kwargs))
            return view(*args, **kwargs)

        flask_path = path.replace("{", "<").replace("}", ">")
        # Ids beyond the database's integer range are simply not found (404).
        for name, converter in (("id", f"int(max={MAX_ID})"),):
            flask_path = flask_path.replace(f"<{name}>", f"<{converter}:{name}>")
        bp.add_url_rule(flask_path, view.__name__, wrapped, methods=[method])
        REGISTRY.append(
            Route(
                path=path,
                method=method,
                endpoint=view.__name__,
                summary=summary,
                description=description,
                auth=auth,
                roles=roles,
                body=body,
                response=response,
                status=status,
                params=params or [],
                errors=errors,
                idempotent=idempotent,
                tag=tag,
                media_type=media_type,
            )
        )
        return cast(F, wrapped)

    return decorator


# --- idempotency ------------------------------------------------------------------------


MAX_KEY = 200
KEY_PATTERN = r"^[!-~]{1,200}$"  # visible ASCII, no space


def _idempotent(run: Callable[[], Any]) -> Response:
    """Run a POST/PUT at most once per ``(person, Idempotency-Key)``.

    The key's row is inserted first, in the request's own transaction: a concurrent retry
    with the same key waits on the unique constraint (PostgreSQL) or on the write lock
    (SQLite) until the first request ends, then replays its answer. A refusal (4xx) rolls
    back with the rest of the request, key included: it changed nothing, so a retry may run.
    """
    user = g.get("api_user")
    key = request.headers.get("Idempotency-Key", "")
    if user is None:  # public POST (token creation): no person to scope the key to
        return current_app.make_response(run())
    if not re.fullmatch(KEY_PATTERN, key):
        raise invalid(
            {
                "Idempotency-Key": [
                    f"Une clé de 1 à {MAX_KEY} caractères ASCII visibles (sans espace) "
                    "est attendue."
                ]
            }
        )
    body_hash = hashlib.sha256(request.get_data()).hexdigest()
    claim = IdempotentRequest(
        user_id=user.id,
        key=key,
        method=request.method,
        path=request.path,
        body_hash=body_hash,
        status=0,
        content_type="",
        response_body="",
    )
    previous = _claim_key(claim)
    if previous is not None:
        return _replay(previous, claim)
    response = current_app.make_response(run())
    if response.status_code < 400:
        claim.status = response.status_code
        claim.content_type = response.content_type or "application/json"
        claim.response_body = response.get_data(as_text=True)
        db.session.flush()
    return response


def _stored(user_id: int, key: str) -> IdempotentRequest | None:
    return db.session.execute(
        select(IdempotentRequest)
        .where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _claim_key(claim: IdempotentRequest) -> IdempotentRequest | None:
    """Insert our key, or return the committed request that holds it already."""
    previous = _stored(claim.user_id, claim.key)
    if previous is not None:
        return previous
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        # PostgreSQL made us wait for a concurrent request with the same key: it committed.
        previous = _stored(claim.user_id, claim.key)
        if previous is None:
            raise _in_progress() from None
        return previous
    return None


def _in_progress() -> ApiProblem:
    return ApiProblem(
        409,
        _("Une requête avec la même clé d'idempotence est en cours : réessayez dans un instant."),
    )


def _replay(previous: IdempotentRequest, claim: IdempotentRequest) -> Response:
    same = (
        previous.method == claim.method
        and previous.path == claim.path
        and previous.body_hash == claim.body_hash
    )
    if not same:
        raise ApiProblem(
            422,
            _(
                "Cette clé d'idempotence a déjà servi pour une autre requête : "
                "utilisez une nouvelle clé."
            ),
            {"Idempotency-Key": ["Clé déjà utilisée avec une autre requête."]},
        )
    if previous.status == 0:  # not answered yet (only seen inside the same transaction)
        raise _in_progress()
    replay = Response(
        previous.response_body, status=previous.status, content_type=previous.content_type
    )
    replay.headers["Idempotent-Replayed"] = "true"
    return replay


# --- conventions: money, times, pagination ----------------------------------------------


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def share_text(value: Decimal | None) -> str | None:
    """A ratio between 0 and 1 as a decimal string with 4 places (null: no data)."""
    return None if value is None else str(value.quantize(SHARE_PLACES))


SHARE_PLACES = Decimal("0.0001")


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


CURSOR_PATTERN = r"^[0-9]{0,10}$"


def encode_cursor(last_id: int) -> str:
    """The position after the last item of a page (its id, as text: clients copy it back
    into ``cursor`` without reading it). Every text of CURSOR_PATTERN is a valid cursor,
    as the OpenAPI document says."""
    return str(last_id)


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise invalid({"cursor": ["Curseur invalide : reprenez la valeur de next_cursor."]})
    return min(int(cursor), MAX_ID)  # no id lies beyond: an empty page


def page_limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= MAX_LIMIT:
        raise invalid({"limit": [f"Un nombre entier entre 1 et {MAX_LIMIT} est attendu."]})
    return int(text)


PAGINATION_PARAMS = [
    Param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        "Nombre d'éléments par page.",
    ),
    Param(
        "cursor",
        "query",
        {"type": "string", "pattern": CURSOR_PATTERN},
        "La valeur next_cursor de la page précédente.",
    ),
]
