"""The migrations build the same schema as the models, from an empty database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from config import TestingConfig
from nrhub import create_app
from nrhub.catalog import search
from nrhub.catalog.models import Category
from nrhub.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


# Neither database lets SQLAlchemy reflect the lower(email) index; the uniqueness it enforces
# is tested by the sign-up tests instead.
EXPRESSION_INDEX_WARNINGS = [
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based"),
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]


@EXPRESSION_INDEX_WARNINGS[0]
@EXPRESSION_INDEX_WARNINGS[1]
def test_upgrade_from_empty_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert "alembic_version" in inspect(db.engine).get_table_names()
        # Reference data comes with the migrations.
        assert db.session.execute(db.select(db.func.count(Category.id))).scalar_one() == 11
        db.session.rollback()  # release SQLite's write lock before comparing schemas
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_name": search.include_name,
                    "include_object": search.include_object,
                },
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        db.session.remove()
        db.engine.dispose()


def _codes(table: str) -> set[str]:
    return set(db.session.execute(text(f"SELECT code FROM {table}")).scalars())


@EXPRESSION_INDEX_WARNINGS[0]
@EXPRESSION_INDEX_WARNINGS[1]
def test_upgrade_from_empty_needs_none_of_the_application_loaders(tmp_path, monkeypatch):
    """The migrations carry their own frozen data: with the application's loaders and data
    reader made to fail, upgrading an empty database still seeds every reference row the
    data files hold today."""
    import nrhub.reference
    import nrhub.reference_files

    expected = {
        "category": {row["code"] for row in nrhub.reference.read_data("categories.json")},
        "clause": {row["code"] for row in nrhub.reference.read_data("clauses.json")},
        "legal_target": {row["code"] for row in nrhub.reference.read_data("targets.json")},
    }

    def removed(*_args: object) -> None:
        raise AssertionError("a migration used the application's reference loaders")

    monkeypatch.setitem(sys.modules, "nrhub.reference_loaders", None)  # unimportable
    monkeypatch.setattr(nrhub.reference, "read_data", removed)
    monkeypatch.setattr(nrhub.reference, "load_reference_data", removed)
    monkeypatch.setattr(nrhub.reference, "_LOADERS", [removed])
    monkeypatch.setattr(nrhub.reference_files, "read_data", removed)
    monkeypatch.setattr(nrhub.reference_files, "LOADERS", [removed])
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert {table: _codes(table) for table in expected} == expected
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(
    os.environ.get("NRHUB_TEST_BACKEND") != "postgresql",
    reason="PostgreSQL run only (make test runs it when TEST_DATABASE_URL is set)",
)
@pytest.mark.postgresql
@EXPRESSION_INDEX_WARNINGS[0]
@EXPRESSION_INDEX_WARNINGS[1]
def test_upgrade_on_postgresql_matches_models():
    """On PostgreSQL (CI), the same migrations build the same schema in a fresh database."""
    base_url = os.environ["TEST_DATABASE_URL"]
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = base_url.rsplit("/", 1)[1] + "_migrations"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = base_url.rsplit("/", 1)[0] + "/" + name
    try:
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection,
                    opts={
                        "compare_type": True,
                        "include_name": search.include_name,
                        "include_object": search.include_object,
                    },
                )
                assert compare_metadata(context, db.metadata) == []
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
