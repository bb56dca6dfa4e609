"""call for stock deadline, partial deliveries (units not delivered, one ledger row a receipt)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03 08:00:00

"""

import sqlalchemy as sa
from alembic import op

import nrhub.db

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offers_due_at", nrhub.db.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_delivered_reason", sa.Text(), nullable=True))

    with op.batch_alter_table("delivery_line", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_delivered_quantity", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("spend_entry", schema=None) as batch_op:
        batch_op.drop_constraint("uq_spend_entry_delivery_line_id", type_="unique")
        batch_op.create_index(
            batch_op.f("ix_spend_entry_delivery_line_id"), ["delivery_line_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("spend_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spend_entry_delivery_line_id"))
        batch_op.create_unique_constraint("uq_spend_entry_delivery_line_id", ["delivery_line_id"])

    with op.batch_alter_table("delivery_line", schema=None) as batch_op:
        batch_op.drop_column("not_delivered_quantity")

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("not_delivered_reason")

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("offers_due_at")
