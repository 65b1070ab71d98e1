"""monitoring: rollups made once their buckets close, behind a mark per span

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04

Until now every point was added to its hourly and daily rollups as it arrived, so the rollups
stored are complete up to the latest point: the marks start at that point's hour and day, and
those two buckets are made again from what lies below them when they close.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_rolled",
        sa.Column("span", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("until", sa.BigInteger, nullable=False),
    )
    latest = op.get_bind().execute(sa.text("SELECT max(at) FROM monitor_points")).scalar()
    if latest is not None:
        hour = int(latest) - int(latest) % 3600
        op.execute(
            sa.text(
                "INSERT INTO monitor_rolled (span, until) VALUES (3600, :hour), (86400, :day)"
            ).bindparams(hour=hour, day=hour - hour % 86400)
        )


def downgrade() -> None:
    # The rollups behind the marks stay; the buckets after them are made from the raw points.
    op.execute(
        sa.text(
            "INSERT INTO monitor_rollups (series_id, span, bucket, count, total, least, most) "
            "SELECT p.series_id, s.span, p.at - p.at % s.span, count(*), sum(p.value), min(p.value), "
            "max(p.value) FROM monitor_points p JOIN monitor_rolled s ON p.at >= s.until WHERE true "
            "GROUP BY p.series_id, s.span, p.at - p.at % s.span "
            "ON CONFLICT (series_id, span, bucket) DO UPDATE SET count = excluded.count, "
            "total = excluded.total, least = excluded.least, most = excluded.most"
        )
    )
    op.drop_table("monitor_rolled")
