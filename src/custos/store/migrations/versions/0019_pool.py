"""pool: the liability pool's filings (calls, payments, claims, payouts, subrogations, recoveries)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pool_filings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pool_filings_kind", "pool_filings", ["kind"])
    op.create_index("ix_pool_filings_organisation_id", "pool_filings", ["organisation_id"])
    op.create_index("ix_pool_filings_reference", "pool_filings", ["reference"])


def downgrade() -> None:
    op.drop_table("pool_filings")
