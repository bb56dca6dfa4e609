"""Who may manage the framework agreements and record the membership agreements.

``None`` when the person may act, else the reason; services raise it
(:func:`nrhub.access.require`), pages ask ``can("verb")``. Who reads an agreement is the
queries' scoping (``get_*_for``: another buyer's agreement is a 404).
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import rule
from nrhub.auth.models import User


@rule("manage_frameworks")
def can_manage_frameworks(person: User) -> str | None:
    """Framework agreements, their lots and holders are the coordination's to keep."""
    if not person.is_coordinator:
        return _("Seule la coordination gère les accords-cadres.")
    return None


@rule("record_memberships")
def can_record_memberships(person: User) -> str | None:
    """The coordination records each buyer's signed membership agreement."""
    if not person.is_coordinator:
        return _("Seule la coordination enregistre les conventions d'adhésion.")
    return None
