"""API errors as problem+json (RFC 9457): the exception views raise, and the handlers that
answer it and the services' refusals."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import MethodNotAllowed

from nrhub.api.blueprint import bp
from nrhub.errors import ERROR_TITLES, DomainError

PROBLEM = "application/problem+json"


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
