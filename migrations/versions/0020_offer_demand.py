"""campaigns: each offer's demand kept by the database (offer_demand)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 23:00:00

A campaign page showed each offer's pooled quantity by summing every line of every active
order of the campaign, at each reading. ``offer_demand`` holds that sum per offer, kept by
triggers on the order lines, the orders' status and the offers (nrhub/campaigns/demand.py,
whose statements this migration runs: they replace themselves, so that a later change of
them comes with a migration that runs them again); the offers already there are counted
from their lines.
"""

import sqlalchemy as sa
from alembic import op

from nrhub.campaigns import demand

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'offer_demand',
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['offer_id'],
            ['campaign_offer.id'],
            name=op.f('fk_offer_demand_offer_id_campaign_offer'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('offer_id', name=op.f('pk_offer_demand')),
    )
    demand.install(op.get_bind())
    op.execute(demand.COUNT_EXISTING)


def downgrade():
    demand.uninstall(op.get_bind())
    op.drop_table('offer_demand')
