"""Domain errors and the central error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule refused the operation; the message is shown to the person."""

    status_code = 409

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    status_code = 422


class NotFoundError(DomainError):
    status_code = 404


class PermissionDeniedError(DomainError):
    status_code = 403


class ConflictError(DomainError):
    status_code = 409


class InsufficientStockError(ConflictError):
    pass


ERROR_TITLES = {
    400: _l("Requête invalide"),
    403: _l("Accès refusé"),
    404: _l("Page introuvable"),
    405: _l("Méthode non autorisée"),
    409: _l("Conflit"),
    413: _l("Fichier ou requête trop volumineux"),
    422: _l("Données invalides"),
    429: _l("Trop de tentatives"),
    500: _l("Erreur interne"),
}


def _error_messages() -> dict[int, str]:
    return {
        400: _("La requête n'a pas pu être comprise."),
        403: _("Vous n'avez pas accès à cette page."),
        404: _("La page demandée n'existe pas ou n'est pas accessible."),
        405: _("Cette action n'est pas possible à cette adresse."),
        409: _("L'opération entre en conflit avec l'état actuel des données."),
        413: _("Le fichier ou la requête dépasse la taille autorisée."),
        422: _("Les données envoyées sont invalides."),
        429: _("Trop de tentatives : veuillez patienter avant de réessayer."),
        500: _("Une erreur inattendue est survenue. L'équipe a été prévenue."),
    }


def render_error(code: int, message: str | None = None) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        from flask import jsonify

        body = {
            "type": "about:blank",
            "title": str(ERROR_TITLES.get(code, _l("Erreur"))),
            "status": code,
            "detail": message or _error_messages().get(code, ""),
        }
        response = jsonify(body)
        response.status_code = code
        response.mimetype = "application/problem+json"
        return response
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=str(ERROR_TITLES.get(code, _l("Erreur"))),
            message=message or _error_messages().get(code, ""),
        ),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            _(
                "Le formulaire a expiré ou ne provient pas de nrhub (jeton de sécurité "
                "manquant ou invalide). Rechargez la page et recommencez."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code == 429:
            return render_error(429)
        return render_error(code)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> ResponseReturnValue:
        return render_error(error.status_code, error.message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # The unit of work (nrhub.transactions) has already rolled the request back.
        app.logger.exception("Unhandled error on %s", request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(500)


def attach_to_form(form: Any, error: DomainError) -> None:
    """Show a refused operation's message next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
