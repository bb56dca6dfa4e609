"""The main navigation: which entries each kind of visitor sees.

Every page draws it, so the entries are resolved (translated, URLs built) and rendered once
per kind of visitor, language, script root and current entry, and kept for the life of the
process: they depend on the code alone, never on data.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from nrhub.security import Role


class NavLink(NamedTuple):
    href: str
    label: str


_PUBLIC = (("catalog.index", _l("Catalogue")),)
_BY_ROLE = {
    Role.COORDINATOR: (
        ("organisations.admin_list", _l("Organisations")),
        ("campaigns.index", _l("Campagnes")),
        ("clauses.index", _l("Clausier")),
        ("donations.index", _l("Dons")),
        ("repairs.coordinator_list", _l("Réparations")),
        ("stats.dashboard", _l("Indicateurs")),
        ("ledger.targets", _l("Objectifs")),
        ("audit.index", _l("Journal")),
    ),
    Role.REFURBISHER: (
        ("catalog.my_listings", _l("Mes offres")),
        ("campaigns.index", _l("Campagnes")),
        ("consolidation.purchase_orders", _l("Bons de commande")),
        ("consolidation.deliveries", _l("Livraisons")),
        ("donations.index", _l("Lots de réemploi")),
        ("repairs.refurbisher_list", _l("Réparations")),
        ("stats.dashboard", _l("Mes ventes")),
    ),
    Role.BUYER: (
        ("campaigns.index", _l("Campagnes")),
        ("consolidation.deliveries", _l("Livraisons")),
        ("repairs.buyer_list", _l("Réparations")),
        ("ledger.index", _l("Dépenses")),
        ("donations.index", _l("Dons")),
        ("stats.dashboard", _l("Indicateurs")),
    ),
}
_ORG_ADMIN = (("organisations.members", _l("Mon organisation")),)
_MEMBER = (("auth.profile", _l("Mon compte")),)
_ANONYMOUS = (
    ("auth.login", _l("Se connecter")),
    ("organisations.signup", _l("Inscrire mon organisation")),
)


# The keys are few (kinds of visitor × languages × current entry); the bound only guards
# against a script root that a misconfigured proxy would let clients choose.
_MAX_KEPT = 512


def _kept(name: str) -> dict[Any, Any]:
    kept: dict[Any, Any] = current_app.extensions.setdefault(name, {})
    if len(kept) > _MAX_KEPT:
        kept.clear()
    return kept


def _entries(
    role: str | None, is_org_admin: bool, authenticated: bool
) -> tuple[tuple[str, Any], ...]:
    if not authenticated:
        return _PUBLIC + _ANONYMOUS
    if role is None:  # logged in, organisation not (or no longer) active
        return _PUBLIC
    return _PUBLIC + _BY_ROLE[Role(role)] + (_ORG_ADMIN if is_org_admin else ()) + _MEMBER


def visitor_kind() -> tuple[str | None, bool, bool]:
    """(role of an active member, organisation admin, logged in): all that the navigation
    of the current visitor depends on, with the language."""
    user = current_user._get_current_object()  # one proxy lookup, not four
    authenticated = bool(user.is_authenticated)
    member = authenticated and user.is_active_member
    role = str(user.role) if member else None
    return role, bool(member and user.is_org_admin), authenticated


def nav_links() -> tuple[NavLink, ...]:
    """The entries for the current visitor; an entry shows once its area defines the endpoint."""
    role, is_org_admin, authenticated = visitor_kind()
    key = (str(get_locale()), request.script_root, role, is_org_admin, authenticated)
    known = _kept("nrhub_nav")
    links: tuple[NavLink, ...] | None = known.get(key)
    if links is None:
        links = tuple(
            NavLink(current_app.url_for(endpoint), str(label))
            for endpoint, label in _entries(role, is_org_admin, authenticated)
            if endpoint in current_app.view_functions
        )
        known[key] = links
    return links


def nav_html() -> Markup:
    """The entries as ``<li>`` items, the page's own marked ``aria-current``."""
    links = nav_links()
    path = request.path
    current = tuple(
        i for i, link in enumerate(links) if link.href != "/" and path.startswith(link.href)
    )
    rendered = _kept("nrhub_nav_html")
    html: Markup | None = rendered.get((links, current))
    if html is None:
        html = rendered[(links, current)] = Markup("\n").join(
            Markup('<li><a href="{}"{}>{}</a></li>').format(
                link.href, Markup(' aria-current="page"') if i in current else "", link.label
            )
            for i, link in enumerate(links)
        )
    return html
