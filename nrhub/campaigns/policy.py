"""Who may do what with a campaign, its offers and its orders.

Each ``can_*`` answers ``None`` when the person may act, else the reason. Services raise
it (:func:`nrhub.access.require`), pages ask ``can("verb", obj)``. The checks of the
moment (is ordering open now? is the row still in that state?) stay in the services, which
re-read the state when they write.
"""

from __future__ import annotations

from nrhub.access import Hidden, rule
from nrhub.auth.models import User
from nrhub.campaigns.messages import _
from nrhub.campaigns.models import Campaign, Order


@rule("manage_campaigns")
def can_manage_campaigns(person: User) -> str | None:
    """Preparing, opening, closing and cancelling campaigns is the coordination's work."""
    if not person.is_coordinator:
        return _("Seule la coordination peut gérer les campagnes.")
    return None


def _managing(person: User, allowed: bool) -> str | None:
    """The coordination, and a campaign in a state that allows the action."""
    refusal = can_manage_campaigns(person)
    if refusal is None and not allowed:
        return _("Cette action n'est pas possible dans l'état actuel de la campagne.")
    return refusal


@rule("edit", Campaign)
def can_edit(person: User, campaign: Campaign) -> str | None:
    """A campaign is edited while in preparation, in its call for stock or open."""
    return _managing(person, campaign.is_editable)


@rule("publish_call", Campaign)
def can_publish_call(person: User, campaign: Campaign) -> str | None:
    return _managing(person, campaign.is_draft)


@rule("open", Campaign)
def can_open(person: User, campaign: Campaign) -> str | None:
    return _managing(person, campaign.is_openable)


@rule("close", Campaign)
def can_close(person: User, campaign: Campaign) -> str | None:
    return _managing(person, campaign.is_open)


@rule("cancel", Campaign)
def can_cancel(person: User, campaign: Campaign) -> str | None:
    """A campaign is cancelled up to its consolidation, never after."""
    return _managing(person, campaign.is_cancellable)


@rule("decide_offers", Campaign)
def can_decide_offers(person: User, campaign: Campaign) -> str | None:
    """The coordination accepts or refuses offers while refurbishers may still commit."""
    return _managing(person, campaign.accepts_offers)


@rule("commit_stock")
def can_commit_stock(person: User) -> str | None:
    if not person.is_refurbisher:
        return _("Seuls les reconditionneurs engagent du stock.")
    return None


@rule("place_order")
def can_place_order(person: User) -> str | None:
    if not person.is_buyer:
        return _("Seules les collectivités acheteuses passent commande.")
    return None


@rule("cancel", Order)
def can_cancel_order(person: User, order: Order) -> str | None:
    """A buyer's people cancel its order; another buyer's order stays hidden. (Is it still
    active, is ordering still open? The service checks both at the moment it writes.)"""
    if not person.is_buyer or order.buyer_id != person.organisation_id:
        return Hidden(_("Commande introuvable."))
    return None
