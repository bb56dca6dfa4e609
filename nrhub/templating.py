"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from babel.support import NullTranslations
from flask import Flask, current_app, g, render_template
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from nrhub import access, formatting
from nrhub.formatting import current_language as language
from nrhub.navigation import nav_html
from nrhub.organisations import geo
from nrhub.tables import stack_labels


def _translations() -> NullTranslations:
    """Flask-Babel's translations for the current locale, found once per request and locale
    (its own lookup costs several context reads per string, and a page has dozens)."""
    locale = formatting.current_locale()
    known: dict[Any, NullTranslations] = g.setdefault("nrhub_translations", {})
    translations = known.get(locale)
    if translations is None:
        translations = known[locale] = get_translations()
    return translations


def next_id(prefix: str) -> str:
    """An HTML id unique within the page being rendered (a counter per request)."""
    g.nrhub_ids = g.get("nrhub_ids", 0) + 1
    return f"{prefix}-{g.nrhub_ids}"


def placeholder(name: str) -> str:
    """A mark left in HTML rendered once and kept, replaced by its value at each use. It
    never occurs in data: NUL characters are refused in every input (nrhub.validation)."""
    return f"\x00{name}\x00"


def static_fragment(name: str, **values: Hashable) -> Markup:
    """The template ``name`` rendered with ``values``, once per language and values, and
    kept for the life of the process (as the navigation is): only for text that depends on
    the code, the translations and ``values`` alone — no data, person, URL or page id."""
    kept: dict[Any, Markup] = current_app.extensions.setdefault("nrhub_static_fragments", {})
    key = (name, language(), tuple(sorted(values.items())))
    html = kept.get(key)
    if html is None:
        html = kept[key] = Markup(render_template(name, **values))  # noqa: S704  # nosec B704
    return html


def can(verb: str, obj: object = None) -> bool:
    """Whether the current person may ``verb`` ``obj``: the areas' policies answer
    (``{% if can("cancel", campaign) %}``); anonymous people may not."""
    return access.can(current_user, verb, obj)


def _install_gettext(app: Flask) -> None:
    # Added to the environment by Jinja's i18n extension at run time, unknown to its types.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _language_of(context: Context) -> str:
    # The language the render started in (the context processor's ``current_locale``): a
    # table or a batch of e-mails prints thousands of amounts, each asking for it otherwise.
    known = context.get("current_locale")
    return known if isinstance(known, str) else language()


def _space(context: Context) -> str:
    """No-break spaces in a page (an amount never wraps), plain ones in a text mail."""
    return formatting.NBSP if context.eval_ctx.autoescape else " "


@pass_context
def _money(context: Context, value: Any) -> str:
    return formatting.format_money(value, _language_of(context), _space(context))


@pass_context
def _number(context: Context, value: Any, digits: int = 0) -> str:
    return formatting.format_number(value, digits, _language_of(context), _space(context))


@pass_context
def _percent(context: Context, value: Any, digits: int = 1) -> str:
    return formatting.format_percent(value, digits, _language_of(context), _space(context))


def register_template_helpers(app: Flask) -> None:
    _install_gettext(app)
    app.jinja_env.filters["money"] = _money
    app.jinja_env.filters["number"] = _number
    app.jinja_env.filters["percent"] = _percent
    app.jinja_env.filters["date"] = lambda v: formatting.format_date(v, language())
    app.jinja_env.filters["datetime"] = lambda v: formatting.format_datetime(v, language())
    app.jinja_env.filters["stack_labels"] = stack_labels
    app.jinja_env.filters["department_name"] = geo.department_name
    app.jinja_env.filters["region_name"] = geo.region_name
    app.jinja_env.globals["nav_html"] = nav_html
    app.jinja_env.globals["next_id"] = next_id
    app.jinja_env.globals["static_fragment"] = static_fragment
    app.jinja_env.globals["can"] = can

    def has_endpoint(name: str) -> bool:
        return name in app.view_functions

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "current_locale": language(),
            "has_endpoint": has_endpoint,
            "hub_contact_email": app.config["HUB_CONTACT_EMAIL"],
        }
