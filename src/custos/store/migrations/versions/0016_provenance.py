"""provenance: dataset commitments, samples, training runs, compute statements, reconciliations, releases

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "provenance_commitments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("dataset", sa.String(300), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("record_count", sa.BigInteger, nullable=False),
        sa.Column("committed_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_provenance_commitments_model_id", "provenance_commitments", ["model_id"])
    op.create_table(
        "provenance_samples",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("commitment_id", sa.String(32), nullable=False),
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("auditor_id", sa.String(32), nullable=True),
        sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
        sa.Column("sample_size", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("requested_at", _MOMENT, nullable=False),
        sa.Column("revealed_id", sa.String(32), nullable=True),
        sa.Column("audit_id", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(8), nullable=True),
        sa.Column("valid_until", sa.Date, nullable=True),
    )
    op.create_index("ix_provenance_samples_commitment_id", "provenance_samples", ["commitment_id"])
    op.create_index("ix_provenance_samples_model_id", "provenance_samples", ["model_id"])
    op.create_index("ix_provenance_samples_auditor_id", "provenance_samples", ["auditor_id"])
    op.create_table(
        "provenance_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("vendor_id", sa.String(32), nullable=True),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=False),
        sa.Column("chip_hours", sa.Float, nullable=False),
        sa.Column("declared_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_provenance_runs_model_id", "provenance_runs", ["model_id"])
    op.create_index("ix_provenance_runs_owner_id", "provenance_runs", ["owner_id"])
    op.create_table(
        "provenance_statements",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("vendor_id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(32), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("chip_hours", sa.Float, nullable=False),
        sa.Column("filed_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_provenance_statements_vendor_id", "provenance_statements", ["vendor_id"])
    op.create_index("ix_provenance_statements_customer_id", "provenance_statements", ["customer_id"])
    op.create_table(
        "provenance_reconciliations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("customer_id", sa.String(32), nullable=False),
        sa.Column("vendor_id", sa.String(32), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("relative_gap", sa.Float, nullable=True),
        sa.Column("tolerance", sa.Float, nullable=False),
        sa.Column("reconciled_at", _MOMENT, nullable=False),
    )
    op.create_index(
        "ix_provenance_reconciliations_customer_id", "provenance_reconciliations", ["customer_id"]
    )
    op.create_index("ix_provenance_reconciliations_vendor_id", "provenance_reconciliations", ["vendor_id"])
    op.create_table(
        "provenance_releases",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("statistic", sa.String(32), nullable=True),
        sa.Column("epsilon", sa.Float, nullable=False),
        sa.Column("delta", sa.Float, nullable=False),
        sa.Column("filed_at", _MOMENT, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("provenance_releases")
    op.drop_table("provenance_reconciliations")
    op.drop_table("provenance_statements")
    op.drop_table("provenance_runs")
    op.drop_table("provenance_samples")
    op.drop_table("provenance_commitments")
