"""catalogue: French full-text search, sort indexes ending with the id

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03 08:00:00

The listing's sort indexes get the id as last column (pages sort on (column, id)), and
the catalogue gets its French search (see nrhub/catalog/search.py, which creates the same
structures with ``db.create_all()``; the statements are repeated here as literals):
PostgreSQL a text search configuration ``nrhub_french`` (``unaccent`` when the extension can
be created, then French stemming) and a GIN index; SQLite an FTS5 table kept in step by
triggers, filled from the existing listings.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SORT_INDEXES = {
    "ix_listing_status_published_at": (["status", "published_at"], ["status", "published_at", "id"]),
    "ix_listing_status_unit_price": (["status", "unit_price"], ["status", "unit_price", "id"]),
    "ix_listing_status_category_price": (
        ["status", "category_id", "unit_price"],
        ["status", "category_id", "unit_price", "id"],
    ),
    "ix_listing_status_category_published": (
        ["status", "category_id", "published_at"],
        ["status", "category_id", "published_at", "id"],
    ),
}

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
PG_SEARCH_INDEX = (
    "CREATE INDEX ix_listing_search ON listing USING gin "
    "(to_tsvector('nrhub_french'::regconfig, "
    "((((brand)::text || ' '::text) || (model)::text) || ' '::text) || description))"
)
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
    "INSERT INTO listing_fts(listing_fts) VALUES ('rebuild')",
]


def _replace_indexes(new: bool) -> None:
    with op.batch_alter_table('listing', schema=None) as batch_op:
        for name, (old_columns, new_columns) in SORT_INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, new_columns if new else old_columns, unique=False)


def upgrade():
    _replace_indexes(new=True)
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(PG_CONFIGURATION)
        op.execute(PG_SEARCH_INDEX)
    elif dialect == 'sqlite':
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_listing_search")
    elif dialect == 'sqlite':
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS listing_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS listing_fts")
    _replace_indexes(new=False)
