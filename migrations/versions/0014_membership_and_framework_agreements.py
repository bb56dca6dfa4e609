"""membership agreements of buyers, framework agreements with lots and holders, campaigns
as call-offs under a lot

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

import nrhub.db

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "membership_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("text_version", sa.String(length=40), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("signatory_name", sa.String(length=200), nullable=False),
        sa.Column("signatory_role", sa.String(length=200), nullable=False),
        sa.Column("deliberation_reference", sa.String(length=200), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("document_name", sa.String(length=64), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", nrhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", nrhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= signed_on",
            name=op.f("ck_membership_agreement_ends_after_signature"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["organisation.id"],
            name=op.f("fk_membership_agreement_buyer_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_agreement_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_agreement")),
    )
    with op.batch_alter_table("membership_agreement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_agreement_buyer_id"), ["buyer_id"], unique=False
        )

    op.create_table(
        "framework_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("procedure", sa.String(length=80), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("maximum_amount", nrhub.db.Money(), nullable=False),
        sa.Column("ordered_amount", nrhub.db.Money(), nullable=False),
        sa.Column("ccag", sa.String(length=80), nullable=False),
        sa.Column("created_at", nrhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", nrhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_months >= 1", name=op.f("ck_framework_agreement_duration_positive")
        ),
        sa.CheckConstraint(
            "maximum_amount > 0", name=op.f("ck_framework_agreement_maximum_positive")
        ),
        sa.CheckConstraint(
            "ordered_amount >= 0", name=op.f("ck_framework_agreement_ordered_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_agreement")),
        sa.UniqueConstraint("reference", name=op.f("uq_framework_agreement_reference")),
    )

    op.create_table(
        "framework_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("cpv_code", sa.String(length=10), nullable=False),
        sa.Column("maximum_amount", nrhub.db.Money(), nullable=True),
        sa.Column("ordered_amount", nrhub.db.Money(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_framework_lot_number_positive")),
        sa.CheckConstraint(
            "maximum_amount IS NULL OR maximum_amount > 0",
            name=op.f("ck_framework_lot_maximum_positive"),
        ),
        sa.CheckConstraint(
            "ordered_amount >= 0", name=op.f("ck_framework_lot_ordered_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["framework_agreement.id"],
            name=op.f("fk_framework_lot_agreement_id_framework_agreement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_lot")),
        sa.UniqueConstraint(
            "agreement_id", "number", name=op.f("uq_framework_lot_agreement_id_number")
        ),
    )
    with op.batch_alter_table("framework_lot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_framework_lot_agreement_id"), ["agreement_id"], unique=False
        )

    op.create_table(
        "framework_lot_category",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_framework_lot_category_category_id_category"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["framework_lot.id"],
            name=op.f("fk_framework_lot_category_lot_id_framework_lot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lot_id", "category_id", name=op.f("pk_framework_lot_category")),
    )

    op.create_table(
        "framework_lot_holder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("refurbisher_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["framework_lot.id"],
            name=op.f("fk_framework_lot_holder_lot_id_framework_lot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refurbisher_id"],
            ["organisation.id"],
            name=op.f("fk_framework_lot_holder_refurbisher_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_lot_holder")),
        sa.UniqueConstraint(
            "lot_id", "refurbisher_id", name=op.f("uq_framework_lot_holder_lot_id_refurbisher_id")
        ),
    )
    with op.batch_alter_table("framework_lot_holder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_framework_lot_holder_lot_id"), ["lot_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_framework_lot_holder_refurbisher_id"), ["refurbisher_id"], unique=False
        )

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("framework_lot_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_campaign_framework_lot_id"), ["framework_lot_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_campaign_framework_lot_id_framework_lot"),
            "framework_lot",
            ["framework_lot_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaign_framework_lot_id_framework_lot"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_campaign_framework_lot_id"))
        batch_op.drop_column("framework_lot_id")

    with op.batch_alter_table("framework_lot_holder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_framework_lot_holder_refurbisher_id"))
        batch_op.drop_index(batch_op.f("ix_framework_lot_holder_lot_id"))
    op.drop_table("framework_lot_holder")
    op.drop_table("framework_lot_category")
    with op.batch_alter_table("framework_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_framework_lot_agreement_id"))
    op.drop_table("framework_lot")
    op.drop_table("framework_agreement")
    with op.batch_alter_table("membership_agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_agreement_buyer_id"))
    op.drop_table("membership_agreement")
