"""Who may mark a year's reuse declaration as published.

``None`` when the person may act, else the reason; the service raises it
(:func:`nrhub.access.require`), pages ask ``can("declare")``. Whose figures a person sees is
the views' scoping (a buyer its own, a coordinator any buyer's, another id a 404).
"""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import rule
from nrhub.auth.models import User


@rule("declare")
def can_declare(person: User) -> str | None:
    """Each buyer publishes its own yearly declaration (loi AGEC, article 58)."""
    if not person.is_buyer:
        return _("Seules les collectivités acheteuses déclarent.")
    return None
