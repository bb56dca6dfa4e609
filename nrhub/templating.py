"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import get_locale, get_translations
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context

from nrhub import formatting
from nrhub.formatting import current_language as language
from nrhub.navigation import nav_html
from nrhub.organisations import geo
from nrhub.tables import stack_labels


def _translations() -> NullTranslations:
    """Flask-Babel's translations for the current locale, found once per request and locale
    (its own lookup costs several context reads per string, and a page has dozens)."""
    locale = get_locale()
    known: dict[Any, NullTranslations] = g.setdefault("nrhub_translations", {})
    translations = known.get(locale)
    if translations is None:
        translations = known[locale] = get_translations()
    return translations


def next_id(prefix: str) -> str:
    """An HTML id unique within the page being rendered (a counter per request)."""
    g.nrhub_ids = g.get("nrhub_ids", 0) + 1
    return f"{prefix}-{g.nrhub_ids}"


def _install_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _space(context: EvalContext) -> str:
    """No-break spaces in a page (an amount never wraps), plain ones in a text mail."""
    return formatting.NBSP if context.autoescape else " "


@pass_eval_context
def _money(context: EvalContext, value: Decimal | int | None) -> str:
    return formatting.format_money(value, language(), _space(context))


@pass_eval_context
def _number(context: EvalContext, value: Decimal | int | float | None, digits: int = 0) -> str:
    return formatting.format_number(value, digits, language(), _space(context))


@pass_eval_context
def _percent(context: EvalContext, value: Decimal | float | None, digits: int = 1) -> str:
    return formatting.format_percent(value, digits, language(), _space(context))


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

    def has_endpoint(name: str) -> bool:
        return name in app.view_functions

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "current_locale": language(),
            "has_endpoint": has_endpoint,
            "hub_contact_email": app.config["HUB_CONTACT_EMAIL"],
        }
