"""API v1 endpoints that run a campaign: the coordinator creates it, moves it through its
states, decides on offers and consolidates; a refurbisher commits offers. Each one is a
thin layer over nrhub.campaigns and nrhub.consolidation services (the web's own rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _

from nrhub.api import core, queries, schemas
from nrhub.api.core import Answer, ApiProblem, Param, route
from nrhub.auth.models import User
from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import queries as campaign_queries
from nrhub.campaigns import services as campaign_services
from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.campaigns.pricing import Tier
from nrhub.consolidation import queries as consolidation_queries
from nrhub.consolidation import services as consolidation_services
from nrhub.consolidation.allocation import Rule
from nrhub.db import utcnow
from nrhub.security import Role

COORDINATOR = (Role.COORDINATOR,)
CAMPAIGN_ID = Param("id", "path", {"type": "integer"}, "Identifiant de la campagne.", required=True)
OFFER_ID = Param(
    "id", "path", {"type": "integer"}, "Identifiant de l'offre de campagne.", required=True
)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _in_range(values: dict[str, dt.date | dt.datetime | None]) -> None:
    """Dates far outside the hub's life are refused (they would also overflow time zones)."""
    errors = {
        name: [
            _(
                "Une date entre %(first)s et %(last)s est attendue.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        ]
        for name, value in values.items()
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR
    }
    if errors:
        raise core.invalid(errors)


def _campaign_body(item: Campaign, user: User) -> schemas.CampaignOut:
    page = campaign_queries.campaign_page(user, item, utcnow())
    return schemas.CampaignOut.with_offers(item, page.offers)


@route(
    "/campaigns",
    "POST",
    summary="Créer une campagne",
    description="Les champs du formulaire web ; la campagne commence en préparation "
    "(brouillon visible de la seule coordination).",
    roles=COORDINATOR,
    body=schemas.CampaignIn,
    response=schemas.CampaignOut,
    status=201,
    errors=(401, 403, 422),
    tag="Coordination",
)
def create_campaign() -> Answer:
    body = core.parse_body(schemas.CampaignIn)
    _in_range(
        {
            "opens_at": body.opens_at,
            "closes_at": body.closes_at,
            "delivery_from": body.delivery_from,
            "delivery_to": body.delivery_to,
        }
    )
    codes = list(dict.fromkeys(body.categories))
    ids = queries.category_ids_by_code(codes)
    unknown = [code for code in codes if code not in ids]
    if unknown:
        raise core.invalid(
            {"categories": [_("Catégorie inconnue : %(codes)s.", codes=", ".join(unknown))]}
        )
    clause_ids = tuple(dict.fromkeys(body.clause_ids))
    if missing := queries.unknown_clause_ids(clause_ids):
        raise core.invalid(
            {
                "clause_ids": [
                    _("Clause inconnue : %(ids)s.", ids=", ".join(str(i) for i in missing))
                ]
            }
        )
    user = core.api_user()
    data = campaign_services.CampaignData(
        title=body.title,
        description=body.description,
        opens_at=body.opens_at.astimezone(dt.UTC),
        closes_at=body.closes_at.astimezone(dt.UTC),
        delivery_from=body.delivery_from,
        delivery_to=body.delivery_to,
        category_ids=tuple(ids[code] for code in codes),
        clause_ids=clause_ids,
    )
    with core.fields_renamed({"category_ids": "categories"}):
        item = campaign_services.create_campaign(data, by=user)
    item = campaign_queries.get_campaign_for(user, item.id)
    return _campaign_body(item, user), 201


@route(
    "/campaigns/{id}/transitions",
    "POST",
    summary="Publier l'appel de stock, ouvrir, clôturer ou annuler une campagne",
    description="call_for_stock : publie l'appel de stock d'un brouillon aux reconditionneurs "
    "de ses catégories (e-mail), avec sa date limite offers_due_at ; open : ouvre les "
    "commandes (après l'appel de stock ou depuis un brouillon) et prévient les collectivités "
    "membres ; closed : arrête les commandes (les offres en attente sont refusées) ; "
    "cancelled : annule avant consolidation, avec un motif (5 caractères au moins) envoyé aux "
    "participants. Transition impossible : 409.",
    roles=COORDINATOR,
    body=schemas.TransitionIn,
    response=schemas.CampaignOut,
    params=[CAMPAIGN_ID],
    errors=(401, 403, 404, 409, 422),
    tag="Coordination",
)
def campaign_transition(id: int) -> Answer:
    body = core.parse_body(schemas.TransitionIn)
    user = core.api_user()
    item = campaign_queries.get_campaign_for(user, id)
    if body.to == CampaignState.CALL_FOR_STOCK.value:
        if body.offers_due_at is None:
            raise core.invalid(
                {"offers_due_at": [_("Indiquez la date limite de l'appel de stock.")]}
            )
        _in_range({"offers_due_at": body.offers_due_at})
        campaign_services.publish_call(item, body.offers_due_at.astimezone(dt.UTC), by=user)
    elif body.to == CampaignState.OPEN.value:
        campaign_services.open_campaign(item, by=user)
    elif body.to == CampaignState.CLOSED.value:
        campaign_services.close_campaign(item, by=user)
    else:
        campaign_services.cancel_campaign(item, body.reason or "", by=user)
    item = campaign_queries.get_campaign_for(user, id)
    return _campaign_body(item, user)


def _offer_body(campaign_id: int, offer_id: int) -> schemas.CampaignOfferOut:
    figures = campaign_queries.offer_figures(campaign_id, statuses=None)
    return schemas.CampaignOfferOut.of(next(f for f in figures if f.offer_id == offer_id))


@route(
    "/offers/{id}/decision",
    "POST",
    summary="Accepter ou refuser une offre de campagne",
    description="Tant que la campagne est en préparation ou ouverte. Une offre refusée rend "
    "ses unités au stock libre ; une offre déjà commandée ne peut plus être refusée (409).",
    roles=COORDINATOR,
    body=schemas.DecisionIn,
    response=schemas.CampaignOfferOut,
    params=[OFFER_ID],
    errors=(401, 403, 404, 409, 422),
    tag="Coordination",
)
def decide_offer(id: int) -> Answer:
    body = core.parse_body(schemas.DecisionIn)
    offer = queries.get_offer(id)
    offer_services.decide_offer(offer, body.accept, by=core.api_user())
    return _offer_body(offer.campaign_id, id)


@route(
    "/campaigns/{id}/offers",
    "POST",
    summary="Engager du stock dans une campagne",
    description="Une de vos offres publiées, d'une catégorie éligible : les unités quittent "
    "le stock libre tout de suite ; l'offre attend la décision de la coordination. Paliers "
    "facultatifs (prix décroissants). Campagne fermée : 409 ; offre d'un autre "
    "reconditionneur : 404.",
    roles=(Role.REFURBISHER,),
    body=schemas.OfferIn,
    response=schemas.CampaignOfferOut,
    status=201,
    params=[CAMPAIGN_ID],
    errors=(401, 403, 404, 409, 422),
    tag="Reconditionneur",
)
def commit_offer(id: int) -> Answer:
    body = core.parse_body(schemas.OfferIn)
    user = core.api_user()
    item = campaign_queries.get_campaign_for(user, id)
    tiers = [Tier(t.min_quantity, Decimal(t.unit_price_ht)) for t in body.tiers]
    with core.fields_renamed({"committed_quantity": "quantity"}):
        offer = offer_services.commit_offer(
            item, body.listing_id, body.quantity, tiers=tiers, by=user
        )
    return _offer_body(id, offer.id), 201


@route(
    "/campaigns/{id}/consolidation",
    "POST",
    summary="Consolider une campagne clôturée (aperçu ou confirmation)",
    description="confirm false : l'aperçu, sans rien écrire (par offre : demande, attribution "
    "par acheteur, prix mutualisé, montants ; par acheteur : unités et montant HT). confirm "
    "true : consolide en une transaction et renvoie les bons de commande (même forme que "
    "GET /purchase-orders) ; confirmer de nouveau ne change rien (created false). Campagne "
    "non clôturée : 409.",
    roles=COORDINATOR,
    body=schemas.ConsolidationIn,
    response=schemas.ConsolidationOut,
    params=[CAMPAIGN_ID],
    errors=(401, 403, 404, 409, 422),
    tag="Coordination",
)
def consolidate(id: int) -> Answer:
    body = core.parse_body(schemas.ConsolidationIn)
    user = core.api_user()
    item = campaign_queries.get_campaign_for(user, id)
    rule = Rule(body.rule)
    if not body.confirm:
        if item.state != CampaignState.CLOSED:
            raise ApiProblem(
                409,
                _(
                    "La consolidation n'est possible que pour une campagne clôturée "
                    "et pas encore consolidée."
                ),
            )
        preview = consolidation_services.preview_consolidation(item, rule)
        return schemas.ConsolidationOut(schemas.ConsolidationPreviewOut.of(preview))
    result = consolidation_services.confirm_consolidation(item, rule, by=user)
    consolidation = consolidation_queries.get_consolidation(id)
    assert consolidation is not None
    orders = queries.purchase_orders_by_ids(result.purchase_order_ids)
    return schemas.ConsolidationOut(
        schemas.ConsolidationConfirmedOut.model_validate(
            {
                "confirmed": True,
                "campaign_id": id,
                "rule": str(consolidation.rule),
                "created": result.created,
                "consolidation_id": result.consolidation_id,
                "purchase_orders": [schemas.PurchaseOrderOut.of(po) for po in orders],
            }
        )
    )
