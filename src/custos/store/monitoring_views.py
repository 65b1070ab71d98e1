"""Continuous monitoring in the store: telemetry as operational time series, and alerts and
enrolments as projections of their filings.

Series, raw points, rollups, the detector's states and what each deployment serves are
operational data, like API tokens: written straight to their tables, never logged and never
cleared by replay. A series is a deployment's figure, the figure as its small integer (the store
does not import ``custos.monitoring``, which numbers them). The ingest path moves a hundred
thousand points a second, so its functions take and give numpy arrays and talk to the database
driver directly, one statement per batch.

Raw points are rolled up by the hour and the day (count, total, least, most;
``monitoring_rollups``), so a year of a series reads from a few hundred rows, and raw points and
hourly rollups can be pruned (``prune``) while the daily rollups stay.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, RowMapping, and_, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from custos.core.clock import stored_utc
from custos.core.errors import InvalidInput
from custos.filings import Filing
from custos.store import monitoring_rollups as rollups
from custos.store._tables import (
    monitor_alerts,
    monitor_enrolments,
    monitor_points,
    monitor_rollups,
    monitor_series,
    monitor_served,
    monitor_states,
    monitor_writer,
)
from custos.store.monitoring_rollups import DAY, HOUR

#: The detector's state per series, as ``load_states`` gives it and ``save_states`` takes it.
INTEGER_STATES = ("n", "degraded", "since", "good_run", "last_at", "onsets")
STATE_COLUMNS = (
    "n",
    "mean",
    "var",
    "cusum",
    "degraded",
    "since",
    "good_run",
    "last_at",
    "onsets",
    "last_value",
)

#: Keys per statement where a list is bound as parameters (SQLite allows 32,766 of them).
_CHUNK = 10_000

_POINTS_SQLITE = "INSERT INTO monitor_points (series_id, at, value) VALUES (?, ?, ?)"
# The points a batch adds in one statement, the stored ones (an OTLP retry) skipped; what was
# inserted comes back, for the rollups. The arrays go in binary (``%b``): parsing their text form
# took half the time of a batch.
_POINTS_POSTGRESQL = """
INSERT INTO monitor_points (series_id, at, value)
SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::float8[])
ON CONFLICT DO NOTHING
RETURNING series_id, at, value
"""


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for offset in range(0, len(items), _CHUNK):
        yield items[offset : offset + _CHUNK]


def _postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _upsert(conn: Connection) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite's and PostgreSQL's agree on it)."""
    return postgresql.insert if _postgresql(conn) else sqlite.insert


# --- series and points -----------------------------------------------------------------------


def _known_series(conn: Connection, deployment_ids: Sequence[str]) -> dict[tuple[str, int], int]:
    found: dict[tuple[str, int], int] = {}
    for chunk in _chunks(deployment_ids):
        rows = conn.execute(
            select(monitor_series.c.id, monitor_series.c.deployment_id, monitor_series.c.figure).where(
                monitor_series.c.deployment_id.in_(list(chunk))
            )
        )
        found.update({(deployment, int(figure)): int(series) for series, deployment, figure in rows})
    return found


def series_ids(conn: Connection, keys: Sequence[tuple[str, int]]) -> np.ndarray:
    """The series id of each (deployment, figure), in order, creating the series not seen before.

    Concurrent writers may create the same series: the insert skips what another committed
    first, and the ids are read again, so both get the one row.
    """
    wanted = list(dict.fromkeys((deployment, int(figure)) for deployment, figure in keys))
    known = _known_series(conn, list(dict.fromkeys(deployment for deployment, _ in wanted)))
    missing = [key for key in wanted if key not in known]
    if missing:
        conn.execute(
            _upsert(conn)(monitor_series).on_conflict_do_nothing(index_elements=["deployment_id", "figure"]),
            [{"deployment_id": deployment, "figure": figure} for deployment, figure in missing],
        )
        known.update(_known_series(conn, list(dict.fromkeys(deployment for deployment, _ in missing))))
    return np.fromiter(
        (known[(deployment, int(figure))] for deployment, figure in keys), dtype=np.int64, count=len(keys)
    )


def _first_of_each(series: np.ndarray, at: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
    """The points in (series, time) order, the first of any repeated (series, time) kept: the order
    of the b-tree, which inserts fastest, and of the rollups' groups."""
    order = np.lexsort((at, series))
    series, at, values = series[order], at[order], values[order]
    first = np.ones(len(series), dtype=bool)
    first[1:] = (series[1:] != series[:-1]) | (at[1:] != at[:-1])
    return series[first], at[first], values[first]


def write_points(
    conn: Connection, series: np.ndarray, at: np.ndarray, values: np.ndarray, *, now: int
) -> int:
    """Store a batch of raw points, roll up what has closed (``monitoring_rollups``; ``now`` is
    the installation's clock, in unix seconds) and say how many points were stored. A point whose
    (series, time) is stored already (an OTLP retry) is skipped, and counts in no rollup a second
    time."""
    series = np.asarray(series, dtype=np.int64)
    at = np.asarray(at, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if not len(series) == len(at) == len(values):
        raise ValueError(
            f"{len(series)} series, {len(at)} times and {len(values)} values: one each per point"
        )
    if not np.isfinite(values).all():
        raise InvalidInput("a telemetry value is not a finite number; nothing was stored")
    if not len(series):
        return 0
    series, at, values = _first_of_each(series, at, values)
    if _postgresql(conn):
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(_POINTS_POSTGRESQL, (series.tolist(), at.tolist(), values.tolist()))
        inserted = cursor.fetchall()
        if len(inserted) < len(series):
            kept = np.array(inserted, dtype=np.float64).reshape(-1, 3)
            series, at, values = _first_of_each(
                kept[:, 0].astype(np.int64), kept[:, 1].astype(np.int64), kept[:, 2]
            )
    else:
        series, at, values = _write_points_sqlite(conn, series, at, values)
    if len(series):
        rollups.add_points(conn, series, at, values, now)
    return len(series)


def _write_points_sqlite(
    conn: Connection, series: np.ndarray, at: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, ...]:
    """SQLite has no statement that both skips repeats and says which it skipped to an
    ``executemany``, so the batch is inserted optimistically: plainly, under a savepoint. A
    retry is rare, and then (the savepoint rolled back) the points already stored are looked up
    per series over the batch's span and left out. The common case costs one ``executemany``
    and no read; comparing ``total_changes`` after ``INSERT OR IGNORE`` would say how many were
    skipped but not which, and the rollups need which. The points stored come back."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    savepoint = conn.begin_nested()
    try:
        cursor.executemany(_POINTS_SQLITE, zip(series.tolist(), at.tolist(), values.tolist(), strict=True))
    except sqlite3.IntegrityError:
        savepoint.rollback()
        new = ~_stored_sqlite(cursor, series, at)
        series, at, values = series[new], at[new], values[new]
        cursor.executemany(_POINTS_SQLITE, zip(series.tolist(), at.tolist(), values.tolist(), strict=True))
    else:
        savepoint.commit()
    return series, at, values


def _stored_sqlite(cursor: Any, series: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Which of the points (in series order) are stored already."""
    starts = np.flatnonzero(np.concatenate(([True], series[1:] != series[:-1])))
    ends = np.append(starts[1:], len(series)) - 1
    stored: set[tuple[int, int]] = set()
    for one, first, last in zip(series[starts].tolist(), at[starts].tolist(), at[ends].tolist(), strict=True):
        rows = cursor.execute(
            "SELECT series_id, at FROM monitor_points WHERE series_id = ? AND at BETWEEN ? AND ?",
            (one, first, last),
        )
        stored.update(rows.fetchall())
    return np.fromiter(
        ((one, moment) in stored for one, moment in zip(series.tolist(), at.tolist(), strict=True)),
        dtype=bool,
        count=len(series),
    )


def recent_points(
    conn: Connection, series: Sequence[int], since: int, until: int
) -> dict[int, list[tuple[int, float]]]:
    """Each series' raw points from ``since`` to ``until`` (both included), in time order: an
    alert's evidence, read for every alert of a request at once."""
    found: dict[int, list[tuple[int, float]]] = {one: [] for one in series}
    for chunk in _chunks(list(dict.fromkeys(series))):
        rows = conn.execute(
            select(monitor_points.c.series_id, monitor_points.c.at, monitor_points.c.value)
            .where(monitor_points.c.series_id.in_(chunk), monitor_points.c.at.between(since, until))
            .order_by(monitor_points.c.series_id, monitor_points.c.at)
        )
        for one, at, value in rows:
            found[int(one)].append((int(at), float(value)))
    return found


# --- the detector's states -------------------------------------------------------------------


def claim_states(conn: Connection, writer: str) -> bool:
    """Record ``writer`` as the last to save the detector's states, in the writing transaction
    (which holds the write lock: SQLite's immediate transaction, PostgreSQL's row lock), and
    whether it was the last already: only then may it trust the states it keeps in memory."""
    row = conn.execute(
        select(monitor_writer.c.writer).where(monitor_writer.c.id == 1).with_for_update()
    ).first()
    if row is None:
        conn.execute(insert(monitor_writer), dict(id=1, writer=writer, generation=1))
        return False
    conn.execute(
        update(monitor_writer)
        .where(monitor_writer.c.id == 1)
        .values(writer=writer, generation=monitor_writer.c.generation + 1)
    )
    return bool(row.writer == writer)


def load_states(conn: Connection, series: Sequence[int]) -> dict[str, Any]:
    """Each series' detector state, as arrays aligned with ``series``: zeros where a series has
    none yet (NaN for ``last_value``), and ``alert_id`` as a list (None where no alert is open)."""
    wanted = np.asarray(series, dtype=np.int64)
    rows: list[Any] = []
    for chunk in _chunks(list(dict.fromkeys(wanted.tolist()))):
        rows.extend(
            conn.execute(
                select(
                    monitor_states.c.series_id,
                    *(monitor_states.c[name] for name in STATE_COLUMNS),
                    monitor_states.c.alert_id,
                ).where(monitor_states.c.series_id.in_(chunk))
            )
        )
    states: dict[str, Any] = {
        name: np.zeros(len(wanted), dtype=np.int64 if name in INTEGER_STATES else np.float64)
        for name in STATE_COLUMNS
    }
    states["last_value"][:] = np.nan
    states["alert_id"] = [None] * len(wanted)
    if not rows:
        return states
    columns = list(zip(*rows, strict=True))
    found = np.asarray(columns[0], dtype=np.int64)
    order = np.argsort(found)
    place = np.minimum(np.searchsorted(found[order], wanted), len(found) - 1)
    hit = found[order][place] == wanted
    source = order[place[hit]]
    for offset, name in enumerate(STATE_COLUMNS, start=1):
        stored = np.asarray(
            [np.nan if value is None else value for value in columns[offset]], dtype=states[name].dtype
        )
        states[name][hit] = stored[source]
    alert_ids = columns[-1]
    for position, row in zip(np.flatnonzero(hit).tolist(), source.tolist(), strict=True):
        states["alert_id"][position] = alert_ids[row]
    return states


def save_states(conn: Connection, series: Sequence[int], columns: Mapping[str, Any]) -> None:
    """Store each series' detector state (every column of ``STATE_COLUMNS`` and ``alert_id``),
    replacing what was stored, in one ``executemany``."""
    if not len(series):
        return
    values = [
        np.asarray(columns[name], dtype=np.int64 if name in INTEGER_STATES else np.float64).tolist()
        for name in STATE_COLUMNS
    ]
    last = STATE_COLUMNS.index("last_value")
    values[last] = [None if math.isnan(value) else value for value in values[last]]  # none yet
    names = ("series_id", *STATE_COLUMNS, "alert_id")
    mark = "%s" if _postgresql(conn) else "?"
    statement = (
        f"INSERT INTO monitor_states ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))}) "
        f"ON CONFLICT (series_id) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in names[1:])
    )
    rows = zip(np.asarray(series, dtype=np.int64).tolist(), *values, list(columns["alert_id"]), strict=True)
    conn.exec_driver_sql(statement, list(rows))


_STATE_NAMES = ("deployment_id", "figure", *STATE_COLUMNS, "alert_id")


def states_of(
    conn: Connection, deployment_ids: Sequence[str] | None, *, degraded_only: bool = False
) -> list[dict[str, Any]]:
    """Each series' state with its deployment and figure (``last_value`` None before the first
    point), for every deployment or those named (and only the degraded series, if asked); by
    deployment, then figure.

    A systemic check reads every series' state while the request that raised its alerts waits,
    so rows become dictionaries straight from the driver's tuples: through the result's
    mappings they took five times as long."""
    query = (
        select(
            monitor_series.c.deployment_id,
            monitor_series.c.figure,
            *(monitor_states.c[name] for name in STATE_COLUMNS),
            monitor_states.c.alert_id,
        )
        .join(monitor_states, monitor_states.c.series_id == monitor_series.c.id)
        .order_by(monitor_series.c.deployment_id, monitor_series.c.figure)
    )
    if degraded_only:
        query = query.where(monitor_states.c.degraded == 1)
    queries = (
        [query]
        if deployment_ids is None
        else [
            query.where(monitor_series.c.deployment_id.in_(list(chunk)))
            for chunk in _chunks(list(deployment_ids))
        ]
    )
    found = [dict(zip(_STATE_NAMES, row, strict=True)) for one in queries for row in conn.execute(one)]
    if deployment_ids is not None and len(queries) > 1:
        found.sort(key=lambda row: (row["deployment_id"], row["figure"]))
    return found


def histories(conn: Connection, window_start: int) -> dict[str, tuple[int, int]]:
    """Each deployment's history for its base rate: the largest onsets and the largest points
    over its figures, less an onset now in the window (a figure degraded since ``window_start``),
    which is what is being judged. Added up in the database: a systemic check needs it for every
    deployment."""
    now = case((and_(monitor_states.c.degraded == 1, monitor_states.c.since >= window_start), 1), else_=0)
    rows = conn.execute(
        select(
            monitor_series.c.deployment_id,
            func.max(monitor_states.c.onsets - now),
            func.max(monitor_states.c.n + monitor_states.c.onsets - now),
        )
        .join(monitor_states, monitor_states.c.series_id == monitor_series.c.id)
        .group_by(monitor_series.c.deployment_id)
    )
    return {deployment: (int(onsets), int(points)) for deployment, onsets, points in rows}


# --- what each deployment serves -------------------------------------------------------------


def set_served(conn: Connection, rows: Sequence[tuple[str, str | None, str | None, int]]) -> None:
    """Record what each deployment serves (deployment, model, version, time); ``since`` moves only
    when the model or the version changed, so it says when the current one started."""
    if not rows:
        return
    statement = _upsert(conn)(monitor_served)
    excluded = statement.excluded
    unchanged = and_(
        monitor_served.c.model_id.is_not_distinct_from(excluded.model_id),
        monitor_served.c.version.is_not_distinct_from(excluded.version),
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["deployment_id"],
            set_={
                "model_id": excluded.model_id,
                "version": excluded.version,
                "since": case((unchanged, monitor_served.c.since), else_=excluded.since),
            },
        ),
        [
            {"deployment_id": deployment, "model_id": model, "version": version, "since": int(at)}
            for deployment, model, version, at in rows
        ],
    )


def served(
    conn: Connection, deployment_ids: Sequence[str] | None = None
) -> dict[str, tuple[str | None, str | None, int]]:
    """What each deployment (or each named one) last said it serves: model, version, since when."""
    query = select(monitor_served)
    chunks = [None] if deployment_ids is None else list(_chunks(list(deployment_ids)))
    found: dict[str, tuple[str | None, str | None, int]] = {}
    for chunk in chunks:
        where = query if chunk is None else query.where(monitor_served.c.deployment_id.in_(list(chunk)))
        found.update(
            {row.deployment_id: (row.model_id, row.version, int(row.since)) for row in conn.execute(where)}
        )
    return found


# --- reading series --------------------------------------------------------------------------


def _series_id(conn: Connection, deployment_id: str, figure: int) -> int | None:
    found = conn.execute(
        select(monitor_series.c.id).where(
            monitor_series.c.deployment_id == deployment_id, monitor_series.c.figure == int(figure)
        )
    ).scalar()
    return None if found is None else int(found)


def _rolled_count(conn: Connection, series: int, span: int, start: int, end: int) -> int:
    """Points the rollups of ``span`` count in the buckets starting in [start, end)."""
    return sum(row[0] for row in rollups.rollups(conn, [series], span, start, end - 1).values())


def _raw_count(conn: Connection, series: int, start: int, end: int) -> int:
    """Raw points in [start, end)."""
    return int(
        conn.execute(
            select(func.count()).where(
                monitor_points.c.series_id == series, monitor_points.c.at >= start, monitor_points.c.at < end
            )
        ).scalar_one()
    )


def _bucket_count(conn: Connection, series: int, span: int, start: int, end: int) -> int:
    """Buckets of ``span`` that hold points of [start, end]."""
    return len(rollups.rollups(conn, [series], span, start, end))


def series_points(
    conn: Connection, deployment_id: str, figure: int, start: int, end: int, most: int = 1500
) -> tuple[str, list[tuple[int, float, float, float]]]:
    """A series over [start, end] (unix seconds) at the finest resolution that is complete there
    and gives at most ``most`` rows: ``raw``, ``hour`` or ``day``, as rows (time, mean, least,
    most); a raw row's three values are its value.

    Pruning leaves the daily rollups whole, so they are the measure of completeness: the hourly
    rollups are complete when they count as many points as the daily ones over the days the span
    touches, and the raw points when there are as many as the hourly rollups count over its
    hours. So a span that reaches back past what is kept raw reads the rollups, not a stub.
    """
    series = _series_id(conn, deployment_id, figure)
    if series is None:
        return "raw", []
    day_start, day_end = start - start % DAY, end - end % DAY + DAY
    if _rolled_count(conn, series, HOUR, day_start, day_end) == _rolled_count(
        conn, series, DAY, day_start, day_end
    ):
        hour_start, hour_end = start - start % HOUR, end - end % HOUR + HOUR
        if (
            _raw_count(conn, series, hour_start, hour_end)
            == _rolled_count(conn, series, HOUR, hour_start, hour_end)
            and _raw_count(conn, series, start, end + 1) <= most
        ):
            rows = conn.execute(
                select(monitor_points.c.at, monitor_points.c.value)
                .where(monitor_points.c.series_id == series, monitor_points.c.at.between(start, end))
                .order_by(monitor_points.c.at)
            )
            return "raw", [(int(at), value, value, value) for at, value in rows]
        if _bucket_count(conn, series, HOUR, start, end) <= most:
            return "hour", _rolled(conn, series, HOUR, start, end)
    return "day", _rolled(conn, series, DAY, start, end)


def _rolled(
    conn: Connection, series: int, span: int, start: int, end: int
) -> list[tuple[int, float, float, float]]:
    rows = rollups.rollups(conn, [series], span, start, end)
    return [
        (bucket, total / count, least, most)
        for (_, bucket), (count, total, least, most) in sorted(rows.items())
    ]


def means_since(
    conn: Connection, deployment_ids: Sequence[str], since: int
) -> dict[tuple[str, int], tuple[float, int]]:
    """Each (deployment, figure)'s mean and number of points from the hour of ``since`` on, from
    the hourly rollups: what a rollout gate compares with its bound."""
    named: dict[int, tuple[str, int]] = {}
    for chunk in _chunks(list(deployment_ids)):
        rows = conn.execute(
            select(monitor_series.c.id, monitor_series.c.deployment_id, monitor_series.c.figure).where(
                monitor_series.c.deployment_id.in_(list(chunk))
            )
        )
        named.update({int(one): (deployment, int(figure)) for one, deployment, figure in rows})
    sums: dict[tuple[str, int], list[float]] = {}
    for chunk in _chunks(list(named)):  # each series is a bound parameter: SQLite allows 32,766
        for (one, _), (count, total, _, _) in rollups.rollups(conn, chunk, HOUR, since, 2**62).items():
            held = sums.setdefault(named[one], [0.0, 0])
            held[0] += total
            held[1] += count
    return {key: (total / int(count), int(count)) for key, (total, count) in sums.items()}


def prune(conn: Connection, now: int, raw_seconds: int, hourly_seconds: int) -> dict[str, int]:
    """Delete the raw points taken before ``now - raw_seconds`` and the hourly rollups of hours
    that ended by ``now - hourly_seconds``; the daily rollups stay. How many of each went. What
    has closed is rolled up first, so no point is pruned before it is counted."""
    rollups.roll(conn, now - rollups.LATE_SECONDS)
    raw = conn.execute(delete(monitor_points).where(monitor_points.c.at < now - raw_seconds))
    hourly = conn.execute(
        delete(monitor_rollups).where(
            monitor_rollups.c.span == HOUR,
            monitor_rollups.c.bucket + HOUR <= now - hourly_seconds,
        )
    )
    return {"raw": int(raw.rowcount), "hourly": int(hourly.rowcount)}


# --- projections -----------------------------------------------------------------------------


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def enrolled(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(monitor_enrolments),
        dict(
            id=filing.id,
            deployment_id=content["deployment_id"],
            organisation_id=filing.organisation,
            figures=json.dumps(content["figures"]),
            interval_seconds=content.get("interval_seconds", 60),
            valid_until=date.fromisoformat(content["valid_until"]),
            filed_at=filing.filed_at,
        ),
    )


def alert_raised(conn: Connection, filing: Filing) -> None:
    """A deployment's alert, raised when its figure first degraded (not when it was filed)."""
    content = filing.content
    conn.execute(
        insert(monitor_alerts),
        dict(
            id=filing.id,
            kind="alert",
            organisation_id=filing.organisation,
            deployment_id=content["deployment_id"],
            figure=content["figure"],
            raised_at=_moment(content["first_degraded_at"]),
        ),
    )


def alert_cleared(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        update(monitor_alerts)
        .where(monitor_alerts.c.id == content["alert_id"])
        .values(cleared_at=_moment(content["recovered_at"]))
    )


def systemic_alert(conn: Connection, filing: Filing) -> None:
    """A group's alert, raised when its first member degraded: the time of the event, as a
    deployment's alert is, so the two sort together on one time line."""
    content = filing.content
    conn.execute(
        insert(monitor_alerts),
        dict(
            id=filing.id,
            kind="systemic",
            organisation_id=filing.organisation,
            group_by=content["group_by"],
            group_key=content["group"],
            group_name=content.get("group_name"),
            raised_at=min(_moment(member["first_degraded_at"]) for member in content["members"]),
            deployments=content["deployments"],
            exposure_eur=content["exposure_eur"],
            chance=content["chance"],
            incident_id=content.get("incident_id"),
        ),
    )


# --- reads -----------------------------------------------------------------------------------


def _record(row: RowMapping) -> dict[str, Any]:
    """A row with its times in UTC (SQLite hands them back without their zone)."""
    record = dict(row)
    for name in ("raised_at", "cleared_at", "filed_at"):
        if record.get(name) is not None:
            record[name] = stored_utc(record[name])
    return record


def alerts(
    conn: Connection,
    *,
    organisation: str | None = None,
    deployment_id: str | None = None,
    open_only: bool = False,
    kind: str | None = None,
    raised: tuple[datetime, datetime] | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Alerts, newest first: of an organisation, of a deployment, still open, of a kind, raised
    in [start, end)."""
    query = select(monitor_alerts).order_by(monitor_alerts.c.raised_at.desc(), monitor_alerts.c.id.desc())
    if organisation is not None:
        query = query.where(monitor_alerts.c.organisation_id == organisation)
    if deployment_id is not None:
        query = query.where(monitor_alerts.c.deployment_id == deployment_id)
    if open_only:
        query = query.where(monitor_alerts.c.cleared_at.is_(None))
    if kind is not None:
        query = query.where(monitor_alerts.c.kind == kind)
    if raised is not None:
        query = query.where(monitor_alerts.c.raised_at >= raised[0], monitor_alerts.c.raised_at < raised[1])
    return [_record(row) for row in conn.execute(query.limit(limit)).mappings()]


def enrolments(
    conn: Connection, *, organisation: str | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    """Enrolments, newest first: of an organisation, valid on a day (filed by its end, not expired)."""
    query = select(monitor_enrolments).order_by(
        monitor_enrolments.c.filed_at.desc(), monitor_enrolments.c.id.desc()
    )
    if organisation is not None:
        query = query.where(monitor_enrolments.c.organisation_id == organisation)
    if on is not None:
        query = query.where(
            monitor_enrolments.c.valid_until >= on,
            monitor_enrolments.c.filed_at < datetime.combine(on + timedelta(days=1), time(), tzinfo=UTC),
        )
    return [_record(row) for row in conn.execute(query).mappings()]
