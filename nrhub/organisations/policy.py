"""Who may admit, suspend or reinstate an organisation, and who may edit its profile.

``None`` when the person may act, else the reason; services raise it
(:func:`nrhub.access.require`), pages ask ``can("verb", organisation)``.
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import rule
from nrhub.auth.models import User
from nrhub.organisations.models import Organisation


@rule("review_organisations")
def can_review_organisations(person: User) -> str | None:
    """Admitting, rejecting, suspending and reinstating members is the coordination's."""
    if not person.is_coordinator:
        return _("Réservé aux coordinateurs de la centrale.")
    return None


@rule("change_status", Organisation)
def can_change_status(person: User, organisation: Organisation) -> str | None:
    """The hub's own organisation keeps its status."""
    refusal = can_review_organisations(person)
    if refusal is None and organisation.is_hub:
        return _("Le statut de la centrale elle-même ne peut pas être modifié.")
    return refusal


@rule("administer", Organisation)
def can_administer(person: User, organisation: Organisation) -> str | None:
    """An organisation's administrators edit its profile and its people."""
    if not (
        person.is_active_member
        and person.is_org_admin
        and person.organisation_id == organisation.id
    ):
        return _("Réservé aux administrateurs de l'organisation.")
    return None
