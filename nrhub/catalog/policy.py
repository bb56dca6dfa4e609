"""Who may manage listings in the catalogue, and the maintenance offered with them.

``None`` when the person may act, else the reason (a :class:`~nrhub.access.Hidden` one for
another refurbisher's listing: a 404); services raise it (:func:`nrhub.access.require`),
pages ask ``can("verb", listing)``.
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import Hidden, rule
from nrhub.auth.models import User
from nrhub.catalog.models import Listing


@rule("sell")
def can_sell(person: User) -> str | None:
    """Refurbishers publish and manage their offers."""
    if not person.is_refurbisher:
        return _("Seules les personnes d'un reconditionneur actif gèrent des offres.")
    return None


@rule("import_stock")
def can_import_stock(person: User) -> str | None:
    """Refurbishers import their stock from a spreadsheet."""
    if not person.is_refurbisher:
        return _("Seules les personnes d'un reconditionneur actif importent du stock.")
    return None


@rule("manage", Listing)
def can_manage_listing(person: User, listing: Listing) -> str | None:
    """Another refurbisher's listing is reported as missing, never as forbidden."""
    refusal = can_sell(person)
    if refusal is None and listing.refurbisher_id != person.organisation_id:
        return Hidden(_("Cette offre n'existe pas ou n'est pas la vôtre."))
    return refusal


@rule("publish", Listing)
def can_publish(person: User, listing: Listing) -> str | None:
    refusal = can_manage_listing(person, listing)
    if refusal is None and listing.is_published:
        return _("Cette offre est déjà publiée.")
    return refusal


@rule("archive", Listing)
def can_archive(person: User, listing: Listing) -> str | None:
    refusal = can_manage_listing(person, listing)
    if refusal is None and listing.is_archived:
        return _("Cette offre est déjà archivée.")
    return refusal


@rule("manage_maintenance", Listing)
def can_manage_maintenance(person: User, listing: Listing) -> str | None:
    """A listing's refurbisher offers maintenance or an extended warranty with it
    (:mod:`nrhub.repairs.maintenance`); another refurbisher's listing is missing."""
    if not person.is_refurbisher:
        return _("Seul le reconditionneur de l'offre gère sa maintenance.")
    if listing.refurbisher_id != person.organisation_id:
        return Hidden(_("Offre introuvable."))
    return None
