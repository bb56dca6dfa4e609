"""Display labels of the area's statuses and rules (French source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from nrhub.consolidation.allocation import Rule
from nrhub.consolidation.models import DeliveryStatus

DELIVERY_STATUS = {
    DeliveryStatus.PENDING: _l("À expédier"),
    DeliveryStatus.SHIPPED: _l("Expédiée"),
    DeliveryStatus.PARTIAL: _l("Reçue en partie"),
    DeliveryStatus.RECEIVED: _l("Reçue"),
}

RULES = {
    Rule.PROPORTIONAL: _l("Proportionnelle (plus forts restes)"),
    Rule.FIFO: _l("Premier arrivé, premier servi"),
}


def delivery_status(status: str) -> str:
    return str(DELIVERY_STATUS.get(DeliveryStatus(status), status))


def rule(value: str) -> str:
    return str(RULES.get(Rule(value), value))
