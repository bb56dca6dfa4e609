"""outbox: messages rendered when sent, from their template and data

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 10:00:00

``outbox_mail.template`` and ``outbox_mail.context`` (JSON text): a use case that queues
hundreds of messages in one request (a consolidation: one per buyer) stores each message's
data, and the sender renders its body, then writes it in ``body``. Send the outbox before
a downgrade: a message not yet rendered would lose its data.
"""
import sqlalchemy as sa

from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('outbox_mail', sa.Column('template', sa.String(length=100), nullable=True))
    op.add_column('outbox_mail', sa.Column('context', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_mail') as batch_op:
        batch_op.drop_column('context')
        batch_op.drop_column('template')
