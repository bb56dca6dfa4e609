"""API v1 endpoints: tokens, categories, listings, stock sync; the OpenAPI document."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from nrhub.api import (
    agreement_views,
    campaign_views,
    coordination_views,
    core,
    expense_views,
    indicator_views,
    invoice_views,
    purchase_order_views,
    queries,
    schemas,
    services,
    tokens,
)
from nrhub.api.core import PAGINATION_PARAMS, Answer, Param, bp, route
from nrhub.auth.services import LoginError, on_password_reset
from nrhub.catalog import queries as catalog_queries
from nrhub.extensions import limiter
from nrhub.security import Role
from nrhub.transactions import keep_writes_on_refusal

__all__ = [
    "agreement_views",
    "bp",
    "campaign_views",
    "coordination_views",
    "expense_views",
    "indicator_views",
    "invoice_views",
    "purchase_order_views",
]

REFURBISHER = (Role.REFURBISHER,)


@bp.record_once
def _revoke_tokens_on_password_reset(state: BlueprintSetupState) -> None:
    """The auth area, below this one, has a person's tokens revoked when their password is
    reset from an e-mailed link."""
    on_password_reset(state.app, tokens.revoke_all_tokens)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@route(
    "/tokens",
    "POST",
    summary="Créer un jeton personnel",
    description="Avec l'adresse e-mail et le mot de passe du compte (mêmes règles de blocage "
    "que la connexion). Le jeton n'est affiché qu'une fois ; il expire au bout d'un an.",
    auth=False,
    body=schemas.TokenCreate,
    response=schemas.TokenCreated,
    status=201,
    errors=(401, 403, 422, 429),
    tag="Jetons",
)
@limiter.limit(_login_limit)
def create_token() -> Answer:
    body = core.parse_body(schemas.TokenCreate)
    try:
        token, raw = tokens.issue_token_with_password(
            body.email, body.password, body.label, client=request.remote_addr
        )
    except LoginError as err:
        keep_writes_on_refusal()  # the failure counts towards the account's lock
        return core.problem(err.status_code, err.message)
    return schemas.TokenCreated.of(token, raw), 201


@route(
    "/categories",
    "GET",
    summary="Catégories de matériel",
    response=schemas.CategoryList,
    errors=(401,),
    tag="Catalogue",
)
def categories() -> Answer:
    return schemas.CategoryList.of(queries.categories())


LISTING_FILTERS = [
    Param("category", "query", {"type": "string"}, "Code de catégorie, ex. laptop."),
    Param("department", "query", {"type": "string"}, "Département du reconditionneur, ex. 35."),
    Param("q", "query", {"type": "string"}, "Mots cherchés dans marque, modèle, description."),
    Param("in_stock", "query", {"type": "boolean"}, "true : seulement les offres en stock."),
]


def _flag(name: str) -> bool:
    value = request.args.get(name, "").lower()
    if value not in ("", "true", "false", "1", "0"):
        raise core.invalid({name: [_("true ou false attendu.")]})
    return value in ("true", "1")


@route(
    "/listings",
    "GET",
    summary="Offres publiées",
    description="Offres publiées des reconditionneurs actifs, par identifiant croissant.",
    response=schemas.ListingPage,
    params=[*LISTING_FILTERS, *PAGINATION_PARAMS],
    errors=(401, 422),
    tag="Catalogue",
)
def listings() -> Answer:
    limit = core.page_limit(request.args.get("limit"))
    after = core.decode_cursor(request.args.get("cursor"))
    filters = catalog_queries.CatalogueFilters(
        text=request.args.get("q", "")[:200],
        category=request.args.get("category") or None,
        department=request.args.get("department") or None,
        in_stock=_flag("in_stock"),
    )
    items, more = queries.published_listings(filters, after, limit)
    next_cursor = core.encode_cursor(items[-1].id) if more and items else None
    return schemas.ListingPage.of(items, next_cursor)


ID_PARAM = Param("id", "path", {"type": "integer"}, "Identifiant.", required=True)


@route(
    "/listings/{id}",
    "GET",
    summary="Une offre",
    description="Une offre publiée ; un reconditionneur voit aussi ses brouillons et archives.",
    response=schemas.ListingOut,
    params=[ID_PARAM],
    errors=(401, 404),
    tag="Catalogue",
)
def listing(id: int) -> Answer:
    return schemas.ListingOut.of(catalog_queries.get_visible_listing(id, core.api_user()))


@route(
    "/listings/by-sku/{sku}",
    "PUT",
    summary="Créer ou remplacer une offre par sa référence",
    description="201 à la création, 200 au remplacement. Les changements de quantité et de "
    "prix sont journalisés comme dans l'interface web. Le corps peut être la représentation "
    "que renvoie GET : ses champs en lecture seule (id, sku, refurbisher, dates) sont ignorés "
    "s'ils correspondent à l'offre, refusés (422) sinon ; sku doit être celui de l'adresse.",
    roles=REFURBISHER,
    body=schemas.ListingIn,
    response=schemas.ListingOut,
    params=[Param("sku", "path", {"type": "string"}, "Votre référence (SKU).", required=True)],
    errors=(401, 403, 409, 422),
    tag="Reconditionneur",
)
def put_listing(sku: str) -> Answer:
    body = core.parse_body(schemas.ListingIn)
    user = core.api_user()
    fields = body.model_dump()
    data = services.listing_data(sku, fields)
    shown = {name: fields[name] for name in services.READ_ONLY_FIELDS}
    with core.fields_renamed(services.FIELD_NAMES):
        listing_id, created = services.put_listing(sku, data, body.status, by=user, shown=shown)
    item = catalog_queries.get_visible_listing(listing_id, user)
    return schemas.ListingOut.of(item), 201 if created else 200


@route(
    "/stock",
    "POST",
    summary="Synchroniser le stock",
    description="Jusqu'à 5 000 lignes, tout ou rien : une référence inconnue ou une quantité "
    "refusée renvoie 422 avec les erreurs par ligne et rien n'est modifié.",
    roles=REFURBISHER,
    body=schemas.StockSync,
    response=schemas.StockResult,
    errors=(401, 403, 409, 422),
    tag="Reconditionneur",
)
def stock() -> Answer:
    body = core.parse_body(schemas.StockSync)
    items = [(item.sku, item.quantity) for item in body.items]
    updated, unchanged = services.sync_stock(items, by=core.api_user())
    return schemas.StockResult(updated=updated, unchanged=unchanged)


@route(
    "/openapi.json",
    "GET",
    summary="Ce document OpenAPI 3.1",
    auth=False,
    tag="Documentation",
)
def openapi() -> ResponseReturnValue:
    from nrhub.api.openapi import document

    return jsonify(document())
