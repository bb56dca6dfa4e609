"""The campaigns blueprint with every view module of the area registered on it.

``views`` defines the blueprint and the campaign pages; ``offer_views`` and
``order_views`` add their routes to it. The application registers this module's ``bp``,
so that no view module has to import its siblings.
"""

from __future__ import annotations

from nrhub.campaigns import offer_views, order_views
from nrhub.campaigns.views import bp

__all__ = ["bp", "offer_views", "order_views"]
