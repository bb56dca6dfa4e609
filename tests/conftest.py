"""Test fixtures: one app per test on SQLite (file, WAL) or PostgreSQL.

``NRHUB_TEST_BACKEND=postgresql`` with ``TEST_DATABASE_URL`` runs the same suite on
PostgreSQL (``make test`` does both when the URL is set).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import Engine, Table, create_engine, insert, make_url, select, text
from werkzeug.routing.rules import Rule

from config import TestingConfig
from nrhub import create_app
from nrhub.db import sqlite_write_intent
from nrhub.extensions import db, limiter
from tests import factories

ON_POSTGRESQL = os.environ.get("NRHUB_TEST_BACKEND") == "postgresql"


def _share_url_builders() -> None:
    """Every test builds its own app, and werkzeug compiles Python code for each URL rule of
    each app: a third of a test's setup. That code depends only on the rule, so one copy
    per rule serves every app of the session (test-only; the server builds one app)."""
    compile_builder = Rule._compile_builder
    builders: dict[tuple[Any, ...], Any] = {}

    def shared(rule: Rule, append_unknown: bool = True) -> Any:
        key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
               append_unknown)  # fmt: skip
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


_share_url_builders()


def _share_parsed_rules() -> None:
    """The other half of a URL rule's compilation, parsing it into regular expressions,
    depends only on the rule and the converter classes: parsed once per session too."""
    parse = Rule._parse_rule
    parsed: dict[tuple[Any, ...], tuple[list[Any], list[Any], dict[str, Any]]] = {}

    def shared(rule: Rule, text: str) -> Iterator[Any]:
        assert rule.map is not None
        key = (text, tuple(rule.map.converters.items()))
        if key not in parsed:
            trace_before, converters_before = len(rule._trace), dict(rule._converters)
            parts = list(parse(rule, text))
            converters = {
                name: converter
                for name, converter in rule._converters.items()
                if converters_before.get(name) is not converter
            }
            parsed[key] = (parts, rule._trace[trace_before:], converters)
        else:
            parts, trace, converters = parsed[key]
            rule._trace.extend(trace)
            rule._converters.update(converters)
            rule.arguments.update(converters)
        yield from parts

    Rule._parse_rule = shared  # type: ignore[method-assign]


_share_parsed_rules()


class _SessionBytecodeCache(BytecodeCache):
    """Every test builds its own app, hence its own Jinja environment, which would parse,
    generate and compile each template it renders again: half of a short test's time. The
    compiled code depends only on the template's source (Jinja checks its checksum before
    using a copy), so one copy per template serves every app of the session."""

    def __init__(self) -> None:
        self._copies: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._copies:
            bucket.bytecode_from_string(self._copies[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._copies[bucket.key] = bucket.bytecode_to_string()


def _share_compiled_templates() -> None:
    shared = _SessionBytecodeCache()
    create_environment = Flask.create_jinja_environment

    def create_jinja_environment(app: Flask) -> Any:
        environment = create_environment(app)
        environment.bytecode_cache = shared
        return environment

    Flask.create_jinja_environment = create_jinja_environment  # type: ignore[method-assign]


_share_compiled_templates()


def _share_engines() -> None:
    """One engine per database for the whole session: SQLAlchemy keeps the SQL it compiled
    per engine, so a new engine per test compiled every statement of every test again."""
    engines: dict[str, Engine] = {}
    make_engine = type(db)._make_engine

    def shared(self: Any, bind_key: str | None, options: dict[str, Any], app: Flask) -> Engine:
        if make_url(options["url"]).database in (None, "", ":memory:"):
            return make_engine(self, bind_key, options, app)  # a fresh memory database
        key = repr(sorted((name, repr(value)) for name, value in options.items()))
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    type(db)._make_engine = shared  # type: ignore[method-assign]


_share_engines()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not ON_POSTGRESQL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.exit("NRHUB_TEST_BACKEND=postgresql demande TEST_DATABASE_URL", returncode=2)
    # Test data need not survive a crash: commits do not wait for the disk.
    url = _with_options(url, "-c synchronous_commit=off")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield url
        return
    # Under xdist each worker gets its own database beside the given one, so that workers
    # never wipe each other's rows.
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    _postgresql_admin(
        url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    yield parsed.set(database=name).render_as_string(hide_password=False)
    _postgresql_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_options(url: str, options: str) -> str:
    parsed = make_url(url)
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def _postgresql_admin(url: str, *statements: str) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _wipe(app: Flask) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        # DELETE and setval rather than TRUNCATE ... RESTART IDENTITY: on tables of a few
        # rows TRUNCATE costs a new file per table, ten times the whole wipe.
        # One round trip for the whole wipe: a test's teardown otherwise waited for the
        # server fifty times.
        statements = [f'DELETE FROM "{table.name}"' for table in tables]
        statements.append(
            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
        db.session.connection().exec_driver_sql(";\n".join(statements))
    else:
        for table in tables:
            db.session.execute(table.delete())
        db.session.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence() else None
    db.session.commit()


def _has_sqlite_sequence() -> bool:
    return bool(
        db.session.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        ).first()
    )


# The reference rows (categories, clauses, targets...) as the loaders first wrote them, per
# database: a test restores them with one INSERT per table instead of running the loaders,
# which read their files and query each row (a fifth of a short test).
_reference_rows: dict[str, list[tuple[Table, list[dict[str, Any]]]]] = {}


def _load_reference_rows(database_url: str) -> None:
    snapshot = _reference_rows.get(database_url)
    if snapshot is None:
        from nrhub.reference import load_reference_data

        load_reference_data()
        db.session.commit()  # the loaders only flush: the test starts from committed data
        snapshot = []
        for table in db.metadata.sorted_tables:
            rows = [dict(row._mapping) for row in db.session.execute(select(table))]
            if rows:
                snapshot.append((table, rows))
        _reference_rows[database_url] = snapshot
        db.session.commit()
        return
    for table, rows in snapshot:
        # The wipe's commit may have bumped a cache generation row back into existence.
        db.session.execute(table.delete())
        db.session.execute(insert(table), rows)
    if db.engine.dialect.name == "postgresql":
        # Explicit ids do not move the sequences that the wipe reset.
        db.session.execute(
            text(
                " UNION ALL ".join(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'(SELECT max(id) FROM "{table.name}"))'
                    for table, _rows in snapshot
                    if "id" in table.c
                )
            )
        )
    db.session.commit()


@pytest.fixture
def app(
    database_url: str, _schema: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_DIR=str(tmp_path / "uploads"),
        MAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    with app.app_context():
        _load_reference_rows(database_url)
        factories.bind(db.session)
        limiter.reset()
        yield app
        db.session.rollback()
        _wipe(app)
        db.session.remove()


def _fresh_g(sender: Flask, **_extra: object) -> None:
    g.__dict__.clear()


@pytest.fixture(autouse=True)
def fresh_request_globals(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give every test request an empty ``flask.g``, as a real server does.

    The ``app`` fixture keeps one application context open for the whole test and Flask
    reuses it for each request, so ``g`` (where Flask-Login caches the current person and
    Flask-Babel the locale) would otherwise leak from one request, or one client, to the next.
    """
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    request_started.connect(_fresh_g, app)
    yield
    request_started.disconnect(_fresh_g, app)


@pytest.fixture(autouse=True)
def _write_intent_of_a_fresh_process() -> Iterator[None]:
    """Each request sets ``sqlite_write_intent`` in the test's thread, and nothing resets it
    between tests: start every test as a fresh process starts (write intent on), so that no
    test depends on the method of the last request of the test before it."""
    token = sqlite_write_intent.set(True)
    yield
    sqlite_write_intent.reset(token)


@pytest.fixture
def request_ctx(app: Flask) -> Iterator[None]:
    """A request context for tests calling services directly (translated messages need it)."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    """The app with CSRF protection on (it is off in most tests for brevity)."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture(autouse=True)
def _csrf_off_by_default(request: pytest.FixtureRequest) -> None:
    if "csrf_app" in request.fixturenames:
        return
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["WTF_CSRF_ENABLED"] = False


def login(client: FlaskClient, email: str, password: str = factories.PASSWORD) -> None:
    """Log a person in through the real login form."""
    response = client.post("/connexion", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


# The skip reason of the browser tests without Chromium (tests/browser/conftest.py).
BROWSER_MISSING = "Chromium introuvable"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Without Chromium the browser tests are skipped: end the run saying so, loudly."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if BROWSER_MISSING in str(report.longrepr)
    ]
    if not skipped:
        return
    terminalreporter.section("TESTS NAVIGATEUR NON EXÉCUTÉS", sep="!", red=True, bold=True)
    terminalreporter.line(
        f"{len(skipped)} tests navigateur sautés : Chromium introuvable. Le parcours d'achat, "
        "l'accessibilité (axe-core) et le clavier n'ont PAS été vérifiés.",
        red=True,
        bold=True,
    )
    terminalreporter.line(
        "Installez : apt-get install chromium chromium-driver (ou NRHUB_CHROMIUM et "
        "NRHUB_CHROMEDRIVER vers vos binaires), puis relancez make test.",
        red=True,
        bold=True,
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs only the tests that reach a database (through the
    ``database_url`` fixture, or marked ``postgresql``): the others (pure functions, parsers,
    templates without data) already ran, identically, on SQLite."""
    if not ON_POSTGRESQL:
        return
    kept, skipped = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ()) or (
            item.get_closest_marker("postgresql") is not None
        )
        (kept if uses_database else skipped).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = kept
