"""Change detection per series: Page's CUSUM against the run lengths the literature gives, the
baseline's arithmetic by hand, bounds, recovery, and batches split anywhere."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.monitoring.detection import (
    BOUND,
    CLEARED,
    CUSUM,
    STATE_FIELDS,
    Events,
    Settings,
    States,
    detect,
)
from custos.monitoring.model import Thresholds

NO_BOUND = np.nan


def _run(
    states: States,
    rows: list[int] | np.ndarray,
    at: list[int] | np.ndarray,
    values: list[float] | np.ndarray,
    config: Settings,
    *,
    worse_up: bool = True,
    lower: float = NO_BOUND,
    upper: float = NO_BOUND,
) -> Events:
    size = len(states)
    return detect(
        states,
        rows,
        at,
        values,
        np.full(size, worse_up),
        np.full(size, lower),
        np.full(size, upper),
        config,
    )


def _known_baseline(size: int, warmup: int = 2) -> States:
    """Series whose baseline is N(0, 1), known and past warm-up."""
    states = States.fresh(size)
    states.n[:] = warmup
    states.var[:] = 1.0
    return states


def _siegmund(shift: float, k: float, h: float) -> float:
    """Siegmund's (1985) approximation of a one-sided CUSUM's average run length for a normal
    mean shifted by ``shift`` standard deviations: ``(e^{-2Δb} + 2Δb − 1) / 2Δ²`` with
    ``Δ = shift − k`` and ``b = h + 1.166``."""
    delta, b = shift - k, h + 1.166
    if delta == 0:
        return b * b
    return (math.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)


def test_siegmund_formula_matches_the_published_in_control_figure() -> None:
    # one-sided k = 0.5, h = 5: about 938 (two-sided: half, Montgomery's 465)
    assert _siegmund(0.0, 0.5, 5.0) == pytest.approx(938.2, abs=0.1)


def test_in_control_average_run_length_is_pages() -> None:
    """A series with no shift raises about once in 938 points (Siegmund; 930 from the integral
    equation). Each raise restarts the CUSUM at 0, so the points at risk over the onsets estimate
    the run length; run lengths are nearly geometric, so its standard error is about
    ARL/√onsets."""
    rows, per_row = 200, 20_000
    rng = np.random.default_rng(20240611)
    states = _known_baseline(rows)
    config = Settings(ewma_lambda=0.0, cusum_k=0.5, cusum_h=5.0, warmup=2, recover_after=1)
    row = np.repeat(np.arange(rows), per_row)
    at = np.tile(np.arange(1, per_row + 1), rows)
    _run(states, row, at, rng.standard_normal(rows * per_row), config)
    onsets = int(states.onsets.sum())
    at_risk = int((states.n - 2).sum()) + onsets
    arl = at_risk / onsets
    expected = _siegmund(0.0, 0.5, 5.0)
    # four standard errors, and 1.5 % for Siegmund's approximation itself
    assert arl == pytest.approx(expected, rel=4 / math.sqrt(onsets) + 0.015)
    assert np.all(states.mean == 0.0)
    assert np.all(states.var == 1.0)


@pytest.mark.parametrize(("shift", "published"), [(1.0, 10.4), (2.0, 4.01)])
def test_shifted_average_run_length_is_montgomerys(shift: float, published: float) -> None:
    """Montgomery, Introduction to Statistical Quality Control, table 9.3 (k = ½, h = 5): a shift
    of one standard deviation is caught after 10.4 points on average, of two after 4.01."""
    rows, per_row = 5_000, 80
    rng = np.random.default_rng(int(shift * 1000))
    states = _known_baseline(rows)
    config = Settings(ewma_lambda=0.0, cusum_k=0.5, cusum_h=5.0, warmup=2, recover_after=10**6)
    row = np.repeat(np.arange(rows), per_row)
    at = np.tile(np.arange(1, per_row + 1), rows)
    events = _run(states, row, at, shift + rng.standard_normal(rows * per_row), config)
    assert np.array_equal(events.row, np.arange(rows))  # each series raised, once
    assert np.all(events.detector == CUSUM)
    run_lengths = events.at.astype(np.float64)
    error = run_lengths.std(ddof=1) / math.sqrt(rows)
    # four standard errors, and half the last published digit
    assert run_lengths.mean() == pytest.approx(published, abs=4 * error + 0.05)


def test_warmup_is_welford_then_the_ewma_moves_as_by_hand() -> None:
    states = States.fresh(1)
    config = Settings(ewma_lambda=0.25, cusum_k=0.5, cusum_h=5.0, warmup=2, recover_after=3)
    assert len(_run(states, [0, 0], [10, 20], [1.0, 3.0], config)) == 0
    # the first two points: mean 2, sample variance ((1-2)² + (3-2)²) / 1 = 2
    assert states.mean[0] == pytest.approx(2.0)
    assert states.var[0] == pytest.approx(2.0)
    assert states.cusum[0] == 0.0
    _run(states, [0], [30], [4.0], config)
    # z = (4 - 2)/√2; S = z - ½; then d = 2: mean 2 + ¼·2, var ¾·(2 + ¼·4)
    assert states.cusum[0] == pytest.approx(math.sqrt(2) - 0.5)
    assert states.mean[0] == pytest.approx(2.5)
    assert states.var[0] == pytest.approx(2.25)
    assert states.n[0] == 3
    assert states.last_at[0] == 30


def test_long_warmup_gives_the_plain_mean_and_sample_variance() -> None:
    values = np.random.default_rng(7).normal(0.3, 0.02, 50)
    states = States.fresh(1)
    config = Settings(ewma_lambda=0.05, cusum_k=0.5, cusum_h=5.0, warmup=50, recover_after=3)
    _run(states, np.zeros(50, dtype=np.int64), np.arange(1, 51), values, config)
    assert states.mean[0] == pytest.approx(values.mean(), rel=1e-12)
    assert states.var[0] == pytest.approx(values.var(ddof=1), rel=1e-10)


def test_a_bound_alarms_at_once_even_in_warmup() -> None:
    states = States.fresh(1)
    config = Settings.from_thresholds(Thresholds())
    events = _run(states, [0, 0], [100, 160], [0.95, 0.5], config, worse_up=False, lower=0.9)
    assert len(events) == 1
    assert events.raised[0]
    assert events.detector[0] == BOUND
    assert (events.at[0], events.value[0], events.mean[0]) == (160, 0.5, 0.95)
    assert math.isnan(events.sd[0])  # one point has no spread
    assert math.isnan(events.statistic[0])  # no CUSUM in warm-up
    assert (states.degraded[0], states.since[0], states.onsets[0]) == (1, 160, 1)
    assert states.n[0] == 1  # the fault is not in the baseline


def test_recovery_needs_recover_after_good_points_in_a_row() -> None:
    states = States.fresh(1)
    config = Settings(ewma_lambda=0.05, cusum_k=0.5, cusum_h=5.0, warmup=30, recover_after=3)
    _run(states, [0], [1], [0.5], config, upper=0.1)  # raises
    # two good points, a bad one (resets), then three good: clears on the last
    values = [0.05, 0.05, 0.2, 0.05, 0.05, 0.05]
    events = _run(states, [0] * 6, [2, 3, 4, 5, 6, 7], values, config, upper=0.1)
    assert len(events) == 1
    assert not events.raised[0]
    assert events.detector[0] == CLEARED
    assert events.at[0] == 7
    assert (states.degraded[0], states.since[0], states.good_run[0], states.cusum[0]) == (0, 0, 0, 0.0)
    assert states.onsets[0] == 1
    assert states.n[0] == 0  # nothing seen while degraded entered the baseline


def test_a_fault_does_not_move_the_baseline() -> None:
    rng = np.random.default_rng(3)
    states = States.fresh(1)
    config = Settings(ewma_lambda=0.1, cusum_k=0.5, cusum_h=5.0, warmup=30, recover_after=5)
    _run(states, np.zeros(40, dtype=np.int64), np.arange(1, 41), rng.normal(0.2, 0.01, 40), config)
    before = {name: value.copy() for name, value in states.columns().items()}
    events = _run(states, np.zeros(20, dtype=np.int64), np.arange(41, 61), np.full(20, 0.5), config)
    assert len(events) == 1
    assert (events.at[0], events.detector[0]) == (41, CUSUM)
    assert events.mean[0] == before["mean"][0]
    assert events.sd[0] == pytest.approx(math.sqrt(before["var"][0]))
    # some thirty deviations out: S = z - k on the first point
    assert events.statistic[0] == pytest.approx((0.5 - before["mean"][0]) / events.sd[0] - 0.5)
    for name in ("n", "mean", "var"):
        assert states.columns()[name][0] == before[name][0]
    assert states.cusum[0] == 0.0  # reset on raising
    # still worse than the baseline by more than k (0.8 sd): no recovery however long
    worse = np.full(10, before["mean"][0] + 0.8 * events.sd[0])
    assert len(_run(states, np.zeros(10, dtype=np.int64), np.arange(61, 71), worse, config)) == 0
    assert states.good_run[0] == 0
    # back to normal: clears after five points, and only then does the baseline move again
    normal = np.full(6, before["mean"][0])
    cleared = _run(states, np.zeros(6, dtype=np.int64), np.arange(71, 77), normal, config)
    assert (len(cleared), cleared.at[0], cleared.raised[0]) == (1, 75, False)
    assert states.n[0] == before["n"][0] + 1


def test_flat_series_are_measured_against_the_floor() -> None:
    config = Settings(ewma_lambda=0.05, cusum_k=0.5, cusum_h=5.0, warmup=5, recover_after=5)
    # an availability of exactly 1: a dip of 0.4 % is 0.4 floor deviations (1 % of 1), no alarm
    states = States.fresh(1)
    values = [1.0] * 5 + [0.996, 0.9]
    events = _run(states, [0] * 7, list(range(1, 8)), values, config, worse_up=False)
    assert len(events) == 1
    assert events.at[0] == 7
    assert events.sd[0] == pytest.approx(0.01, rel=1e-3)
    # an error rate of exactly 0: the absolute floor, 1e-3
    states = States.fresh(1)
    values = [0.0] * 5 + [0.0004, 0.02]
    events = _run(states, [0] * 7, list(range(1, 8)), values, config)
    assert (len(events), events.at[0]) == (1, 7)
    assert events.sd[0] == pytest.approx(1e-3, rel=1e-2)


def test_late_and_duplicate_points_are_ignored() -> None:
    config = Settings(ewma_lambda=0.05, cusum_k=0.5, cusum_h=5.0, warmup=3, recover_after=5)
    states = States.fresh(1)
    _run(states, [0, 0, 0, 0], [10, 20, 20, 30], [1.0, 2.0, 100.0, 3.0], config)
    assert states.n[0] == 3
    assert states.mean[0] == pytest.approx(2.0)
    before = {name: value.copy() for name, value in states.columns().items()}
    events = _run(states, [0, 0], [30, 5], [1e6, 1e6], config, upper=10.0)
    assert len(events) == 0
    for name, value in states.columns().items():
        assert np.array_equal(value, before[name])


def test_points_are_taken_in_time_order_per_series() -> None:
    config = Settings(ewma_lambda=0.05, cusum_k=0.5, cusum_h=5.0, warmup=3, recover_after=5)
    shuffled = States.fresh(2)
    _run(shuffled, [1, 0, 1, 0, 0, 1], [3, 2, 1, 1, 3, 2], [6.0, 2.0, 4.0, 1.0, 3.0, 5.0], config)
    ordered = States.fresh(2)
    _run(ordered, [0, 0, 0, 1, 1, 1], [1, 2, 3, 1, 2, 3], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], config)
    for name, value in shuffled.columns().items():
        assert np.array_equal(value, ordered.columns()[name])


_points = st.lists(
    st.tuples(
        st.integers(0, 2),  # series
        st.integers(1, 60),  # time (duplicates happen)
        st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.5, 5.0, 50.0])),  # value, some faults
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=60, deadline=None)
@given(
    points=_points,
    cuts=st.lists(st.integers(0, 120), max_size=5),
    warmup=st.integers(2, 6),
    recover_after=st.integers(1, 3),
)
def test_batches_split_anywhere_give_the_same_events_and_states(
    points: list[tuple[int, int, float]], cuts: list[int], warmup: int, recover_after: int
) -> None:
    config = Settings(ewma_lambda=0.2, cusum_k=0.5, cusum_h=2.0, warmup=warmup, recover_after=recover_after)
    points = sorted(points, key=lambda point: point[1])  # as they arrive: in time
    rows, at, values = (np.array(column) for column in zip(*points, strict=True))

    def run(states: States, part: slice) -> Events:
        return _run(states, rows[part], at[part], values[part], config, upper=20.0)

    whole = States.fresh(3)
    once = run(whole, slice(None))
    assert np.all(np.diff(once.row * 1000 + once.at) > 0)  # in (row, time) order
    split = States.fresh(3)
    bounds = [0, *sorted(min(cut, len(points)) for cut in cuts), len(points)]
    parts = [run(split, slice(start, end)) for start, end in itertools.pairwise(bounds)]
    fields = once.__dataclass_fields__
    joined = {name: np.concatenate([getattr(part, name) for part in parts]) for name in fields}
    order = np.lexsort((joined["at"], joined["row"]))
    for name in fields:
        expected = getattr(once, name)
        assert np.array_equal(joined[name][order], expected, equal_nan=expected.dtype.kind == "f")
    for name in STATE_FIELDS:
        assert np.array_equal(getattr(split, name), getattr(whole, name))


def test_settings_come_from_the_thresholds() -> None:
    thresholds = Thresholds(ewma_lambda=0.1, cusum_k=1.0, cusum_h=4.0, warmup=10, recover_after=2)
    assert Settings.from_thresholds(thresholds) == Settings(0.1, 1.0, 4.0, 10, 2)


def test_states_columns_are_the_state_fields() -> None:
    columns = States.fresh(4).columns()
    assert tuple(columns) == STATE_FIELDS
    assert all(column.shape == (4,) for column in columns.values())
    assert columns["degraded"].dtype == np.int8


@pytest.mark.parametrize(
    ("rows", "at", "values", "reason"),
    [
        ([0, 0], [1], [1.0, 2.0], "one entry per point"),
        ([2], [1], [1.0], "no state"),
        ([-1], [1], [1.0], "no state"),
        ([0], [1], [math.nan], "finite"),
        ([0], [1], [math.inf], "finite"),
    ],
)
def test_a_malformed_batch_is_refused_and_nothing_changes(
    rows: list[int], at: list[int], values: list[float], reason: str
) -> None:
    states = States.fresh(2)
    config = Settings(ewma_lambda=0.05, cusum_k=0.5, cusum_h=5.0, warmup=3, recover_after=5)
    with pytest.raises(InvalidInput, match=reason):
        _run(states, rows, at, values, config)
    assert all(not value.any() for value in states.columns().values())


def test_per_series_arrays_must_match_the_states() -> None:
    config = Settings(ewma_lambda=0.05, cusum_k=0.5, cusum_h=5.0, warmup=3, recover_after=5)
    with pytest.raises(InvalidInput, match="one entry per series"):
        detect(
            States.fresh(2), [0], [1], [1.0], np.ones(3, bool), np.full(2, np.nan), np.full(2, np.nan), config
        )


def test_states_of_unequal_length_are_refused() -> None:
    fresh = States.fresh(3).columns()
    fresh["mean"] = np.zeros(2)
    with pytest.raises(InvalidInput, match="one value per series"):
        States(**fresh)  # type: ignore[arg-type]
