"""Who may consolidate a campaign, ship a delivery and confirm its receipt.

``None`` when the person may act, else the reason; services raise it
(:func:`nrhub.access.require`), pages ask ``can("verb", obj)``. Which deliveries a person
sees at all is the queries' scoping (another organisation's delivery is a 404).
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import rule
from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign
from nrhub.consolidation.models import Delivery


@rule("consolidate")
def can_consolidate(person: User) -> str | None:
    if not person.is_coordinator:
        return _("Seule la coordination de la centrale consolide les campagnes.")
    return None


@rule("see_consolidation", Campaign)
def can_see_consolidation(person: User, campaign: Campaign) -> str | None:
    """The consolidation page exists once ordering has opened (it says when it must wait
    for the closing)."""
    refusal = can_consolidate(person)
    if refusal is None and campaign.is_openable:
        return _("Les commandes de cette campagne ne sont pas encore ouvertes.")
    return refusal


def shipper_refusal(person: User, delivery: Delivery) -> str | None:
    """Who ships, whatever the delivery's state (the service checks it as it writes)."""
    if not person.is_refurbisher:
        return _("Seul le reconditionneur du bon de commande expédie.")
    if person.organisation_id != delivery.refurbisher_id:
        return _("Cette livraison n'est pas la vôtre.")
    return None


def recipient_refusal(person: User, delivery: Delivery) -> str | None:
    """Who receives, whatever the delivery's state (the service checks it as it writes)."""
    if not person.is_buyer:
        return _("Seul l'acheteur destinataire confirme la réception.")
    if person.organisation_id != delivery.buyer_id:
        return _("Cette livraison n'est pas la vôtre.")
    return None


@rule("ship", Delivery)
def can_ship(person: User, delivery: Delivery) -> str | None:
    """The purchase order's refurbisher ships a delivery not shipped yet."""
    refusal = shipper_refusal(person, delivery)
    if refusal is None and not delivery.is_pending:
        return _("Cette livraison a déjà été expédiée.")
    return refusal


@rule("receive", Delivery)
def can_receive(person: User, delivery: Delivery) -> str | None:
    """The recipient buyer confirms the units of a shipped delivery still expected (and,
    after a partial receipt, records the missing ones as never coming)."""
    refusal = recipient_refusal(person, delivery)
    if refusal is None and not delivery.awaits_receipt:
        return _("Cette livraison n'attend aucune réception.")
    return refusal
