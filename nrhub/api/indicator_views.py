"""API v1 endpoints of the indicators: the figures of PRODUCT.md §3 and the national
declaration file, from the same nrhub.stats functions as the dashboards and exports."""

from __future__ import annotations

import re

from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from nrhub.api import core, schemas
from nrhub.api.core import Answer, ApiProblem, Param, route
from nrhub.ledger.models import TargetKind
from nrhub.organisations.models import Organisation
from nrhub.security import Role
from nrhub.stats import pages
from nrhub.stats import queries as stats_queries
from nrhub.stats.declaration import declaration_response

READERS = (Role.BUYER, Role.COORDINATOR)


def _buyer_in_scope(asked: int | None) -> Organisation | None:
    """A buyer reads only its own figures (another organisation → 404); a coordinator names
    any buyer, or none for the whole hub (the dashboards' rule)."""
    user = core.api_user()
    if user.role == Role.BUYER:
        if asked is not None and asked != user.organisation_id:
            raise ApiProblem(404, _("Organisation introuvable."))
        return stats_queries.buyer_for(user.organisation_id)
    if asked is None:
        return None
    buyer = stats_queries.buyer_for(asked)
    if buyer is None:
        raise ApiProblem(404, _("Organisation introuvable."))
    return buyer


ORG_PARAM = Param(
    "organisation",
    "query",
    {"type": "integer", "minimum": 1, "maximum": core.MAX_ID},
    "Acheteur (coordinateur seulement ; absent : tout le réseau). Un acheteur ne peut "
    "demander que sa propre organisation.",
)


@route(
    "/indicators",
    "GET",
    summary="Indicateurs d'une année",
    description="Les indicateurs du tableau de bord (mêmes fonctions de calcul), pour le "
    "« Matériel informatique et téléphonie » ; by_legal_category donne les mêmes sommes par "
    "catégorie légale de la déclaration. Parts en chaînes décimales entre 0 et 1 (4 "
    "décimales), null faute de données.",
    roles=READERS,
    response=schemas.IndicatorsOut,
    params=[
        Param(
            "year",
            "query",
            {"type": "integer", "minimum": 2000, "maximum": 2100},
            "Année civile (par défaut l'année en cours).",
        ),
        ORG_PARAM,
    ],
    errors=(401, 403, 404, 422),
    tag="Indicateurs",
)
def indicators() -> Answer:
    query = core.parse_query(schemas.IndicatorsQuery)
    buyer = _buyer_in_scope(query.organisation)
    year = query.year or stats_queries.current_year()
    buyer_id = buyer.id if buyer is not None else None
    targets = pages.it_targets(year)
    return schemas.IndicatorsOut.of(
        buyer,
        stats_queries.indicators(year, buyer_id=buyer_id),
        target_percent=pages.target_percent(targets, TargetKind.SPEND_SHARE),
        retired_reuse_rate=stats_queries.retired_reuse_rate(year, buyer_id=buyer_id),
        by_category=stats_queries.spend_by_category(year, buyer_id=buyer_id),
        recycled_target_percent=pages.recycled_target_percent(targets),
        legal_rows=pages.legal_category_rows(year, buyer_id),
    )


@route(
    "/declarations/{year}.csv",
    "GET",
    summary="Fichier de déclaration annuelle (CSV)",
    description="Le fichier du schéma national, comme l'export web : un acheteur reçoit ses "
    "lignes, le coordinateur celles de tous les membres (ou d'un acheteur avec organisation).",
    roles=READERS,
    params=[
        Param(
            "year",
            "path",
            {"type": "integer", "minimum": 2000, "maximum": 2100},
            "Année déclarée.",
            required=True,
        ),
        ORG_PARAM,
    ],
    errors=(401, 403, 404, 422),
    tag="Indicateurs",
    media_type="text/csv",
)
def declaration(year: str) -> ResponseReturnValue:
    if not (re.fullmatch(r"[0-9]{4}", year) and 2000 <= int(year) <= 2100):
        raise core.invalid({"year": [_("Une année entre 2000 et 2100 est attendue.")]})
    query = core.parse_query(schemas.IndicatorsQuery)
    buyer = _buyer_in_scope(query.organisation)
    return declaration_response(int(year), buyer, core.api_user())
