"""API v1 endpoints of the campaigns: list, detail with the pooled figures, the buyer's
order. Thin layers over nrhub.campaigns queries and services."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from nrhub.api import core, queries, schemas
from nrhub.api.core import PAGINATION_PARAMS, Answer, ApiProblem, Param, route
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import queries as campaign_queries
from nrhub.campaigns.models import CampaignState, Order
from nrhub.db import utcnow
from nrhub.security import Role

ID_PARAM = Param("id", "path", {"type": "integer"}, "Identifiant de la campagne.", required=True)
STATES = [str(s) for s in CampaignState]


def _state() -> CampaignState | None:
    value = request.args.get("state", "")
    if value == "":
        return None
    if value not in STATES:
        raise core.invalid(
            {"state": [_("Valeur non autorisée : %(values)s.", values=", ".join(STATES))]}
        )
    return CampaignState(value)


@route(
    "/campaigns",
    "GET",
    summary="Campagnes",
    description="Par identifiant croissant. Acheteurs et reconditionneurs voient les campagnes "
    "publiées ; le coordinateur voit aussi les brouillons. Le détail des offres est dans "
    "GET /campaigns/{id}.",
    response=schemas.CampaignPage,
    params=[
        Param("state", "query", {"type": "string", "enum": STATES}, "Filtre sur l'état."),
        *PAGINATION_PARAMS,
    ],
    errors=(401, 422),
    tag="Campagnes",
)
def campaigns() -> Answer:
    limit = core.page_limit(request.args.get("limit"))
    after = core.decode_cursor(request.args.get("cursor"))
    items, more = queries.campaigns_page(core.api_user(), _state(), after, limit)
    next_cursor = core.encode_cursor(items[-1].id) if more and items else None
    return schemas.CampaignPage.of(items, next_cursor)


@route(
    "/campaigns/{id}",
    "GET",
    summary="Une campagne et ses offres",
    description="Les offres avec la quantité engagée, la quantité mutualisée commandée, le prix "
    "unitaire mutualisé atteint et les unités manquantes pour le palier suivant (les mêmes "
    "chiffres que la page de la campagne).",
    response=schemas.CampaignOut,
    params=[ID_PARAM],
    errors=(401, 404),
    tag="Campagnes",
)
def campaign(id: int) -> Answer:
    user = core.api_user()
    item = campaign_queries.get_campaign_for(user, id)
    page = campaign_queries.campaign_page(user, item, utcnow())
    return schemas.CampaignOut.with_offers(item, page.offers)


def _order_or_404(campaign_id: int) -> Order:
    user = core.api_user()
    order = campaign_queries.buyer_order(campaign_id, user.organisation_id)
    if order is None:
        raise ApiProblem(404, _("Votre organisation n'a pas de commande dans cette campagne."))
    return order


@route(
    "/campaigns/{id}/order",
    "PUT",
    summary="Passer ou modifier la commande de mon organisation",
    description="Une commande par acheteur et par campagne, pendant la fenêtre de commande. "
    "Une quantité 0 retire la ligne ; les offres non citées gardent leur ligne. Hors fenêtre "
    "ou campagne fermée : 409.",
    roles=(Role.BUYER,),
    body=schemas.OrderIn,
    response=schemas.OrderOut,
    params=[ID_PARAM],
    errors=(401, 403, 404, 409, 422),
    tag="Commandes",
)
def put_order(id: int) -> Answer:
    body = core.parse_body(schemas.OrderIn)
    quantities: dict[int, int] = {}
    for index, line in enumerate(body.lines):
        if line.offer_id in quantities:
            raise core.invalid(
                {f"lines.{index}.offer_id": [_("Offre en double dans la commande.")]}
            )
        quantities[line.offer_id] = line.quantity
    user = core.api_user()
    now = utcnow()
    # One statement reads the campaign (404 as for GET) and holds it for the order.
    held = order_services.hold_campaign_for(user, id, now)
    core.check_echoed_campaign(body.campaign_id, held.id)
    # The order as written, its lines loaded: what a GET would read back.
    return schemas.OrderOut.of(order_services.place_order(held, quantities, by=user, now=now))


@route(
    "/campaigns/{id}/order",
    "GET",
    summary="La commande de mon organisation",
    description="404 si votre organisation n'a pas commandé dans cette campagne.",
    roles=(Role.BUYER,),
    response=schemas.OrderOut,
    params=[ID_PARAM],
    errors=(401, 403, 404),
    tag="Commandes",
)
def get_order(id: int) -> Answer:
    campaign_queries.get_campaign_for(core.api_user(), id)
    return schemas.OrderOut.of(_order_or_404(id))
