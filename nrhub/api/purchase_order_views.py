"""API v1 endpoints of purchase orders and deliveries: read them (each person sees only
its share), ship (refurbisher), confirm receipt (buyer; writes the spend ledger through
the consolidation area's own service)."""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _

from nrhub.api import core, queries, schemas
from nrhub.api.core import MAX_ID, PAGINATION_PARAMS, Answer, Param, route
from nrhub.consolidation import queries as consolidation_queries
from nrhub.consolidation import services as consolidation_services
from nrhub.db import utcnow
from nrhub.formatting import paris_date_of
from nrhub.security import Role

ID_PARAM = Param("id", "path", {"type": "integer"}, "Identifiant.", required=True)
READERS = (Role.COORDINATOR, Role.REFURBISHER, Role.BUYER)


def _buyer_scope() -> int | None:
    user = core.api_user()
    return user.organisation_id if user.role == Role.BUYER else None


@route(
    "/purchase-orders",
    "GET",
    summary="Bons de commande",
    description="Par identifiant croissant. Coordinateur : tous ; reconditionneur : les "
    "siens ; acheteur : ceux qui lui livrent, réduits à sa livraison et à ses lignes (la "
    "part d'un autre acheteur n'est jamais visible).",
    roles=READERS,
    response=schemas.PurchaseOrderPage,
    params=[
        Param(
            "campaign_id",
            "query",
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "Filtre campagne.",
        ),
        *PAGINATION_PARAMS,
    ],
    errors=(401, 403, 422),
    tag="Bons de commande",
)
def purchase_orders() -> Answer:
    limit = core.page_limit(request.args.get("limit"))
    after = core.decode_cursor(request.args.get("cursor"))
    campaign = request.args.get("campaign_id", "")
    if campaign and not (re.fullmatch(r"[0-9]{1,10}", campaign) and 1 <= int(campaign) <= MAX_ID):
        raise core.invalid({"campaign_id": [_("Un identifiant entier est attendu.")]})
    items, more = queries.purchase_orders_page(
        core.api_user(), after, limit, int(campaign) if campaign else None
    )
    buyer_id = _buyer_scope()
    return schemas.PurchaseOrderPage(
        items=[schemas.PurchaseOrderOut.of(po, buyer_id) for po in items],
        next_cursor=core.encode_cursor(items[-1].id) if more and items else None,
    )


@route(
    "/purchase-orders/{id}",
    "GET",
    summary="Un bon de commande",
    description="Lignes (offre, quantité, prix mutualisé) et livraisons par acheteur ; un "
    "acheteur n'y voit que sa livraison. Bon de commande d'un autre : 404.",
    roles=READERS,
    response=schemas.PurchaseOrderOut,
    params=[ID_PARAM],
    errors=(401, 403, 404),
    tag="Bons de commande",
)
def purchase_order(id: int) -> Answer:
    item = queries.get_purchase_order(core.api_user(), id)
    return schemas.PurchaseOrderOut.of(item, _buyer_scope())


@route(
    "/deliveries/{id}/shipment",
    "POST",
    summary="Marquer une livraison expédiée",
    description="Par le reconditionneur du bon de commande ; date du jour si shipped_on est "
    "absent, sinon entre la date du bon de commande et aujourd'hui (jours de Paris), ou 422 "
    "sur shipped_on. Déjà expédiée (y compris par une requête simultanée) : 409.",
    roles=(Role.REFURBISHER,),
    body=schemas.ShipmentIn,
    response=schemas.DeliveryOut,
    params=[ID_PARAM],
    errors=(401, 403, 404, 409, 422),
    tag="Bons de commande",
)
def ship_delivery(id: int) -> Answer:
    body = core.parse_body(schemas.ShipmentIn)
    user = core.api_user()
    delivery = consolidation_queries.get_delivery_for(user, id)
    shipped_on = body.shipped_on or paris_date_of(utcnow())
    consolidation_services.ship_delivery(delivery, shipped_on, body.serials, by=user)
    return schemas.DeliveryOut.of(consolidation_queries.get_delivery_for(user, id))


@route(
    "/deliveries/{id}/receipt",
    "POST",
    summary="Confirmer la réception (service fait)",
    description="Par l'acheteur destinataire : les unités reçues maintenant sur chaque ligne "
    "qui en attend encore (au plus les unités attendues ; une ligne déjà complète peut être "
    "omise). Écrit les dépenses de l'acheteur pour cette réception (achats via la centrale). "
    "S'il manque des unités, la livraison reste ouverte (state partial) pour une réception "
    "suivante ou pour POST /deliveries/{id}/not-delivered. Pas encore expédiée ou déjà reçue "
    "(y compris par une requête simultanée) : 409.",
    roles=(Role.BUYER,),
    body=schemas.ReceiptIn,
    response=schemas.DeliveryOut,
    params=[ID_PARAM],
    errors=(401, 403, 404, 409, 422),
    tag="Bons de commande",
)
def receive_delivery(id: int) -> Answer:
    body = core.parse_body(schemas.ReceiptIn)
    quantities: dict[int, int] = {}
    names: dict[str, str] = {}
    for index, line in enumerate(body.lines):
        if line.line_id in quantities:
            raise core.invalid({f"lines.{index}.line_id": [_("Ligne en double.")]})
        quantities[line.line_id] = line.quantity
        names[f"line_{line.line_id}"] = f"lines.{index}.quantity"
    user = core.api_user()
    delivery = consolidation_queries.get_delivery_for(user, id)
    for dline in delivery.lines:  # a line left out is reported on the list itself
        names.setdefault(f"line_{dline.id}", "lines")
    with core.fields_renamed(names):
        consolidation_services.confirm_receipt(
            delivery, body.received_on, quantities, body.comment, by=user
        )
    return schemas.DeliveryOut.of(consolidation_queries.get_delivery_for(user, id))


@route(
    "/deliveries/{id}/not-delivered",
    "POST",
    summary="Enregistrer les unités manquantes comme non livrées",
    description="Par l'acheteur destinataire, avec un motif : les unités encore attendues ne "
    "viendront pas. La livraison est close (received) et les montants HT de la livraison et "
    "du bon de commande baissent d'autant ; les unités déjà reçues restent dans les dépenses. "
    "Pas encore expédiée ou déjà close : 409.",
    roles=(Role.BUYER,),
    body=schemas.NotDeliveredIn,
    response=schemas.DeliveryOut,
    params=[ID_PARAM],
    errors=(401, 403, 404, 409, 422),
    tag="Bons de commande",
)
def record_not_delivered(id: int) -> Answer:
    body = core.parse_body(schemas.NotDeliveredIn)
    user = core.api_user()
    delivery = consolidation_queries.get_delivery_for(user, id)
    consolidation_services.record_not_delivered(delivery, body.reason, by=user)
    return schemas.DeliveryOut.of(consolidation_queries.get_delivery_for(user, id))
