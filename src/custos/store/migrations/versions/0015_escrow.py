"""escrow: custodians, deposits and their share holders, releases and approvals

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "escrow_custodians",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(80), nullable=False),
        sa.Column("keys", sa.Text, nullable=False),
        sa.Column("confirm_every_days", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.String(10), nullable=False),
        sa.Column("valid_until", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("appointed_at", _MOMENT, nullable=False),
        sa.Column("filing_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_escrow_custodians_organisation_id", "escrow_custodians", ["organisation_id"])
    op.create_table(
        "escrow_deposits",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("passport_version", sa.Integer, nullable=False),
        sa.Column("components", sa.Integer, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("chunk_root", sa.String(64), nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("custodians", sa.Integer, nullable=False),
        sa.Column("deposited_at", _MOMENT, nullable=False),
        sa.Column("audited_at", _MOMENT, nullable=True),
        sa.Column("audit_passed", sa.Boolean, nullable=True),
        sa.Column("audit_id", sa.String(32), nullable=True),
        sa.Column("opened_at", _MOMENT, nullable=True),
    )
    op.create_index("ix_escrow_deposits_model_id", "escrow_deposits", ["model_id"])
    op.create_table(
        "escrow_holders",
        sa.Column("deposit_id", sa.String(32), primary_key=True),
        sa.Column("appointment_id", sa.String(32), primary_key=True),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("confirmed_at", _MOMENT, nullable=True),
        sa.Column("due_at", _MOMENT, nullable=False),
        sa.Column("missed", sa.Integer, nullable=False),
    )
    op.create_index("ix_escrow_holders_appointment", "escrow_holders", ["appointment_id"])
    op.create_table(
        "escrow_releases",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("deposit_id", sa.String(32), nullable=False),
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("grounds", sa.String(32), nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("recipient", sa.String(80), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", _MOMENT, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("closed_at", _MOMENT, nullable=True),
    )
    op.create_index("ix_escrow_releases_deposit_id", "escrow_releases", ["deposit_id"])
    op.create_table(
        "escrow_approvals",
        sa.Column("release_id", sa.String(32), primary_key=True),
        sa.Column("appointment_id", sa.String(32), primary_key=True),
        sa.Column("filing_id", sa.String(32), nullable=False),
        sa.Column("approved_at", _MOMENT, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "escrow_approvals",
        "escrow_releases",
        "escrow_holders",
        "escrow_deposits",
        "escrow_custodians",
    ):
        op.drop_table(table)
