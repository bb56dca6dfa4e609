"""Routes of the open contract data exports.

Open to everyone, logged in or not, once a campaign is consolidated: the essential data of
public contracts are public by law (they are published on data.gouv.fr), and they name
only organisations, never a person. Before consolidation, and for unknown or cancelled
campaigns, there is nothing to publish: 404 for everybody, coordinators included.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, url_for

from nrhub.campaigns import calloffs
from nrhub.opendata import decp, ocds, queries

bp = Blueprint("opendata", __name__)


def _json_default(value: Any) -> Any:
    # Amounts leave as JSON numbers; a two-decimal Decimal prints back exactly as a float.
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_download(document: dict[str, Any], filename: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2, default=_json_default)
    return Response(
        body + "\n",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@bp.get("/campagnes/<int:campaign_id>/donnees-essentielles.json")
def essential_data(campaign_id: int) -> Response:
    data = queries.published_campaign(campaign_id)
    return json_download(
        decp.essential_data(
            data, current_app.config["DECP_CCAG"], calloffs.call_off_frame(campaign_id)
        ),
        f"donnees-essentielles-campagne-{campaign_id}.json",
    )


@bp.get("/campagnes/<int:campaign_id>/ocds.json")
def release_package(campaign_id: int) -> Response:
    data = queries.published_campaign(campaign_id)
    package = ocds.release_package(
        data,
        prefix=current_app.config["OCDS_OCID_PREFIX"],
        uri=url_for(".release_package", campaign_id=campaign_id, _external=True),
    )
    return json_download(package, f"ocds-campagne-{campaign_id}.json")
