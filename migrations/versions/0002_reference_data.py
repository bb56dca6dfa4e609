"""Reference data: categories, clause library, legal targets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

The rows come from the data files in ``nrhub/data/``; the loaders only insert what is
missing, so a coordinator's later corrections are kept and running it again is harmless.
"""

from alembic import op
from sqlalchemy.orm import Session

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    from nrhub.reference import load_reference_data

    session = Session(bind=op.get_bind())
    load_reference_data(session)
    session.flush()


def downgrade():
    # Reference rows are referenced by listings, campaigns and the ledger: keep them.
    pass
