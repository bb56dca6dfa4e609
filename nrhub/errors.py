"""Domain errors and the central error pages."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
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
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Fichier ou requête trop volumineux",
    422: "Données invalides",
    429: "Trop de tentatives",
    500: "Erreur interne",
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


def render_error(code: int, message: str | None = None):  # type: ignore[no-untyped-def]
    if request.path.startswith("/api/"):
        from flask import jsonify

        body = {
            "type": "about:blank",
            "title": ERROR_TITLES.get(code, "Erreur"),
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
            title=_(ERROR_TITLES.get(code, "Erreur")),
            message=message or _error_messages().get(code, ""),
        ),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        if code == 429:
            return render_error(429)
        return render_error(code)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):  # type: ignore[no-untyped-def]
        return render_error(error.status_code, error.message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("Unhandled error on %s", request.path)
        from nrhub.extensions import db

        db.session.rollback()
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(500)
