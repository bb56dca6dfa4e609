"""The OpenAPI 3.1 document, built from the route registry and the pydantic schemas that
validate the requests (one source for both)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nrhub.api import schemas
from nrhub.api.core import KEY_PATTERN, NO_NUL_PATTERN, REGISTRY, Route
from nrhub.errors import ERROR_TITLES

REF = "#/components/schemas/{model}"
ERROR_DESCRIPTIONS = {
    401: "Jeton absent, invalide, expiré ou révoqué.",
    403: "Rôle non autorisé.",
    404: "Introuvable (ou appartenant à une autre organisation).",
    409: "Refusé par une règle métier.",
    422: "Données invalides : messages par champ dans errors.",
    429: "Trop de requêtes pour ce jeton.",
}


def _add_schema(components: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=REF, mode="serialization")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS.get(status, str(ERROR_TITLES.get(status, ""))),
        "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
    }


def _operation(item: Route, components: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": item.endpoint,
        "summary": item.summary,
        "tags": [item.tag] if item.tag else [],
    }
    description = item.description
    if item.roles:
        description = (f"{description}\n\nRôle : {', '.join(str(r) for r in item.roles)}.").strip()
    if description:
        operation["description"] = description
    parameters = [
        {
            "name": p.name,
            "in": p.where,
            "required": p.required or p.where == "path",
            "description": p.description,
            "schema": p.schema,
        }
        for p in item.params
    ]
    if item.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Une requête renvoyée avec la même clé et le même corps reçoit "
                "la première réponse et ne change rien de plus.",
                "schema": {"type": "string", "pattern": KEY_PATTERN},
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if item.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _add_schema(components, item.body)}},
        }
    success: dict[str, Any] = {"description": "Succès."}
    if item.response is not None:
        success["content"] = {
            "application/json": {"schema": _add_schema(components, item.response)}
        }
    elif item.media_type != "application/json":
        success["content"] = {item.media_type: {"schema": {"type": "string"}}}
    elif item.endpoint == "openapi":
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    responses: dict[str, Any] = {str(item.status): success}
    if item.method == "PUT" and item.status == 200:
        responses["201"] = {**success, "description": "Créé."}
    codes = set(item.errors)
    if item.auth:
        codes |= {401, 429}
    if item.body is not None:
        codes.add(422)
    for code in sorted(codes):
        responses[str(code)] = _problem(code)
    operation["responses"] = responses
    if item.auth:
        operation["security"] = [{"bearer": []}]
    else:
        operation["security"] = []
    return operation


def _no_nul(node: Any) -> None:
    """Every string without a pattern, format or enum of its own refuses U+0000, as the
    API does (PostgreSQL cannot store it)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node):
            node["pattern"] = NO_NUL_PATTERN
        for value in node.values():
            _no_nul(value)
    elif isinstance(node, list):
        for value in node:
            _no_nul(value)


def document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    _add_schema(components, schemas.Problem)
    paths: dict[str, dict[str, Any]] = {}
    for item in REGISTRY:
        paths.setdefault("/api/v1" + item.path, {})[item.method.lower()] = _operation(
            item, components
        )
    _no_nul(paths)
    _no_nul(components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API nrhub",
            "version": "1.0.0",
            "description": (
                "API JSON de nrhub. Authentification : `Authorization: Bearer <jeton>` "
                "(jetons personnels créés sur /compte/jetons ou par POST /api/v1/tokens). "
                "Montants : chaînes décimales HT (« 1234.50 »). Dates : ISO 8601 avec décalage. "
                "Listes paginées par curseur (`limit` 1–200, `cursor`). Erreurs : "
                "application/problem+json (RFC 9457) avec `detail` en français et `errors` "
                "par champ."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Jeton personnel."}
            },
        },
    }
