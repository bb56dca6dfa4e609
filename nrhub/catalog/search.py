"""French full-text search of the catalogue: accent- and case-insensitive, each word a prefix.

- PostgreSQL: ``to_tsvector('nrhub_french', brand || ' ' || model || ' ' || description)``,
  GIN-indexed; the ``nrhub_french`` configuration is ``french`` (French stemming: "écrans"
  finds "écran") with the ``unaccent`` dictionary in front when the extension can be
  created, plain ``french`` otherwise (then accents count, nothing fails).
- SQLite: an FTS5 table ``listing_fts`` over the same three columns (``unicode61
  remove_diacritics 2``: no accents, no case; SQLite ships no French stemmer), kept in
  step with ``listing`` by triggers, whichever way a row is written.

Both are created with the table by ``db.create_all()`` (tests, bench) and by migration 0013,
which repeats the same statements. A search stays one condition of the catalogue's
statements (a subquery on SQLite), so a page runs as many statements as before.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Index, Select, event, func, literal_column, select, table
from sqlalchemy.engine import Connection

from nrhub.extensions import db

CONFIGURATION = "nrhub_french"
FTS_TABLE = "listing_fts"
MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+")  # letters and digits (the underscore splits words)

# PostgreSQL: the configuration (unaccent if available: a trusted extension since 13, but a
# server may lack the contrib package or the right to create it).
PG_CONFIGURATION = """
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'unaccent unavailable: French search stays accent-sensitive';
    END;
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'nrhub_french') THEN
        CREATE TEXT SEARCH CONFIGURATION nrhub_french (COPY = pg_catalog.french);
        IF EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'unaccent') THEN
            ALTER TEXT SEARCH CONFIGURATION nrhub_french
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END IF;
END
$$
"""

# SQLite: an external-content FTS5 table and the triggers that keep it in step.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS listing_fts USING fts5(brand, model, description, "
    "content='listing', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS listing_fts_insert AFTER INSERT ON listing BEGIN "
    "INSERT INTO listing_fts(rowid, brand, model, description) "
    "VALUES (new.id, new.brand, new.model, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS listing_fts_delete AFTER DELETE ON listing BEGIN "
    "INSERT INTO listing_fts(listing_fts, rowid, brand, model, description) "
    "VALUES ('delete', old.id, old.brand, old.model, old.description); END",
    "CREATE TRIGGER IF NOT EXISTS listing_fts_update AFTER UPDATE OF brand, model, description "
    "ON listing WHEN old.brand IS NOT new.brand OR old.model IS NOT new.model "
    "OR old.description IS NOT new.description BEGIN "
    "INSERT INTO listing_fts(listing_fts, rowid, brand, model, description) "
    "VALUES ('delete', old.id, old.brand, old.model, old.description); "
    "INSERT INTO listing_fts(rowid, brand, model, description) "
    "VALUES (new.id, new.brand, new.model, new.description); END",
]


SEARCH_INDEX = "ix_listing_search"


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic's ``include_name`` (what it reflects from the database): every table but the
    FTS5 table and its shadow tables, which are no model."""
    return not (type_ == "table" and str(name).startswith(FTS_TABLE))


def include_object(_object: Any, name: str | None, type_: str, *_args: Any) -> bool:
    """Alembic's ``include_object`` (on both sides): not the search index, whose expression
    autogenerate cannot compare (migration 0013 creates it with the same statement)."""
    return not (type_ == "index" and name == SEARCH_INDEX)


def _config() -> ColumnElement[Any]:
    return literal_column(f"'{CONFIGURATION}'::regconfig")


def pg_document(brand: Any, model: Any, description: Any) -> ColumnElement[Any]:
    """The indexed document (the index and the search must spell it the same)."""
    return func.to_tsvector(
        _config(), brand + literal_column("' '") + model + literal_column("' '") + description
    )


def words(text: str) -> list[str]:
    """The words searched for: letters and digits, at most MAX_WORDS."""
    return _WORD.findall(text)[:MAX_WORDS]


def matches(listing_table: Any, text: str) -> ColumnElement[bool] | None:
    """A condition on ``listing`` for listings holding every word of ``text`` (as a word
    prefix, in brand, model or description); None when there is no word."""
    terms = words(text)
    if not terms:
        return None
    c = listing_table.c
    if db.engine.dialect.name == "postgresql":
        query = " & ".join(f"{term}:*" for term in terms)
        return pg_document(c.brand, c.model, c.description).op("@@")(
            func.to_tsquery(_config(), query)
        )
    query = " AND ".join(f'"{term}"*' for term in terms)
    fts = table(FTS_TABLE, literal_column("rowid"))
    found: Select[Any] = (
        select(literal_column("rowid"))
        .select_from(fts)
        .where(literal_column(FTS_TABLE).op("MATCH")(query))
    )
    condition: ColumnElement[bool] = c.id.in_(found)
    return condition


def add_search_index(listing_table: Any) -> None:
    """The GIN index of the document, PostgreSQL only (given to the table explicitly: its
    expression's first column, the configuration, belongs to no table)."""
    c = listing_table.c
    listing_table.append_constraint(
        Index(
            SEARCH_INDEX,
            pg_document(c.brand, c.model, c.description),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql")
    )


def _before_create(target: Any, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(PG_CONFIGURATION)


def _after_create(target: Any, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            connection.exec_driver_sql(statement)


def _after_drop(target: Any, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def register(listing_table: Any) -> None:
    """Create the search structures with ``listing`` (the PostgreSQL configuration before
    the table, whose index needs it), and drop the FTS table with it."""
    event.listen(listing_table, "before_create", _before_create)
    event.listen(listing_table, "after_create", _after_create)
    event.listen(listing_table, "after_drop", _after_drop)
