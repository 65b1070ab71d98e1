"""incidents: incidents, the parties, models and deployments they concern, and the reports after them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("subject_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("public_summary", sa.Text, nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
    )
    for column in ("subject_id", "owner_id", "status"):
        op.create_index(f"ix_incidents_{column}", "incidents", [column])
    op.create_table(
        "incident_parties",
        sa.Column("incident_id", sa.String(32), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("organisation_id", sa.String(32), primary_key=True),
    )
    op.create_index("ix_incident_parties_organisation_id", "incident_parties", ["organisation_id"])
    op.create_table(
        "incident_subjects",
        sa.Column("incident_id", sa.String(32), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("subject_id", sa.String(32), primary_key=True),
    )
    op.create_index("ix_incident_subjects_subject_id", "incident_subjects", ["subject_id"])
    op.create_table(
        "incident_reports",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
    )
    op.create_index("ix_incident_reports_incident_id", "incident_reports", ["incident_id"])


def downgrade() -> None:
    op.drop_table("incident_reports")
    op.drop_table("incident_subjects")
    op.drop_table("incident_parties")
    op.drop_table("incidents")
