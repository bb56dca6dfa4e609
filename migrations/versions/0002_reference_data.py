"""Reference data: categories, clause library, legal targets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

The rows are a frozen copy, in ``migrations/data/0002/``, of the data files as they were
when this revision was written; the tables are described here as they were then. The
migration therefore imports nothing of the application: later changes to the models, the
loaders or ``nrhub/data/`` cannot change what upgrading from an empty database does. Only
missing codes are inserted, so running it on a database that has them changes nothing.
"""

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FROZEN = Path(__file__).resolve().parent.parent / "data" / "0002"

_metadata = sa.MetaData()
category = sa.Table(
    "category",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40)),
    sa.Column("label_fr", sa.String(120)),
    sa.Column("label_en", sa.String(120)),
    sa.Column("cpv_code", sa.String(12)),
    sa.Column("legal_category", sa.String(120)),
    sa.Column("expected_years", sa.Integer),
    sa.Column("co2e_g_per_year", sa.Integer),
    sa.Column("co2e_source", sa.Text),
    sa.Column("sort_order", sa.Integer),
)
clause = sa.Table(
    "clause",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40)),
    sa.Column("title", sa.String(200)),
    sa.Column("text", sa.Text),
    sa.Column("kind", sa.String(20)),
    sa.Column("form", sa.String(20)),
    sa.Column("strength", sa.String(20)),
    sa.Column("theme", sa.String(40)),
    sa.Column("source", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)
legal_target = sa.Table(
    "legal_target",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(60)),
    sa.Column("kind", sa.String(20)),
    sa.Column("legal_category", sa.String(120)),
    sa.Column("first_year", sa.Integer),
    sa.Column("reuse_rate_bp", sa.Integer),
    sa.Column("recycled_rate_bp", sa.Integer),
    sa.Column("source", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)


def _frozen(name: str) -> list[dict]:
    return json.loads((FROZEN / name).read_text(encoding="utf-8"))


def _insert_missing(table: sa.Table, rows: list[dict], **extra: object) -> None:
    connection = op.get_bind()
    existing = set(connection.execute(sa.select(table.c.code)).scalars())
    missing = [{**row, **extra} for row in rows if row["code"] not in existing]
    if missing:
        connection.execute(table.insert(), missing)


def upgrade():
    # As the application's UTCDateTime stores it: naive UTC on SQLite, aware elsewhere.
    now = dt.datetime.now(dt.UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    _insert_missing(category, _frozen("categories.json"))
    _insert_missing(clause, _frozen("clauses.json"), created_at=now, updated_at=now)
    _insert_missing(legal_target, _frozen("targets.json"), updated_at=now)


def downgrade():
    # Reference rows are referenced by listings, campaigns and the ledger: keep them.
    pass
