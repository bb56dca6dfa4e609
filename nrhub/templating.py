"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_locale

from nrhub import formatting
from nrhub.organisations import geo


def _locale() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = lambda v: formatting.format_money(v, _locale())
    app.jinja_env.filters["number"] = lambda v, d=0: formatting.format_number(v, d, _locale())
    app.jinja_env.filters["percent"] = lambda v, d=1: formatting.format_percent(v, d, _locale())
    app.jinja_env.filters["date"] = lambda v: formatting.format_date(v, _locale())
    app.jinja_env.filters["datetime"] = lambda v: formatting.format_datetime(v, _locale())
    app.jinja_env.filters["department_name"] = geo.department_name
    app.jinja_env.filters["region_name"] = geo.region_name

    def has_endpoint(name: str) -> bool:
        return name in app.view_functions

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_locale": _locale(), "has_endpoint": has_endpoint}
