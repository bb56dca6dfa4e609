"""nrhub: the shared purchasing hub for refurbished IT equipment."""

from __future__ import annotations

import gc
import importlib
import os
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, DEV_SECRET_KEY, INSTANCE_DIR, OCDS_PLACEHOLDER_PREFIX, Config

BLUEPRINT_MODULES = (
    "nrhub.main.views",
    "nrhub.auth.views",
    "nrhub.organisations.views",
    "nrhub.audit.views",
    "nrhub.catalog.views",
    "nrhub.clauses.views",
    "nrhub.agreements.views",
    "nrhub.campaigns.routes",
    "nrhub.consolidation.views",
    "nrhub.invoices.views",
    "nrhub.ledger.views",
    "nrhub.stats.views",
    "nrhub.donations.views",
    "nrhub.repairs.views",
    "nrhub.opendata.views",
    "nrhub.api.views",
    "nrhub.api.web",
)


class NrhubFlask(Flask):
    """Flask, with every view run in one unit of work (:mod:`nrhub.transactions`)."""

    def dispatch_request(self) -> ResponseReturnValue:
        from nrhub.transactions import run_in_transaction

        return run_in_transaction(super().dispatch_request)


def create_app(config: str | type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the application; ``config`` is a name of :data:`config.CONFIGS` or a class."""
    app = NrhubFlask(
        __name__,
        template_folder="../templates",
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=True,
    )
    if config is None:
        config = os.environ.get("NRHUB_ENV", "development")
    app.config.from_object(CONFIGS[config] if isinstance(config, str) else config)
    app.config.update(overrides)
    _check_production_settings(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        # Flask's documented way to wrap the WSGI app; mypy sees a method assigned.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )

    _init_extensions(app)
    from nrhub.validation import register_input_rules

    register_input_rules(app)  # before the blueprints: their <int:...> rules take its converter
    for module_name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(module_name).bp)
    # Every area's policy registers its ``can()`` answers (templates ask for any of them).
    for policy in sorted(Path(__file__).parent.glob("*/policy.py")):
        importlib.import_module(f"nrhub.{policy.parent.name}.policy")

    from nrhub.errors import register_error_handlers
    from nrhub.security import register_security_headers
    from nrhub.templating import register_template_helpers

    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)

    from nrhub.cli import register_cli

    register_cli(app)
    if not app.testing:
        # What the application built (modules, routes, compiled templates) lives as long as
        # the process: keep it out of the collector's full passes, which otherwise walk it
        # every few requests (a pause in the middle of an answer). Tests build many apps.
        gc.freeze()
    return app


def _check_production_settings(app: Flask) -> None:
    # Compare with the built-in value, not Config.SECRET_KEY: that one is read from the
    # environment too, so it always equals a key set by SECRET_KEY.
    default_key = app.config["SECRET_KEY"] in ("", DEV_SECRET_KEY)
    production = not app.testing and os.environ.get("NRHUB_ENV") == "production"
    if default_key and production:
        raise RuntimeError("SECRET_KEY must be set in production.")
    if production and app.config["OCDS_OCID_PREFIX"] == OCDS_PLACEHOLDER_PREFIX:
        raise RuntimeError(
            "OCDS_OCID_PREFIX must be the hub's prefix registered with the Open Contracting "
            "Partnership in production (ocds-nrhub is a placeholder)."
        )


def _init_extensions(app: Flask) -> None:
    from nrhub import (
        caching,
        models,  # noqa: F401  (register every table)
    )
    from nrhub.catalog import search
    from nrhub.db import (
        begin_at_first_write,
        configure_sqlite,
        ping_when_idle,
        sqlite_write_intent,
    )
    from nrhub.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    # The catalogue's search structures are no model: autogenerate leaves them alone.
    migrate.init_app(
        app,
        db,
        render_as_batch=True,
        compare_type=True,
        include_name=search.include_name,
        include_object=search.include_object,
    )
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    caching.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Paris")

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
            _ensure_sqlite_directory(app)
        else:
            # A file has no connection that a restart or a network could break.
            ping_when_idle(db.engine, app.config["DATABASE_PING_IDLE_SECONDS"])
            begin_at_first_write(db.engine, db.session.session_factory.class_, _reading)

    @app.before_request
    def _read_only_requests_stay_deferred() -> None:
        sqlite_write_intent.set(request.method not in READING_METHODS)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    from nrhub.auth.services import user_for_session

    login_manager.user_loader(user_for_session)


# The requests that read: SQLite defers their transactions, PostgreSQL begins none until
# they write (nrhub.db.read_until_first_write).
READING_METHODS = ("GET", "HEAD", "OPTIONS")


def _reading() -> bool:
    return has_request_context() and request.method in READING_METHODS


def _ensure_sqlite_directory(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def select_locale() -> str:
    """The language chosen with the switch, else the person's, else French."""
    languages = ("fr", "en")
    if not has_request_context():  # CLI, cron, demo loaders, threads: French
        return "fr"
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return str(current_user.locale)
    # French first, whatever the browser says: English only when a person chooses it.
    return "fr"
