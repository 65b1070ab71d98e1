"""labour: the labour instrument's runs

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labour_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.String(32), nullable=False),
        sa.Column("scenario", sa.String(200), nullable=False),
        sa.Column("programmes", sa.String(200), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("draws", sa.Integer, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("registry", sa.Boolean, nullable=False),
        sa.Column("displaced_p50", sa.Float, nullable=False),
        sa.Column("total_cost_usd_p50", sa.Float, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.UniqueConstraint("run_id", name=op.f("uq_labour_runs_run_id")),
    )
    op.create_index("ix_labour_runs_filed_at", "labour_runs", ["filed_at"])


def downgrade() -> None:
    op.drop_table("labour_runs")
