"""monitoring: telemetry series, points, rollups, detector states, what deployments serve; alerts
and enrolments

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitor_series",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("deployment_id", sa.String(32), nullable=False),
        sa.Column("figure", sa.SmallInteger, nullable=False),
    )
    op.create_index("ix_monitor_series_key", "monitor_series", ["deployment_id", "figure"], unique=True)
    op.create_table(
        "monitor_points",
        sa.Column("series_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("value", sa.Float, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "monitor_rollups",
        sa.Column("series_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("span", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("bucket", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("total", sa.Float, nullable=False),
        sa.Column("least", sa.Float, nullable=False),
        sa.Column("most", sa.Float, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "monitor_states",
        sa.Column("series_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("mean", sa.Float, nullable=False),
        sa.Column("var", sa.Float, nullable=False),
        sa.Column("cusum", sa.Float, nullable=False),
        sa.Column("degraded", sa.SmallInteger, nullable=False),
        sa.Column("since", sa.BigInteger, nullable=False),
        sa.Column("good_run", sa.BigInteger, nullable=False),
        sa.Column("last_at", sa.BigInteger, nullable=False),
        sa.Column("onsets", sa.BigInteger, nullable=False),
        sa.Column("last_value", sa.Float, nullable=True),
        sa.Column("alert_id", sa.String(32), nullable=True),
    )
    op.create_table(
        "monitor_served",
        sa.Column("deployment_id", sa.String(32), primary_key=True),
        sa.Column("model_id", sa.String(32), nullable=True),
        sa.Column("version", sa.String(128), nullable=True),
        sa.Column("since", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "monitor_alerts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("deployment_id", sa.String(32), nullable=True),
        sa.Column("figure", sa.String(16), nullable=True),
        sa.Column("group_by", sa.String(16), nullable=True),
        sa.Column("group_key", sa.String(64), nullable=True),
        sa.Column("group_name", sa.String(255), nullable=True),
        sa.Column("raised_at", _MOMENT, nullable=False),
        sa.Column("cleared_at", _MOMENT, nullable=True),
        sa.Column("deployments", sa.Integer, nullable=True),
        sa.Column("exposure_eur", sa.Float, nullable=True),
        sa.Column("chance", sa.Float, nullable=True),
        sa.Column("incident_id", sa.String(32), nullable=True),
    )
    op.create_index("ix_monitor_alerts_deployment_id", "monitor_alerts", ["deployment_id"])
    op.create_index("ix_monitor_alerts_raised_at", "monitor_alerts", ["raised_at"])
    op.create_table(
        "monitor_enrolments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("deployment_id", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.String(32), nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("interval_seconds", sa.Integer, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("filed_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_monitor_enrolments_deployment_id", "monitor_enrolments", ["deployment_id"])
    op.create_table(
        "monitor_writer",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("writer", sa.String(64), nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "monitor_writer",
        "monitor_enrolments",
        "monitor_alerts",
        "monitor_served",
        "monitor_states",
        "monitor_rollups",
        "monitor_points",
        "monitor_series",
    ):
        op.drop_table(table)
