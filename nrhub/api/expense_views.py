"""API v1 endpoints of the buyer's spend ledger: declare a purchase made outside the hub
(or a donation received) and read the rows of a year, through nrhub.ledger's services."""

from __future__ import annotations

from decimal import Decimal

from flask import request
from flask_babel import gettext as _

from nrhub.api import core, queries, schemas
from nrhub.api.core import PAGINATION_PARAMS, Answer, Param, route
from nrhub.ledger import services as ledger_services
from nrhub.security import Role
from nrhub.stats.queries import current_year

BUYER = (Role.BUYER,)


@route(
    "/expenses",
    "POST",
    summary="Déclarer une dépense hors centrale ou un don reçu",
    description="Les champs du formulaire web des dépenses. nature : new (neuf), reuse "
    "(réemploi ou réutilisation), donation (don reçu, valorisé par la grille forfaitaire "
    "selon donation_age_bracket ; amount_ht est alors ignoré). Les achats via la centrale "
    "sont écrits à la réception des livraisons.",
    roles=BUYER,
    body=schemas.ExpenseIn,
    response=schemas.ExpenseOut,
    status=201,
    errors=(401, 403, 422),
    tag="Dépenses",
)
def create_expense() -> Answer:
    body = core.parse_body(schemas.ExpenseIn)
    category_id = queries.category_ids_by_code([body.category]).get(body.category)
    if category_id is None:
        raise core.invalid({"category": [_("Catégorie inconnue.")]})
    nature = ledger_services.SpendNature(body.nature)
    donation = nature == ledger_services.SpendNature.DONATION
    data = ledger_services.SpendInput(
        spent_on=body.spent_on,
        category_id=category_id,
        quantity=body.quantity,
        amount=None if donation or body.amount_ht is None else Decimal(body.amount_ht),
        supplier_name=body.supplier_name.strip(),
        nature=nature,
        supplier_siret=body.supplier_siret,
        has_recycled_materials=body.has_recycled_materials,
        donation_age_bracket=body.donation_age_bracket if donation else None,
        social_consideration=body.social_consideration,
        environmental_consideration=body.environmental_consideration,
        clause_ids=tuple(dict.fromkeys(body.clause_ids)),
        comment=body.comment,
    )
    user = core.api_user()
    with core.fields_renamed({"category_id": "category", "amount": "amount_ht"}):
        entry = ledger_services.declare_spend(data, by=user)
    return schemas.ExpenseOut.of(queries.get_expense(user.organisation_id, entry.id)), 201


@route(
    "/expenses",
    "GET",
    summary="Mes dépenses d'une année",
    description="Toutes les lignes de l'année (achats via la centrale, hors centrale, dons), "
    "par identifiant croissant.",
    roles=BUYER,
    response=schemas.ExpensePage,
    params=[
        Param(
            "year",
            "query",
            {"type": "integer", "minimum": 2000, "maximum": 2100},
            "Année civile (par défaut l'année en cours).",
        ),
        *PAGINATION_PARAMS,
    ],
    errors=(401, 403, 422),
    tag="Dépenses",
)
def expenses() -> Answer:
    query = core.parse_query(schemas.ExpensesQuery)
    limit = core.page_limit(request.args.get("limit"))
    after = core.decode_cursor(request.args.get("cursor"))
    user = core.api_user()
    items, more = queries.expenses_page(
        user.organisation_id, query.year or current_year(), after, limit
    )
    return schemas.ExpensePage.of(
        items, core.encode_cursor(items[-1].id) if more and items else None
    )
