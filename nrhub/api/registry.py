"""The route registry: each API view registered with its URL rule, authentication, role
check and idempotency, and described for the OpenAPI document (:mod:`nrhub.api.openapi`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar, cast

import pydantic
from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from nrhub.api.auth import api_user
from nrhub.api.blueprint import bp
from nrhub.api.formats import MAX_ID
from nrhub.api.idempotency import run_once
from nrhub.api.problems import ApiProblem
from nrhub.api.validation import NUL_MESSAGE, invalid
from nrhub.security import Role

F = TypeVar("F", bound=Callable[..., Any])


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

# What an API view returns: its documented response model (with a status when it is not
# the route's default), or a ready response (a file, a CSV, the OpenAPI document).
Answer = pydantic.BaseModel | tuple[pydantic.BaseModel, int] | ResponseReturnValue


def _written(answer: Answer, endpoint: str, model: type[pydantic.BaseModel] | None) -> Any:
    """The JSON response of a view's answer, written by the very model the OpenAPI
    document gives for the route (any other model is a programming error)."""
    status: int | None = None
    body: object = answer
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], int):
        body, status = answer[0], answer[1]
    if not isinstance(body, pydantic.BaseModel):
        return answer
    if model is None or not isinstance(body, model):
        raise TypeError(f"{endpoint} answers {type(body).__name__}, documented as {model}")
    response: Response = jsonify(body.model_dump(mode="json"))
    if status is not None:
        response.status_code = status
    return response


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
                    {name.replace("\x00", "?"): [_("Paramètre inconnu.")] for name in unknown}
                )
            texts = [
                *request.args.items(),
                *((k, v) for k, v in kwargs.items() if isinstance(v, str)),
            ]
            if nul := [name for name, value in texts if "\x00" in value]:
                raise invalid({name: [str(NUL_MESSAGE)] for name in nul})

            def answer() -> Any:
                return _written(view(*args, **kwargs), view.__name__, response)

            if idempotent and "Idempotency-Key" in request.headers:
                return run_once(answer)
            return answer()

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
