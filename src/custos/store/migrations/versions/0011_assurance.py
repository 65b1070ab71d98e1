"""assurance: accredited auditors, audit engagements and verified attestations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accreditations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("keys", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("accredited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("filing_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_accreditations_organisation_id", "accreditations", ["organisation_id"])
    op.create_table(
        "engagements",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("auditor_id", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("finding_id", sa.String(32), nullable=True),
        sa.Column("engaged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attestation_id", sa.String(32), nullable=True),
    )
    op.create_index("ix_engagements_subject_id", "engagements", ["subject_id"])
    op.create_index("ix_engagements_auditor_id", "engagements", ["auditor_id"])
    op.create_table(
        "attestations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("auditor_id", sa.String(32), nullable=False),
        sa.Column("accreditation_id", sa.String(32), nullable=False),
        sa.Column("engagement_id", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("standard", sa.String(255), nullable=False),
        sa.Column("opinion", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("finding_id", sa.String(32), nullable=True),
        sa.Column("envelope_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attestations_subject_id", "attestations", ["subject_id"])
    op.create_index("ix_attestations_auditor_id", "attestations", ["auditor_id"])


def downgrade() -> None:
    op.drop_table("attestations")
    op.drop_table("engagements")
    op.drop_table("accreditations")
