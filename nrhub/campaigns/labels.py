"""French labels of campaign, offer and order states."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from nrhub.campaigns.models import CampaignState, OfferStatus, OrderStatus

# Plain French names (the msgids of STATE_LABELS) for messages built outside templates.
STATE_NAMES = {
    CampaignState.DRAFT: "en préparation",
    CampaignState.CALL_FOR_STOCK: "en appel de stock",
    CampaignState.OPEN: "ouverte",
    CampaignState.CLOSED: "clôturée",
    CampaignState.CONSOLIDATED: "consolidée",
    CampaignState.IN_DELIVERY: "en livraison",
    CampaignState.DONE: "terminée",
    CampaignState.CANCELLED: "annulée",
}

STATE_LABELS = {
    CampaignState.DRAFT: _l("en préparation"),
    CampaignState.CALL_FOR_STOCK: _l("en appel de stock"),
    CampaignState.OPEN: _l("ouverte"),
    CampaignState.CLOSED: _l("clôturée"),
    CampaignState.CONSOLIDATED: _l("consolidée"),
    CampaignState.IN_DELIVERY: _l("en livraison"),
    CampaignState.DONE: _l("terminée"),
    CampaignState.CANCELLED: _l("annulée"),
}

OFFER_STATUS_LABELS = {
    OfferStatus.PENDING: _l("en attente de décision"),
    OfferStatus.ACCEPTED: _l("acceptée"),
    OfferStatus.REFUSED: _l("refusée"),
    OfferStatus.WITHDRAWN: _l("retirée"),
    OfferStatus.CANCELLED: _l("campagne annulée"),
}

ORDER_STATUS_LABELS = {
    OrderStatus.ACTIVE: _l("en cours"),
    OrderStatus.CANCELLED: _l("annulée"),
}

ORDER_EVENT_LABELS = {
    "created": _l("Commande créée"),
    "updated": _l("Commande modifiée"),
    "reactivated": _l("Commande reprise"),
    "cancelled": _l("Commande annulée"),
    "campaign_cancelled": _l("Campagne annulée"),
}


def labels() -> dict[str, dict[Any, object]]:
    return {
        "state": dict(STATE_LABELS),
        "offer": dict(OFFER_STATUS_LABELS),
        "order": dict(ORDER_STATUS_LABELS),
        "event": dict(ORDER_EVENT_LABELS),
    }
