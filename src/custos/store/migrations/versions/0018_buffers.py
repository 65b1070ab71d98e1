"""buffers: capital declarations and insurance policies

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "buffer_declarations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("verdict", sa.String(12), nullable=False),
        sa.Column("filed_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_buffer_declarations_organisation_id", "buffer_declarations", ["organisation_id"])
    op.create_table(
        "buffer_policies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("insured_id", sa.String(32), nullable=False),
        sa.Column("insurer_id", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("limit_amount", sa.String(40), nullable=False),
        sa.Column("attachment_point", sa.String(40), nullable=False),
        sa.Column("term_start", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("verdict", sa.String(12), nullable=False),
        sa.Column("filed_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_buffer_policies_insured_id", "buffer_policies", ["insured_id"])
    op.create_index("ix_buffer_policies_insurer_id", "buffer_policies", ["insurer_id"])


def downgrade() -> None:
    op.drop_table("buffer_policies")
    op.drop_table("buffer_declarations")
