"""legal figures: recycled-content listings, open data publication date, REEN per category

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:00:00

- ``listing.has_recycled_materials``: the refurbisher says the equipment integrates recycled
  materials; ``purchase_order_line.has_recycled_materials`` keeps it as ordered, and the
  receipts write it in the buyers' ledger.
- ``campaign.open_data_published_at``: when the campaign's DECP / OCDS data was first
  served (its publication date, which never moves); campaigns already consolidated take
  their consolidation instant.
- ``retired_stock.reen_category``: the retired stock is declared per REEN category (2°
  screens, 6° small IT and telecom equipment); the rows declared before stay undivided
  (NULL) and count in the overall rate only.

``listing`` and ``purchase_order_line`` get plain ADD COLUMN statements, not a batch copy:
on SQLite the listing's full-text search triggers would not survive a table copy.
"""
import sqlalchemy as sa

import nrhub.db
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'listing',
        sa.Column('has_recycled_materials', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        'purchase_order_line',
        sa.Column('has_recycled_materials', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column('campaign', sa.Column('open_data_published_at', nrhub.db.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE campaign SET open_data_published_at = consolidated_at "
        "WHERE consolidated_at IS NOT NULL"
    )
    with op.batch_alter_table('retired_stock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reen_category', sa.String(length=10), nullable=True))
        batch_op.drop_constraint('uq_retired_stock_buyer_id_year', type_='unique')
        batch_op.create_unique_constraint(
            'uq_retired_stock_buyer_id_year_reen_category', ['buyer_id', 'year', 'reen_category']
        )


def downgrade():
    op.execute("DELETE FROM retired_stock WHERE reen_category IS NOT NULL")
    with op.batch_alter_table('retired_stock', schema=None) as batch_op:
        batch_op.drop_constraint('uq_retired_stock_buyer_id_year_reen_category', type_='unique')
        batch_op.create_unique_constraint('uq_retired_stock_buyer_id_year', ['buyer_id', 'year'])
        batch_op.drop_column('reen_category')
    op.drop_column('campaign', 'open_data_published_at')
    with op.batch_alter_table('purchase_order_line', schema=None) as batch_op:
        batch_op.drop_column('has_recycled_materials')
    op.drop_column('listing', 'has_recycled_materials')
