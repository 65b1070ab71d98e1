"""The day's figures a published monitoring summary aggregates: each series' mean over the day,
from the daily rollups (kept for ever, so a summary of any past day can be made)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from custos.store import monitoring_rollups as rollups
from custos.store._tables import monitor_series


def day_means(conn: Connection, start: int) -> list[tuple[str, int, float, int]]:
    """(deployment, figure, mean, points) for every series with points in the day from ``start``."""
    rows = rollups.rollups(conn, None, rollups.DAY, start, start)
    if not rows:
        return []
    names = {
        int(one): (deployment, int(figure))
        for one, deployment, figure in conn.execute(
            select(monitor_series.c.id, monitor_series.c.deployment_id, monitor_series.c.figure)
        )
    }
    return [(*names[one], total / count, count) for (one, _), (count, total, _, _) in rows.items() if count]
