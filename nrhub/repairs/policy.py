"""Who may ask for a repair, answer a request and move it forward.

``None`` when the person may act, else the reason; services raise it
(:func:`nrhub.access.require`), pages ask ``can("verb", obj)``. A request is only ever
seen by its buyer, its refurbisher and the coordination (another organisation gets a 404).
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import Hidden, rule
from nrhub.auth.models import User
from nrhub.consolidation.models import Delivery
from nrhub.repairs.models import RepairRequest


@rule("request_repairs")
def can_request_repairs(person: User) -> str | None:
    if not person.is_buyer:
        return _("Seules les collectivités acheteuses ouvrent une demande de réparation.")
    return None


@rule("answer_repairs")
def can_answer_repairs(person: User) -> str | None:
    """Refurbishers answer the repair requests on what they delivered."""
    if not person.is_refurbisher:
        return _("Seuls les reconditionneurs répondent aux demandes de réparation.")
    return None


@rule("request_repair", Delivery)
def can_request_repair(person: User, delivery: Delivery) -> str | None:
    """A repair is asked on a received delivery, by its buyer."""
    refusal = can_request_repairs(person)
    if refusal is None and delivery.buyer_id != person.organisation_id:
        return Hidden(_("Cette ligne de livraison n'existe pas ou n'est pas la vôtre."))
    if refusal is None and not delivery.is_received:
        return _("Une réparation se demande sur une livraison dont la réception est confirmée.")
    return refusal


@rule("write", RepairRequest)
def can_write(person: User, request: RepairRequest) -> str | None:
    """The buyer and the refurbisher of the request exchange messages; the coordination
    follows without answering."""
    if not person.is_active_member:
        return _("Votre organisation n'est pas active.")
    if person.is_coordinator:
        return _("La coordination suit les demandes sans y répondre.")
    if person.organisation_id not in (request.buyer_id, request.refurbisher_id):
        return Hidden(_("Demande de réparation introuvable."))
    return None


@rule("advance", RepairRequest)
def can_advance(person: User, request: RepairRequest) -> str | None:
    """The refurbisher of the delivery moves the request forward (which steps remain is
    the request's own rule: ``next_statuses``)."""
    if not person.is_refurbisher:
        return _("Seul le reconditionneur de la livraison fait avancer la demande.")
    if request.refurbisher_id != person.organisation_id:
        return Hidden(_("Demande de réparation introuvable."))
    return None
