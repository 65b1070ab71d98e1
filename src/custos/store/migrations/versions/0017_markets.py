"""markets: dependency assessments, merger reviews and remedies, fallback plans, public-interest designations

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("public_interest_grounds", sa.Text, nullable=True))
    op.create_table(
        "market_assessments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("assessed_at", _MOMENT, nullable=False),
    )
    op.create_table(
        "market_dependency_shares",
        sa.Column("organisation_id", sa.String(32), primary_key=True),
        sa.Column("assessment_id", sa.String(32), nullable=False),
        sa.Column("deployment_share", sa.Float, nullable=False),
        sa.Column("institution_share", sa.Float, nullable=False),
        sa.Column("exposure_share", sa.Float, nullable=False),
        sa.Column("linchpin", sa.Boolean, nullable=False),
    )
    op.create_table(
        "merger_reviews",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("acquirer_id", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(32), nullable=False),
        sa.Column("reviewed_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_merger_reviews_acquirer_id", "merger_reviews", ["acquirer_id"])
    op.create_index("ix_merger_reviews_target_id", "merger_reviews", ["target_id"])
    op.create_table(
        "merger_remedies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("review_id", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("remedy", sa.String(20), nullable=False),
        sa.Column("imposed_at", _MOMENT, nullable=False),
        sa.Column("answered_by", sa.String(32), nullable=True),
    )
    op.create_index("ix_merger_remedies_review_id", "merger_remedies", ["review_id"])
    op.create_index("ix_merger_remedies_organisation_id", "merger_remedies", ["organisation_id"])
    op.create_table(
        "fallback_plans",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("plan", sa.String(20), nullable=False),
        sa.Column("tested_on", sa.Date, nullable=True),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("filed_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_fallback_plans_organisation_id", "fallback_plans", ["organisation_id"])
    op.create_table(
        "public_interest_designations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("public_interest", sa.Boolean, nullable=False),
        sa.Column("grounds", sa.Text, nullable=False),
        sa.Column("designated_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_public_interest_designations_model_id", "public_interest_designations", ["model_id"])


def downgrade() -> None:
    op.drop_table("public_interest_designations")
    op.drop_table("fallback_plans")
    op.drop_table("merger_remedies")
    op.drop_table("merger_reviews")
    op.drop_table("market_dependency_shares")
    op.drop_table("market_assessments")
    with op.batch_alter_table("models") as batch:
        batch.drop_column("public_interest_grounds")
