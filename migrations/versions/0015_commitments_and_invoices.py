"""commitments and invoices: the buyer's engagement, frozen on deliveries; invoices, credit notes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:00:00

A buyer records its commitment (engagement number, M57 budget line, Chorus Pro service
code, delivery address) per campaign; consolidation copies it onto its deliveries. A
refurbisher invoices the received units of a delivery (each delivery line keeps how many
are invoiced) and issues credit notes for invoiced units refused afterwards.
"""
import sqlalchemy as sa
from alembic import op

import nrhub.db


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'buyer_commitment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('buyer_id', sa.Integer(), nullable=False),
        sa.Column('engagement_number', sa.String(length=50), nullable=False),
        sa.Column('budget_nature', sa.String(length=10), nullable=False),
        sa.Column('budget_chapter', sa.String(length=10), nullable=False),
        sa.Column('service_code', sa.String(length=100), nullable=True),
        sa.Column('delivery_address', sa.Text(), nullable=False),
        sa.Column('updated_at', nrhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['buyer_id'], ['organisation.id'], name=op.f('fk_buyer_commitment_buyer_id_organisation')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_buyer_commitment_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_buyer_commitment_updated_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_commitment')),
        sa.UniqueConstraint('campaign_id', 'buyer_id', name=op.f('uq_buyer_commitment_campaign_id_buyer_id')),
    )
    with op.batch_alter_table('buyer_commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buyer_commitment_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('engagement_number', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('budget_nature', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('budget_chapter', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('service_code', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('delivery_address', sa.Text(), nullable=True))

    with op.batch_alter_table('delivery_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoiced_quantity', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            'invoiced_range',
            'invoiced_quantity >= 0 AND invoiced_quantity <= COALESCE(received_quantity, 0)',
        )

    op.create_table(
        'invoice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('refurbisher_id', sa.Integer(), nullable=False),
        sa.Column('buyer_id', sa.Integer(), nullable=False),
        sa.Column('received_units', sa.Integer(), nullable=True),
        sa.Column('credited_invoice_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('total_ht', nrhub.db.Money(), nullable=False),
        sa.Column('total_vat', nrhub.db.Money(), nullable=False),
        sa.Column('total_ttc', nrhub.db.Money(), nullable=False),
        sa.Column('created_at', nrhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('total_ht >= 0', name=op.f('ck_invoice_total_not_negative')),
        sa.ForeignKeyConstraint(['buyer_id'], ['organisation.id'], name=op.f('fk_invoice_buyer_id_organisation')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_invoice_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['credited_invoice_id'], ['invoice.id'], name=op.f('fk_invoice_credited_invoice_id_invoice')),
        sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], name=op.f('fk_invoice_delivery_id_delivery')),
        sa.ForeignKeyConstraint(['refurbisher_id'], ['organisation.id'], name=op.f('fk_invoice_refurbisher_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
        sa.UniqueConstraint('delivery_id', 'received_units', name=op.f('uq_invoice_delivery_id_received_units')),
        sa.UniqueConstraint('refurbisher_id', 'number', name=op.f('uq_invoice_refurbisher_id_number')),
    )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_delivery_id'), ['delivery_id'], unique=False)

    op.create_table(
        'invoice_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('delivery_line_id', sa.Integer(), nullable=False),
        sa.Column('is_maintenance', sa.Boolean(), nullable=False),
        sa.Column('designation', sa.String(length=300), nullable=False),
        sa.Column('sku', sa.String(length=64), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('unit_price', nrhub.db.Money(), nullable=False),
        sa.Column('vat_rate', sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column('margin_scheme', sa.Boolean(), nullable=False),
        sa.Column('amount_ht', nrhub.db.Money(), nullable=False),
        sa.Column('amount_vat', nrhub.db.Money(), nullable=False),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_invoice_line_quantity_positive')),
        sa.ForeignKeyConstraint(['delivery_line_id'], ['delivery_line.id'], name=op.f('fk_invoice_line_delivery_line_id_delivery_line')),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_line_invoice_id_invoice')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_line')),
    )
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_line_invoice_id'), ['invoice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_line_invoice_id'))
    op.drop_table('invoice_line')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_delivery_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_buyer_id'))
    op.drop_table('invoice')
    with op.batch_alter_table('delivery_line', schema=None) as batch_op:
        batch_op.drop_constraint('ck_delivery_line_invoiced_range', type_='check')
        batch_op.drop_column('invoiced_quantity')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        for column in ('delivery_address', 'service_code', 'budget_chapter', 'budget_nature', 'engagement_number'):
            batch_op.drop_column(column)
    with op.batch_alter_table('buyer_commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buyer_commitment_campaign_id'))
    op.drop_table('buyer_commitment')
