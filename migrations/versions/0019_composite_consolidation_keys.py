"""consolidation: composite foreign keys on allocation, delivery and delivery_line

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 16:00:00

A consolidation writes one allocation per order line and one delivery per (purchase order,
buyer), and PostgreSQL checks every foreign key of every row (a few microseconds each, most
of the time of a 20,000-line consolidation). Keys that repeat what a parent row already
holds become one composite key each:

- ``allocation (order_line_id, offer_id)`` → ``purchase_request_line (id, offer_id)`` and
  ``allocation (campaign_id, buyer_id)`` → ``purchase_request (campaign_id, buyer_id)``,
  instead of four keys to the order line, the offer, the campaign and the buyer;
- ``delivery (purchase_order_id, campaign_id, refurbisher_id)`` → ``purchase_order`` and
  ``delivery (campaign_id, buyer_id)`` → ``purchase_request``, instead of four keys;
- ``delivery_line (allocation_id, purchase_order_line_id)`` → ``allocation``, instead of two
  keys to the allocation and the purchase-order line.

The parents' own keys still lead to the campaign, offer and organisations, and each row must
now also agree with its parent (an allocation's offer is its order line's).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('purchase_request_line', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_purchase_request_line_id_offer_id', ['id', 'offer_id'])
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            'uq_purchase_order_id_campaign_id_refurbisher_id', ['id', 'campaign_id', 'refurbisher_id']
        )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_allocation_order_line_id_purchase_request_line', type_='foreignkey')
        batch_op.drop_constraint('fk_allocation_offer_id_campaign_offer', type_='foreignkey')
        batch_op.drop_constraint('fk_allocation_campaign_id_campaign', type_='foreignkey')
        batch_op.drop_constraint('fk_allocation_buyer_id_organisation', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_allocation_order_line_id_purchase_request_line',
            'purchase_request_line',
            ['order_line_id', 'offer_id'],
            ['id', 'offer_id'],
        )
        batch_op.create_foreign_key(
            'fk_allocation_campaign_id_purchase_request',
            'purchase_request',
            ['campaign_id', 'buyer_id'],
            ['campaign_id', 'buyer_id'],
        )
        batch_op.create_unique_constraint(
            'uq_allocation_id_purchase_order_line_id', ['id', 'purchase_order_line_id']
        )
    with op.batch_alter_table('delivery_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delivery_line_allocation_id_allocation', type_='foreignkey')
        batch_op.drop_constraint(
            'fk_delivery_line_purchase_order_line_id_purchase_order_line', type_='foreignkey'
        )
        batch_op.create_foreign_key(
            'fk_delivery_line_allocation_id_allocation',
            'allocation',
            ['allocation_id', 'purchase_order_line_id'],
            ['id', 'purchase_order_line_id'],
        )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delivery_purchase_order_id_purchase_order', type_='foreignkey')
        batch_op.drop_constraint('fk_delivery_campaign_id_campaign', type_='foreignkey')
        batch_op.drop_constraint('fk_delivery_refurbisher_id_organisation', type_='foreignkey')
        batch_op.drop_constraint('fk_delivery_buyer_id_organisation', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_delivery_purchase_order_id_purchase_order',
            'purchase_order',
            ['purchase_order_id', 'campaign_id', 'refurbisher_id'],
            ['id', 'campaign_id', 'refurbisher_id'],
        )
        batch_op.create_foreign_key(
            'fk_delivery_campaign_id_purchase_request',
            'purchase_request',
            ['campaign_id', 'buyer_id'],
            ['campaign_id', 'buyer_id'],
        )


def downgrade():
    with op.batch_alter_table('delivery_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delivery_line_allocation_id_allocation', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_delivery_line_allocation_id_allocation', 'allocation', ['allocation_id'], ['id']
        )
        batch_op.create_foreign_key(
            'fk_delivery_line_purchase_order_line_id_purchase_order_line',
            'purchase_order_line',
            ['purchase_order_line_id'],
            ['id'],
        )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delivery_campaign_id_purchase_request', type_='foreignkey')
        batch_op.drop_constraint('fk_delivery_purchase_order_id_purchase_order', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_delivery_purchase_order_id_purchase_order', 'purchase_order', ['purchase_order_id'], ['id']
        )
        batch_op.create_foreign_key('fk_delivery_campaign_id_campaign', 'campaign', ['campaign_id'], ['id'])
        batch_op.create_foreign_key(
            'fk_delivery_refurbisher_id_organisation', 'organisation', ['refurbisher_id'], ['id']
        )
        batch_op.create_foreign_key('fk_delivery_buyer_id_organisation', 'organisation', ['buyer_id'], ['id'])
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_constraint('uq_allocation_id_purchase_order_line_id', type_='unique')
        batch_op.drop_constraint('fk_allocation_campaign_id_purchase_request', type_='foreignkey')
        batch_op.drop_constraint('fk_allocation_order_line_id_purchase_request_line', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_allocation_order_line_id_purchase_request_line',
            'purchase_request_line',
            ['order_line_id'],
            ['id'],
        )
        batch_op.create_foreign_key('fk_allocation_offer_id_campaign_offer', 'campaign_offer', ['offer_id'], ['id'])
        batch_op.create_foreign_key('fk_allocation_campaign_id_campaign', 'campaign', ['campaign_id'], ['id'])
        batch_op.create_foreign_key('fk_allocation_buyer_id_organisation', 'organisation', ['buyer_id'], ['id'])
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.drop_constraint('uq_purchase_order_id_campaign_id_refurbisher_id', type_='unique')
    with op.batch_alter_table('purchase_request_line', schema=None) as batch_op:
        batch_op.drop_constraint('uq_purchase_request_line_id_offer_id', type_='unique')
