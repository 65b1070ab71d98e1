"""Telemetry's hourly and daily rollups (count, total, least, most per series and bucket), made
in bulk once a bucket has closed rather than point by point as points arrive.

Adding each point of a request to its hour and its day was two upserts a point: 20,000 for a
request of 10,000 points, most of the time the request took. So rollups are made behind a mark
per span: the hours before the hourly mark are rolled up, in one ``INSERT ... SELECT ... GROUP
BY`` over the raw points, once points ten minutes past an hour's end have arrived; the days
before the daily mark, from the hourly rollups, once the hourly mark has passed the day's end.
Everything after a mark is read from what lies below it (``rollups`` combines the two), so a
reader never sees a bucket short of a point that was stored.

A point stamped before a mark arrived late (a deployer catching up): it is added to the rolled
buckets it falls in, one upsert each, as before. Rolling a bucket replaces what the table holds
for it, computed from every raw point of the bucket, so rolling twice, or after late points were
added, cannot count a point twice. Raw points are pruned only after the hours they fall in are
rolled (``monitoring_views.prune`` rolls first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, text

from custos.store._tables import monitor_rolled

HOUR = 3600
DAY = 86400
#: The rollups' spans, in seconds.
SPANS = (HOUR, DAY)
#: An hour is rolled up once points this many seconds past its end have arrived; a point later
#: than that takes the slower path of a late point.
LATE_SECONDS = 600

#: One rollup row: (count, total, least, most).
Rollup = tuple[int, float, float, float]

_REPLACE = (
    " ON CONFLICT (series_id, span, bucket) DO UPDATE SET count = excluded.count, "
    "total = excluded.total, least = excluded.least, most = excluded.most"
)
# Driven by the series, so each one's points are a range of the points' key (series, time): a
# scan of every raw point kept would grow with the retention, not with the hour. ``WHERE`` comes
# before ``ON CONFLICT`` so that SQLite does not read the conflict clause as the join's.
_ROLL_HOURS = text(
    "INSERT INTO monitor_rollups (series_id, span, bucket, count, total, least, most) "
    "SELECT p.series_id, 3600, p.at - p.at % 3600, count(*), sum(p.value), min(p.value), max(p.value) "
    "FROM monitor_series s JOIN monitor_points p ON p.series_id = s.id "
    "WHERE p.at >= :start AND p.at < :end GROUP BY p.series_id, p.at - p.at % 3600" + _REPLACE
)
_ROLL_DAYS = text(
    "INSERT INTO monitor_rollups (series_id, span, bucket, count, total, least, most) "
    "SELECT r.series_id, 86400, r.bucket - r.bucket % 86400, sum(r.count), sum(r.total), min(r.least), "
    "max(r.most) FROM monitor_series s JOIN monitor_rollups r ON r.series_id = s.id "
    "WHERE r.span = 3600 AND r.bucket >= :start AND r.bucket < :end "
    "GROUP BY r.series_id, r.bucket - r.bucket % 86400" + _REPLACE
)


def marks(conn: Connection) -> dict[int, int | None]:
    """Each span's mark: the buckets before it are rolled up (None: nothing is yet)."""
    found: dict[int, int | None] = dict.fromkeys(SPANS)
    found.update({int(span): int(until) for span, until in conn.execute(select(monitor_rolled))})
    return found


def _set_mark(conn: Connection, span: int, until: int, known: bool) -> None:
    if known:
        conn.execute(
            text("UPDATE monitor_rolled SET until = :until WHERE span = :span"), dict(span=span, until=until)
        )
    else:
        conn.execute(
            text("INSERT INTO monitor_rolled (span, until) VALUES (:span, :until)"),
            dict(span=span, until=until),
        )


def _floor(moment: int, span: int) -> int:
    return moment - moment % span


def add_points(conn: Connection, series: np.ndarray, at: np.ndarray, values: np.ndarray, now: int) -> None:
    """Account for newly stored raw points (in (series, time) order, none stored before): those
    behind a mark go into its rolled buckets; then the marks move up to what has closed."""
    stamped = marks(conn)
    if stamped[HOUR] is None:  # the first points: nothing before them to roll
        start = _floor(int(at.min()), HOUR)
        _set_mark(conn, HOUR, start, known=False)
        _set_mark(conn, DAY, _floor(start, DAY), known=False)
        stamped = {HOUR: start, DAY: _floor(start, DAY)}
    for span in SPANS:
        mark = stamped[span]
        assert mark is not None
        late = at < mark
        if late.any():
            _add(conn, span, *_buckets(series[late], at[late], values[late], span))
    roll(conn, min(now, int(at.max())) - LATE_SECONDS, stamped)


def roll(conn: Connection, closed: int, stamped: dict[int, int | None] | None = None) -> None:
    """Roll up every hour that ended by ``closed`` and every day whose hours are all rolled."""
    stamped = marks(conn) if stamped is None else stamped
    hour_mark, day_mark = stamped[HOUR], stamped[DAY]
    if hour_mark is None or day_mark is None:
        return  # no point was ever stored
    hours = _floor(closed, HOUR)
    if hours > hour_mark:
        conn.execute(_ROLL_HOURS, dict(start=hour_mark, end=hours))
        _set_mark(conn, HOUR, hours, known=True)
        hour_mark = hours
    days = _floor(hour_mark, DAY)
    if days > day_mark:
        conn.execute(_ROLL_DAYS, dict(start=day_mark, end=days))
        _set_mark(conn, DAY, days, known=True)


def _buckets(series: np.ndarray, at: np.ndarray, values: np.ndarray, span: int) -> tuple[np.ndarray, ...]:
    """Per (series, bucket of ``span`` seconds): series, bucket start, count, total, least, most.
    The points must be in (series, time) order."""
    buckets = at - at % span  # numpy's % floors, so a bucket starts at or before its points
    starts = np.flatnonzero(
        np.concatenate(([True], (series[1:] != series[:-1]) | (buckets[1:] != buckets[:-1])))
    )
    counts = np.diff(np.append(starts, len(series)))
    return (
        series[starts],
        buckets[starts],
        counts,
        np.add.reduceat(values, starts),
        np.minimum.reduceat(values, starts),
        np.maximum.reduceat(values, starts),
    )


def _add(conn: Connection, span: int, *columns: np.ndarray) -> None:
    """Add late points' buckets to the rolled ones (the two dialects name the place holder and
    the two-argument least and most differently)."""
    mark, least, most = (
        ("%s", "LEAST", "GREATEST") if conn.dialect.name == "postgresql" else ("?", "min", "max")
    )
    statement = (
        "INSERT INTO monitor_rollups (series_id, span, bucket, count, total, least, most) "
        f"VALUES ({', '.join([mark] * 7)}) ON CONFLICT (series_id, span, bucket) DO UPDATE SET "
        "count = monitor_rollups.count + excluded.count, total = monitor_rollups.total + excluded.total, "
        f"least = {least}(monitor_rollups.least, excluded.least), "
        f"most = {most}(monitor_rollups.most, excluded.most)"
    )
    rows = zip(
        columns[0].tolist(),
        [span] * len(columns[0]),
        *(column.tolist() for column in columns[1:]),
        strict=True,
    )
    conn.exec_driver_sql(statement, list(rows))


# --- reading ---------------------------------------------------------------------------------


def rollups(
    conn: Connection, series: Sequence[int] | None, span: int, start: int, end: int
) -> dict[tuple[int, int], Rollup]:
    """The rollups of ``span`` whose buckets start in [start, end] for the series named (every
    series for None), keyed by (series, bucket): the rolled ones from the table, the rest made
    from the hourly rollups and raw points below them, as rolling them would."""
    stamped = marks(conn)
    first, last = _floor(start, span), _floor(end, span) + span - 1  # the buckets' points' times
    found: dict[tuple[int, int], Rollup] = {}
    rolled_until = stamped[span]
    if rolled_until is not None:
        _merge(found, _table_rows(conn, series, span, first, min(last, rolled_until - 1)))
    unrolled = first if rolled_until is None else max(first, rolled_until)
    hour_mark = stamped[HOUR]
    if span == DAY and hour_mark is not None and unrolled < hour_mark:
        hourly = _table_rows(conn, series, HOUR, unrolled, min(last, hour_mark - 1))
        _merge(found, (((one, _floor(bucket, DAY)), row) for (one, bucket), row in hourly))
        unrolled = hour_mark
    _merge(found, _raw_rows(conn, series, span, unrolled, last))
    return found


def _merge(found: dict[tuple[int, int], Rollup], rows: Iterable[tuple[tuple[int, int], Rollup]]) -> None:
    for key, (count, total, least, most) in rows:
        held = found.get(key)
        if held is None:
            found[key] = (count, total, least, most)
        else:
            found[key] = (held[0] + count, held[1] + total, min(held[2], least), max(held[3], most))


def _series_filter(series: Sequence[int] | None, column: str) -> tuple[str, dict[str, Any]]:
    if series is None:
        return "", {}
    names = {f"s{place}": int(one) for place, one in enumerate(dict.fromkeys(series))}
    if not names:
        return " AND 1 = 0", {}
    return f" AND {column} IN ({', '.join(':' + name for name in names)})", names


def _table_rows(
    conn: Connection, series: Sequence[int] | None, span: int, start: int, end: int
) -> list[tuple[tuple[int, int], Rollup]]:
    """Rolled buckets of ``span`` starting in [start, end] (``start`` a bucket's start)."""
    if end < start:
        return []
    where, named = _series_filter(series, "series_id")
    rows = conn.execute(
        text(
            "SELECT series_id, bucket, count, total, least, most FROM monitor_rollups "
            "WHERE span = :span AND bucket >= :start AND bucket <= :end" + where
        ),
        dict(span=span, start=start, end=end, **named),
    )
    return [
        ((int(one), int(bucket)), (int(n), float(t), float(lo), float(hi)))
        for one, bucket, n, t, lo, hi in rows
    ]


def _raw_rows(
    conn: Connection, series: Sequence[int] | None, span: int, start: int, end: int
) -> list[tuple[tuple[int, int], Rollup]]:
    """The raw points from ``start`` to ``end`` (both included), as buckets of ``span``."""
    if end < start:
        return []
    where, named = _series_filter(series, "p.series_id")
    rows = conn.execute(
        text(
            f"SELECT p.series_id, p.at - p.at % {span}, count(*), sum(p.value), min(p.value), max(p.value) "
            "FROM monitor_series s JOIN monitor_points p ON p.series_id = s.id "
            "WHERE p.at >= :start AND p.at <= :end" + where + f" GROUP BY p.series_id, p.at - p.at % {span}"
        ),
        dict(start=start, end=end, **named),
    )
    return [
        ((int(one), int(bucket)), (int(n), float(t), float(lo), float(hi)))
        for one, bucket, n, t, lo, hi in rows
    ]
