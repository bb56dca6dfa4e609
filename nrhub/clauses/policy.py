"""Who may change the shared library of social and environmental clauses.

``None`` when the person may act, else the reason; services raise it
(:func:`nrhub.access.require`), pages ask ``can("edit_clauses")``.
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import rule
from nrhub.auth.models import User


@rule("edit_clauses")
def can_edit_clauses(person: User) -> str | None:
    if not person.is_coordinator:
        return _("Seule la coordination peut modifier le clausier.")
    return None
