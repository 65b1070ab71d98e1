"""Continuous monitoring's tables on each backend: raw points and their rollups against sums
made point by point, resolutions chosen by span, pruning, detector states, what deployments
serve, gate means worked by hand, and alerts and enrolments projected from filings."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from custos.core.clock import FixedClock
from custos.core.errors import InvalidInput
from custos.filings import Filing, FilingKind
from custos.monitoring.model import (
    MONITOR_ALERT_CLEARED,
    MONITOR_ALERT_RAISED,
    MONITOR_ENROLLED,
    MONITOR_SYSTEMIC_ALERT,
)
from custos.store import Store
from custos.store import monitoring_rollups as rollups
from custos.store import monitoring_views as mv
from custos.store._tables import monitor_points, monitor_rollups

T0 = 1_800_000_000 - 1_800_000_000 % 86_400  # a midnight, UTC


def _ids(store: Store, keys: list[tuple[str, int]]) -> np.ndarray:
    with store.transaction() as uow:
        return mv.series_ids(uow.conn, keys)


NOW = T0 + 10 * 86_400


def _write(store: Store, series: Any, at: Any, values: Any, now: int = NOW) -> int:
    with store.transaction() as uow:
        return mv.write_points(
            uow.conn, np.asarray(series), np.asarray(at), np.asarray(values, dtype=float), now=now
        )


def _stored_rollups(store: Store) -> dict[tuple[int, int, int], tuple[int, float, float, float]]:
    """Every bucket's rollup as readers see it: rolled, or made from what lies below its mark."""
    with store.read() as conn:
        return {
            (series, span, bucket): row
            for span in rollups.SPANS
            for (series, bucket), row in rollups.rollups(conn, None, span, 0, 2**40).items()
        }


def _rolled_table(store: Store) -> dict[tuple[int, int, int], tuple[int, float, float, float]]:
    """The rollups table itself, every closed bucket rolled first."""
    with store.transaction() as uow:
        rollups.roll(uow.conn, 2**40)
    with store.read() as conn:
        rows = conn.execute(select(monitor_rollups))
        return {(r.series_id, r.span, r.bucket): (r.count, r.total, r.least, r.most) for r in rows}


def _agree(rolled: dict[tuple[int, int, int], Any], want: dict[tuple[int, int, int], Any]) -> None:
    assert rolled.keys() == want.keys()
    for key, (count, total, least, most) in want.items():
        got = rolled[key]
        assert got[0] == count and got[2] == least and got[3] == most
        assert got[1] == pytest.approx(total, rel=1e-12)


def _expected_rollups(points: dict[tuple[int, int], float]) -> dict[tuple[int, int, int], list[Any]]:
    """Each (series, span, bucket)'s count, sum, min and max, point by point."""
    found: dict[tuple[int, int, int], list[Any]] = {}
    for (series, at), value in points.items():
        for span in (3600, 86_400):
            key = (series, span, at // span * span)
            if key not in found:
                found[key] = [0, 0.0, math.inf, -math.inf]
            entry = found[key]
            entry[0] += 1
            entry[1] += value
            entry[2] = min(entry[2], value)
            entry[3] = max(entry[3], value)
    return found


def test_series_ids_are_stable_and_created_once(store: Store) -> None:
    first = _ids(store, [("dep-a", 0), ("dep-b", 3), ("dep-a", 0)])
    assert first[0] == first[2] and first[0] != first[1]
    again = _ids(store, [("dep-b", 3), ("dep-c", 1), ("dep-a", 0)])
    assert again[0] == first[1] and again[2] == first[0]
    assert len({*first.tolist(), *again.tolist()}) == 3
    assert first.dtype == np.int64


def test_rollups_equal_sums_point_by_point_and_a_retry_counts_once(store: Store) -> None:
    rng = np.random.default_rng(7)
    series = _ids(store, [(f"dep-{i}", i % 8) for i in range(5)])
    n = 4_000
    s = rng.choice(series, n)
    at = T0 + rng.integers(-86_400, 3 * 86_400, n)  # across day boundaries, some before T0
    values = rng.normal(0.5, 0.2, n)
    expected: dict[tuple[int, int], float] = {}
    for one, moment, value in zip(s.tolist(), at.tolist(), values.tolist(), strict=True):
        expected.setdefault((one, moment), value)  # a repeat in the batch: the first counts
    assert _write(store, s, at, values) == len(expected)

    # A second batch: half of it repeats stored points with other values, half is new.
    repeat = rng.choice(n, n // 2, replace=False)
    fresh_at = T0 + 3 * 86_400 + rng.integers(0, 86_400, n // 2)
    s2 = np.concatenate([s[repeat], rng.choice(series, n // 2)])
    at2 = np.concatenate([at[repeat], fresh_at])
    values2 = rng.normal(5.0, 1.0, n)
    new = 0
    for one, moment, value in zip(s2.tolist(), at2.tolist(), values2.tolist(), strict=True):
        if (one, moment) not in expected:
            expected[(one, moment)] = value
            new += 1
    assert 0 < new < n
    assert _write(store, s2, at2, values2) == new

    with store.read() as conn:
        stored = {(r.series_id, r.at): r.value for r in conn.execute(select(monitor_points))}
    assert stored == expected
    rolled = _stored_rollups(store)
    want = _expected_rollups(expected)
    _agree(rolled, want)
    # Every point is in one hourly and one daily bucket.
    assert sum(v[0] for k, v in rolled.items() if k[1] == 3600) == len(expected)
    assert sum(v[0] for k, v in rolled.items() if k[1] == 86_400) == len(expected)
    _agree(_rolled_table(store), want)  # and the bulk roll-up makes the same buckets


def test_late_points_join_rolled_buckets_and_a_bucket_is_rolled_once_closed(store: Store) -> None:
    (one,) = _ids(store, [("dep-a", 0)])
    points: dict[tuple[int, int], float] = {}

    def write(at: list[int], values: list[float], now: int = NOW) -> None:
        _write(store, [one] * len(at), at, values, now=now)
        points.update({(int(one), m): v for m, v in zip(at, values, strict=True)})

    write([T0 + 60, T0 + 120], [1.0, 2.0])
    with store.read() as conn:
        assert rollups.marks(conn) == {3600: T0, 86_400: T0}  # nothing closed yet
    write([T0 + 3600 + rollups.LATE_SECONDS - 1], [3.0])  # not yet ten minutes past the hour
    with store.read() as conn:
        assert rollups.marks(conn)[3600] == T0
    write([T0 + 3600 + rollups.LATE_SECONDS], [4.0])
    with store.read() as conn:
        assert rollups.marks(conn) == {3600: T0 + 3600, 86_400: T0}
    write([T0 + 180], [10.0])  # late: into the rolled hour
    write([T0 + 2 * 86_400], [5.0], now=T0 + 2 * 86_400 + 3600)  # closes the first day
    with store.read() as conn:
        assert rollups.marks(conn) == {3600: T0 + 2 * 86_400 - 3600, 86_400: T0 + 86_400}
    write([T0 + 240, T0 - 60], [20.0, 30.0])  # late for the rolled day, and before the first mark
    want = _expected_rollups(points)
    _agree(_stored_rollups(store), want)
    _agree(_rolled_table(store), want)
    _agree(_rolled_table(store), want)  # rolling again counts nothing twice
    assert want[(int(one), 86_400, T0)] == [6, 40.0, 1.0, 20.0]


def test_rollups_survive_a_downgrade_and_an_upgrade_of_the_schema(store: Store) -> None:
    """Before the marks every point went into its rollups as it arrived: going back makes the
    open buckets from the raw points, and coming forward starts the marks at the latest point."""
    from alembic import command

    from custos.store import migrate

    (one,) = _ids(store, [("dep-a", 0)])
    at = T0 + np.arange(0, 26 * 3600, 600)
    values = np.cos(at / 7_000.0)
    _write(store, np.full(len(at), one), at, values)
    points = {(int(one), int(m)): float(v) for m, v in zip(at, values, strict=True)}
    config = migrate.alembic_config(store.engine)
    command.downgrade(config, "0021")
    with store.read() as conn:
        rows = conn.execute(select(monitor_rollups))
        _agree(
            {(r.series_id, r.span, r.bucket): (r.count, r.total, r.least, r.most) for r in rows},
            _expected_rollups(points),
        )
    command.upgrade(config, "head")
    latest = int(at.max())
    with store.read() as conn:
        assert rollups.marks(conn) == {3600: latest - latest % 3600, 86_400: T0 + 86_400}
    _agree(_stored_rollups(store), _expected_rollups(points))
    _write(store, [one], [latest + 2 * 3600], [2.0])
    points[(int(one), latest + 2 * 3600)] = 2.0
    _agree(_rolled_table(store), _expected_rollups(points))


def test_a_roll_is_bounded_by_the_clock_not_by_a_point_stamped_ahead(store: Store) -> None:
    (one,) = _ids(store, [("dep-a", 0)])
    _write(store, [one], [T0 + 5 * 3600], [1.0], now=T0 + 3600)
    with store.read() as conn:
        assert rollups.marks(conn)[3600] == T0 + 5 * 3600  # the first point sets the marks
    _write(store, [one], [T0 + 9 * 3600], [1.0], now=T0 + 6 * 3600 + 30)
    with store.read() as conn:
        assert rollups.marks(conn)[3600] == T0 + 5 * 3600  # ten minutes have not passed on the clock


def test_a_batch_of_only_repeats_stores_nothing_and_changes_no_rollup(store: Store) -> None:
    (one,) = _ids(store, [("dep-a", 0)])
    assert _write(store, [one, one], [T0, T0 + 60], [1.0, 2.0]) == 2
    before = _stored_rollups(store)
    assert _write(store, [one, one], [T0 + 60, T0], [9.0, 9.0]) == 0
    assert _stored_rollups(store) == before
    assert before[(int(one), 3600, T0)] == (2, 3.0, 1.0, 2.0)


def test_a_value_that_is_not_a_number_is_refused_and_nothing_is_stored(store: Store) -> None:
    (one,) = _ids(store, [("dep-a", 0)])
    with pytest.raises(InvalidInput, match="finite"), store.transaction() as uow:
        mv.write_points(
            uow.conn, np.array([one, one]), np.array([T0, T0 + 60]), np.array([1.0, np.nan]), now=NOW
        )
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(monitor_points)).scalar_one() == 0


def _minutes(store: Store, deployment: str, days: int, step: int = 60) -> tuple[int, np.ndarray, np.ndarray]:
    (one,) = _ids(store, [(deployment, 2)])
    at = T0 + np.arange(0, days * 86_400, step)
    values = np.sin(at / 5_000.0) + 2.0
    _write(store, np.full(len(at), one), at, values)
    return int(one), at, values


def _buckets(at: np.ndarray, values: np.ndarray, span: int, start: int, end: int) -> list[tuple[int, ...]]:
    """(bucket, mean, min, max) of the points whose bucket starts in [start's bucket, end]."""
    groups: dict[int, list[float]] = defaultdict(list)
    for moment, value in zip(at.tolist(), values.tolist(), strict=True):
        bucket = moment // span * span
        if start // span * span <= bucket <= end:
            groups[bucket].append(value)
    return [(b, sum(v) / len(v), min(v), max(v)) for b, v in sorted(groups.items())]


def _close(rows: list[tuple[int, float, float, float]], want: list[tuple[int, ...]]) -> None:
    assert [r[0] for r in rows] == [w[0] for w in want]
    for row, wanted in zip(rows, want, strict=True):
        assert row[1:] == pytest.approx(wanted[1:], rel=1e-12)


def test_series_points_reads_the_finest_resolution_that_fits(store: Store) -> None:
    _, at, values = _minutes(store, "dep-a", 3)
    with store.read() as conn:
        resolution, rows = mv.series_points(conn, "dep-a", 2, T0 + 3600, T0 + 3600 + 86_399)
        assert resolution == "raw" and len(rows) == 1440
        inside = (at >= T0 + 3600) & (at <= T0 + 3600 + 86_399)
        assert rows == [
            (m, v, v, v) for m, v in zip(at[inside].tolist(), values[inside].tolist(), strict=True)
        ]

        resolution, rows = mv.series_points(conn, "dep-a", 2, T0, T0 + 3 * 86_400 - 1)
        assert resolution == "hour"
        _close(rows, _buckets(at, values, 3600, T0, T0 + 3 * 86_400 - 1))

        resolution, rows = mv.series_points(conn, "dep-a", 2, T0 + 1800, T0 + 3 * 86_400 - 1, most=40)
        assert resolution == "day" and len(rows) == 3
        _close(rows, _buckets(at, values, 86_400, T0 + 1800, T0 + 3 * 86_400 - 1))

        assert mv.series_points(conn, "dep-a", 5, T0, T0 + 86_400) == ("raw", [])


def test_a_span_reaching_past_what_is_kept_raw_reads_the_rollups(store: Store) -> None:
    one, at, values = _minutes(store, "dep-a", 3)
    now = T0 + 3 * 86_400
    cut = now - 86_400 - 1800  # mid-hour: the hour it falls in keeps only part of its points
    with store.transaction() as uow:
        pruned = mv.prune(uow.conn, now, raw_seconds=now - cut, hourly_seconds=now - (T0 + 7200))
    assert pruned == {"raw": int((at < cut).sum()), "hourly": 2}  # the hours T0 and T0 + 1 h ended by then
    with store.read() as conn:
        left = conn.execute(
            select(func.min(monitor_points.c.at), func.count()).where(monitor_points.c.series_id == one)
        )
        assert tuple(left.one()) == (cut, int((at >= cut).sum()))
        # Two hours from the cut: raw points are missing from the first one, so hourly rollups answer.
        resolution, rows = mv.series_points(conn, "dep-a", 2, cut - 1, cut + 3600)
        assert resolution == "hour"
        _close(rows, _buckets(at, values, 3600, cut - 1, cut + 3600))
        # After the cut, raw points answer again.
        assert mv.series_points(conn, "dep-a", 2, cut + 1800, cut + 7200)[0] == "raw"
        # The first day lost its first two hourly rollups: only the daily ones are complete.
        resolution, rows = mv.series_points(conn, "dep-a", 2, T0, T0 + 86_399)
        assert resolution == "day"
        _close(rows, _buckets(at, values, 86_400, T0, T0 + 86_399))
        hourly = conn.execute(
            select(func.min(monitor_rollups.c.bucket)).where(monitor_rollups.c.span == 3600)
        ).scalar_one()
        assert hourly == T0 + 7200


def test_states_round_trip_with_defaults_for_series_without_one(store: Store) -> None:
    a, b, c = _ids(store, [("dep-a", 0), ("dep-a", 1), ("dep-b", 0)]).tolist()
    columns: dict[str, Any] = {
        "n": np.array([40, 3]),
        "mean": np.array([0.99, 0.01]),
        "var": np.array([1e-4, 2e-5]),
        "cusum": np.array([0.0, 6.5]),
        "degraded": np.array([0, 1], dtype=np.int8),
        "since": np.array([0, T0]),
        "good_run": np.array([12, 0]),
        "last_at": np.array([T0 + 60, T0 + 120]),
        "onsets": np.array([0, 1]),
        "last_value": np.array([np.nan, 0.2]),
        "alert_id": [None, "01ALERT"],
    }
    with store.transaction() as uow:
        mv.save_states(uow.conn, [a, b], columns)
    with store.read() as conn:
        loaded = mv.load_states(conn, [b, c, a])
    assert loaded["n"].tolist() == [3, 0, 40] and loaded["n"].dtype == np.int64
    assert loaded["cusum"].tolist() == [6.5, 0.0, 0.0]
    assert loaded["degraded"].tolist() == [1, 0, 0]
    assert loaded["since"].tolist() == [T0, 0, 0]
    assert loaded["last_value"][0] == 0.2 and np.isnan(loaded["last_value"][1:]).all()
    assert loaded["alert_id"] == ["01ALERT", None, None]

    columns["cusum"] = np.array([0.5, 0.0])
    columns["alert_id"] = [None, None]
    with store.transaction() as uow:
        mv.save_states(uow.conn, [a, b], columns)
    with store.read() as conn:
        again = mv.load_states(conn, [a, b])
        listed = mv.states_of(conn, ["dep-a"])
    assert again["cusum"].tolist() == [0.5, 0.0] and again["alert_id"] == [None, None]
    assert [(row["deployment_id"], row["figure"], row["n"]) for row in listed] == [
        ("dep-a", 0, 40),
        ("dep-a", 1, 3),
    ]
    assert listed[0]["last_value"] is None and listed[1]["last_value"] == 0.2


def test_histories_take_each_deployment_s_largest_counts_less_an_onset_now(store: Store) -> None:
    a0, a1, b0 = _ids(store, [("dep-a", 0), ("dep-a", 1), ("dep-b", 0)]).tolist()
    columns: dict[str, Any] = {
        "n": np.array([100, 40, 7]),
        "mean": np.zeros(3),
        "var": np.zeros(3),
        "cusum": np.zeros(3),
        "degraded": np.array([0, 1, 1]),
        "since": np.array([0, T0 + 600, T0 - 600]),  # a1 degraded in the window, b0 before it
        "good_run": np.zeros(3, dtype=np.int64),
        "last_at": np.full(3, T0 + 900),
        "onsets": np.array([2, 5, 1]),
        "last_value": np.full(3, 0.5),
        "alert_id": [None, "01A", "01B"],
    }
    with store.transaction() as uow:
        mv.save_states(uow.conn, [a0, a1, b0], columns)
    with store.read() as conn:
        # dep-a: a1's onsets less the one now (4), a0's points (100 + 2); dep-b's onset is older.
        assert mv.histories(conn, T0) == {"dep-a": (4, 102), "dep-b": (1, 8)}
        assert mv.histories(conn, T0 - 3600) == {"dep-a": (4, 102), "dep-b": (0, 7)}
        degraded = mv.states_of(conn, None, degraded_only=True)
    assert [(s["deployment_id"], s["figure"]) for s in degraded] == [("dep-a", 1), ("dep-b", 0)]


def test_served_moves_since_only_when_the_model_or_version_changes(store: Store) -> None:
    def serve(
        *rows: tuple[str, str | None, str | None, int],
    ) -> dict[str, tuple[str | None, str | None, int]]:
        with store.transaction() as uow:
            mv.set_served(uow.conn, list(rows))
        with store.read() as conn:
            return mv.served(conn)

    assert serve(("dep-a", "m1", "1.0", 100), ("dep-b", None, None, 100)) == {
        "dep-a": ("m1", "1.0", 100),
        "dep-b": (None, None, 100),
    }
    assert serve(("dep-a", "m1", "1.0", 200), ("dep-b", None, None, 200)) == {
        "dep-a": ("m1", "1.0", 100),
        "dep-b": (None, None, 100),
    }
    assert serve(("dep-a", "m1", "1.1", 300), ("dep-b", "m2", None, 300))["dep-a"] == ("m1", "1.1", 300)
    with store.read() as conn:
        assert mv.served(conn, ["dep-b"]) == {"dep-b": ("m2", None, 300)}


def test_means_since_read_the_hourly_rollups_from_the_hour_of_since(store: Store) -> None:
    a, b = _ids(store, [("dep-a", 1), ("dep-b", 1)]).tolist()
    # dep-a: hour T0 holds 1, 2, 3; hour T0+1h holds 5; hour T0-1h holds 100 (before since's hour).
    _write(store, [a, a, a, a, a], [T0 + 10, T0 + 20, T0 + 3599, T0 + 3600, T0 - 1], [1, 2, 3, 5, 100])
    _write(store, [b], [T0 + 7200], [0.25])
    with store.read() as conn:
        assert mv.means_since(conn, ["dep-a", "dep-b"], T0 + 1800) == {
            ("dep-a", 1): (2.75, 4),
            ("dep-b", 1): (0.25, 1),
        }
        assert mv.means_since(conn, ["dep-a"], T0 + 3600 + 10) == {("dep-a", 1): (5.0, 1)}
        assert mv.means_since(conn, ["dep-c"], T0) == {}


def _filing(kind: FilingKind, content: dict[str, Any], organisation: str, clock: FixedClock) -> Filing:
    return Filing.create(
        kind=kind,
        content=content,
        actor="actor-1",
        organisation=organisation,
        jurisdiction_code="EU",
        subject=str(content.get("deployment_id", "monitoring")),
        clock=clock,
    )


def test_alerts_and_enrolments_projected_from_their_filings(store: Store, clock: FixedClock) -> None:
    raised = _filing(
        MONITOR_ALERT_RAISED,
        {
            "deployment_id": "dep-a",
            "figure": "error_rate",
            "detector": "cusum",
            "first_degraded_at": "2026-11-02T08:00:00Z",
            "value": 0.2,
        },
        "org-bank",
        clock,
    )
    later = _filing(
        MONITOR_ALERT_RAISED,
        {
            "deployment_id": "dep-b",
            "figure": "latency_p95",
            "detector": "bound",
            "first_degraded_at": "2026-11-02T08:30:00Z",
            "value": 9.0,
        },
        "org-insurer",
        clock,
    )
    member = {"deployer_id": "org-bank", "figure": "error_rate", "base_rate": 0.01}
    systemic = _filing(
        MONITOR_SYSTEMIC_ALERT,
        {
            "group_by": "model",
            "group": "model-x",
            "group_name": "Model X",
            "window_start": "2026-11-02T08:10:00Z",
            "members": [
                {
                    **member,
                    "deployment_id": "dep-a",
                    "first_degraded_at": "2026-11-02T08:00:00Z",
                    "alert_id": raised.id,
                },
                {
                    **member,
                    "deployment_id": "dep-b",
                    "first_degraded_at": "2026-11-02T08:30:00Z",
                    "alert_id": later.id,
                },
            ],
            "deployments": 2,
            "institutions": 2,
            "watched": 4,
            "exposure_eur": 1.5e9,
            "chance": 1e-8,
        },
        "org-supervisor",
        clock,
    )
    enrolment = _filing(
        MONITOR_ENROLLED,
        {"deployment_id": "dep-a", "figures": ["error_rate"], "valid_until": "2027-06-30"},
        "org-bank",
        clock,
    )
    with store.transaction() as uow:
        mv.alert_raised(uow.conn, raised)
        mv.alert_raised(uow.conn, later)
        mv.systemic_alert(uow.conn, systemic)
        mv.enrolled(uow.conn, enrolment)
    with store.read() as conn:
        # the group's alert is dated by its first member's onset, 08:00, as the event began
        assert [a["id"] for a in mv.alerts(conn)] == [later.id, systemic.id, raised.id]
        assert [a["id"] for a in mv.alerts(conn, deployment_id="dep-a", open_only=True)] == [raised.id]
        (group,) = mv.alerts(conn, kind="systemic")
        assert group["raised_at"] == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
        assert group["group_name"] == "Model X"
        assert (group["group_by"], group["group_key"], group["deployments"]) == ("model", "model-x", 2)
        assert (group["exposure_eur"], group["chance"], group["deployment_id"]) == (1.5e9, 1e-8, None)
        assert [a["id"] for a in mv.alerts(conn, organisation="org-bank")] == [raised.id]
        assert [a["id"] for a in mv.alerts(conn, deployment_id="dep-b")] == [later.id]
        assert len(mv.alerts(conn, limit=1)) == 1

    cleared = _filing(
        MONITOR_ALERT_CLEARED,
        {
            "alert_id": raised.id,
            "deployment_id": "dep-a",
            "figure": "error_rate",
            "recovered_at": "2026-11-02T09:00:00Z",
        },
        "org-bank",
        clock,
    )
    with store.transaction() as uow:
        mv.alert_cleared(uow.conn, cleared)
    with store.read() as conn:
        assert mv.alerts(conn, deployment_id="dep-a", open_only=True) == []
        assert [a["id"] for a in mv.alerts(conn, open_only=True)] == [later.id, systemic.id]
        (done,) = mv.alerts(conn, deployment_id="dep-a")
        assert done["cleared_at"] == datetime(2026, 11, 2, 9, tzinfo=UTC)

        filed_on = clock.now().date()
        (listed,) = mv.enrolments(conn, organisation="org-bank", on=filed_on)
        assert (listed["deployment_id"], listed["valid_until"]) == ("dep-a", date(2027, 6, 30))
        assert mv.enrolments(conn, on=date(2027, 7, 1)) == []
        assert mv.enrolments(conn, on=date(2026, 11, 1)) == []  # before it was filed
        assert mv.enrolments(conn, organisation="org-insurer") == []
