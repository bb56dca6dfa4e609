"""catalogue: the count indexes hold every filtered column

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 16:00:00

``ix_listing_status_refurbisher`` and ``ix_listing_status_category_refurbisher`` get the
columns the catalogue filters on or sorts by (published_at, grade, unit_price,
warranty_months, os_update_years, repairability_index) after their own: a capped count or
the "nearest" sort reads the index alone instead of each candidate listing's row. Not the
quantity, so that a stock change touches no index.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FILTERED = [
    "published_at",
    "grade",
    "unit_price",
    "warranty_months",
    "os_update_years",
    "repairability_index",
]
INDEXES = {
    "ix_listing_status_refurbisher": ["status", "refurbisher_id"],
    "ix_listing_status_category_refurbisher": ["status", "category_id", "refurbisher_id"],
}


def _replace_indexes(wide: bool) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="listing")
        op.create_index(name, "listing", columns + FILTERED if wide else columns, unique=False)


def upgrade():
    _replace_indexes(wide=True)


def downgrade():
    _replace_indexes(wide=False)
