"""The day's figures a published monitoring summary aggregates: each series' mean over the day,
from the daily rollups (kept for ever, so a summary of any past day can be made)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from custos.store._tables import monitor_rollups, monitor_series

DAY = 86_400


def day_means(conn: Connection, start: int) -> list[tuple[str, int, float, int]]:
    """(deployment, figure, mean, points) for every series with points in the day from ``start``."""
    query = (
        select(
            monitor_series.c.deployment_id,
            monitor_series.c.figure,
            monitor_rollups.c.total,
            monitor_rollups.c.count,
        )
        .join(monitor_series, monitor_series.c.id == monitor_rollups.c.series_id)
        .where(monitor_rollups.c.span == DAY, monitor_rollups.c.bucket == start)
    )
    return [(d, int(f), float(total) / int(n), int(n)) for d, f, total, n in conn.execute(query) if n]
