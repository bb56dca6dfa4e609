"""Who may mark a year's reuse declaration as published, and whose figures a person sees.

``None`` when the person may act, else the reason; the service raises it
(:func:`nrhub.access.require`), pages ask ``can("declare")``. The views ask the ``can_see_*``
functions which dashboard to show: a buyer its own spending, a refurbisher its sales, the
coordination the hub's figures or any buyer's; another organisation's id is a 404.
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import Hidden, rule
from nrhub.auth.models import User


@rule("declare")
def can_declare(person: User) -> str | None:
    """Each buyer publishes its own yearly declaration (loi AGEC, article 58)."""
    if not person.is_buyer:
        return _("Seules les collectivités acheteuses déclarent.")
    return None


@rule("see_own_spend")
def can_see_own_spend(person: User) -> str | None:
    """A buyer's indicators are its own spending (and only its own)."""
    if not person.is_buyer:
        return _("Seules les collectivités acheteuses ont des dépenses à suivre.")
    return None


@rule("see_own_sales")
def can_see_own_sales(person: User) -> str | None:
    """A refurbisher's indicators are its sales to the buyers."""
    if not person.is_refurbisher:
        return _("Seuls les reconditionneurs ont des ventes à suivre.")
    return None


@rule("see_any_buyer")
def can_see_any_buyer(person: User) -> str | None:
    """The coordination may open the figures of any buyer of the hub."""
    if not person.is_coordinator:
        return _("Seule la coordination consulte les indicateurs d'un autre membre.")
    return None


def can_see_figures_of(person: User, organisation_id: int) -> str | None:
    """Asking for an organisation's figures by id: a buyer or a refurbisher names only its
    own organisation (another id stays hidden); the others may name any."""
    if (person.is_buyer or person.is_refurbisher) and organisation_id != person.organisation_id:
        return Hidden(_("Organisation introuvable."))
    return None
