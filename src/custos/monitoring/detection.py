"""Change detection per series: each deployment's figure against its own baseline, point by point,
with the state kept in arrays between batches.

The service loads the state rows of a batch's series, calls :func:`detect`, files the events and
saves the rows back. Per series, in time order:

- **Order.** Points are taken per series in time order (a stable sort by series row, then time,
  so of two points at the same time the first sent counts). A point not after the series'
  ``last_at`` is late or a duplicate and is ignored, so a batch resent, or split anywhere, gives
  the same events and states as one batch.
- **Baseline.** The first ``warmup`` points build the baseline as the plain running mean and
  sample variance (Welford 1962), so it starts unbiased whatever the smoothing; later points move
  it as an exponentially weighted mean and variance with smoothing λ (the EWMA of Roberts 1959 and
  Lucas & Saccucci 1990; the variance as West 1979 weights it): ``d = x − m``,
  ``m ← m + λd``, ``v ← (1 − λ)(v + λd²)``. Only points seen while the series is not degraded
  enter it (the point that raises an alert does not either), so a fault never becomes the new
  normal. ``n`` counts the points in the baseline: the points seen while not degraded, less those
  that raised, which is what the Welford step needs. The points at which an onset could happen
  are ``n + onsets``, the exposure behind :func:`custos.monitoring.chance.window_rate`.
- **Standardising.** ``z = ±(x − m) / sd`` with the sign making "worse" positive, where ``sd`` is
  the baseline's standard deviation floored at ``REL_FLOOR·|m|`` and at ``ABS_FLOOR``. A series
  that was perfectly flat (an availability of exactly 1, an error rate of exactly 0) has no
  variance, and without the floor its first wiggle would be infinitely many deviations out. A
  hundredth of the level is below any change a supervisor would act on, and the absolute floor
  (a tenth of a percentage point of a ratio, a millisecond of latency) covers a level of 0.
- **CUSUM.** Once the baseline has its ``warmup`` points, the one-sided CUSUM of Page (1954),
  ``S ← max(0, S + z − k)``, accumulates evidence that the figure got worse, and a point with
  ``S > h`` raises an alert (detector 0). With ``k = 0.5`` and ``h = 5`` an in-control series
  raises about once in 930 points and a shift of one standard deviation is caught after about
  10.4 points (Siegmund 1985's approximation; Montgomery, *Introduction to Statistical Quality
  Control*, table 9.3).
- **Bounds.** A point below ``lower`` or above ``upper`` (NaN: no such bound) raises at once
  (detector 1), in warm-up as well.
- **Recovery.** While degraded, a point within the bounds whose ``z`` is below ``k`` (no worse
  than the baseline; any point within the bounds while the baseline is still warming up) adds to
  ``good_run``, any other resets it; ``recover_after`` in a row clear the alert. The CUSUM is set
  to 0 when an alert is raised and when it clears, and stays 0 while degraded.

Each raise adds 1 to ``onsets``, the series' count of alerts, its base rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from numba import njit

from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from custos.monitoring.model import Thresholds

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ByteArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

STATE_FIELDS = ("n", "mean", "var", "cusum", "degraded", "since", "good_run", "last_at", "onsets")

#: The least standard deviation, as a share of the baseline's level.
REL_FLOOR = 0.01
#: The least standard deviation in the figure's unit, for a level of 0.
ABS_FLOOR = 1e-3

#: The state fields that are not counts or times (int64).
_STATE_TYPES: dict[str, type[np.generic]] = {
    "mean": np.float64,
    "var": np.float64,
    "cusum": np.float64,
    "degraded": np.int8,
}

#: ``Events.detector`` values: the CUSUM raised, a fixed bound raised, an alert cleared.
CUSUM, BOUND, CLEARED = 0, 1, -1


@dataclass
class States:
    """One row per series, each field an array of the same length, named as ``STATE_FIELDS``.
    :func:`detect` updates the arrays in place."""

    n: IntArray
    mean: FloatArray
    var: FloatArray
    cusum: FloatArray
    degraded: ByteArray
    since: IntArray
    good_run: IntArray
    last_at: IntArray
    onsets: IntArray

    def __post_init__(self) -> None:
        """Hold each field as a contiguous array of its type, as the kernel needs, and refuse rows
        of unequal length (a store's rows loaded wrongly)."""
        for name in STATE_FIELDS:
            setattr(
                self, name, np.ascontiguousarray(getattr(self, name), dtype=_STATE_TYPES.get(name, np.int64))
            )
        sizes = {getattr(self, name).shape for name in STATE_FIELDS}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise InvalidInput("every state field needs one value per series", evidence={"shapes": sizes})

    @classmethod
    def fresh(cls, size: int) -> States:
        """The state of ``size`` series that have seen no point."""
        ints = [np.zeros(size, dtype=np.int64) for _ in range(5)]
        return cls(
            n=ints[0],
            mean=np.zeros(size),
            var=np.zeros(size),
            cusum=np.zeros(size),
            degraded=np.zeros(size, dtype=np.int8),
            since=ints[1],
            good_run=ints[2],
            last_at=ints[3],
            onsets=ints[4],
        )

    def __len__(self) -> int:
        return int(self.n.size)

    def columns(self) -> dict[str, npt.NDArray[np.generic]]:
        """The fields by name, for the store."""
        return {name: getattr(self, name) for name in STATE_FIELDS}


@dataclass(frozen=True)
class Settings:
    """The detector's settings (``Thresholds``' names and meaning). ``ewma_lambda`` may be 0 here,
    which freezes the baseline after warm-up."""

    ewma_lambda: float
    cusum_k: float
    cusum_h: float
    warmup: int
    recover_after: int

    @classmethod
    def from_thresholds(cls, thresholds: Thresholds) -> Settings:
        return cls(
            thresholds.ewma_lambda,
            thresholds.cusum_k,
            thresholds.cusum_h,
            thresholds.warmup,
            thresholds.recover_after,
        )


@dataclass(frozen=True)
class Events:
    """The alerts raised and cleared, one row per change of state, in (series row, time) order.
    ``detector`` is ``CUSUM`` or ``BOUND`` for a raise and ``CLEARED`` for a clear; ``mean`` and
    ``sd`` are the baseline the point was measured against (NaN while it has no value);
    ``statistic`` is the CUSUM at the point (NaN in warm-up and on a clear)."""

    row: IntArray
    at: IntArray
    raised: BoolArray
    detector: ByteArray
    value: FloatArray
    mean: FloatArray
    sd: FloatArray
    statistic: FloatArray

    def __len__(self) -> int:
        return int(self.row.size)


@njit(cache=True)
def _detect(  # noqa: PLR0915 - one pass over the points, every branch inline
    rows: IntArray,
    at: IntArray,
    values: FloatArray,
    worse_up: BoolArray,
    watched: BoolArray,
    lower: FloatArray,
    upper: FloatArray,
    lam: float,
    k: float,
    h: float,
    warmup: int,
    recover_after: int,
    n: IntArray,
    mean: FloatArray,
    var: FloatArray,
    cusum: FloatArray,
    degraded: ByteArray,
    since: IntArray,
    good_run: IntArray,
    last_at: IntArray,
    onsets: IntArray,
    out_index: IntArray,
    out_raised: BoolArray,
    out_detector: ByteArray,
    out_mean: FloatArray,
    out_sd: FloatArray,
    out_statistic: FloatArray,
) -> int:
    """Run the points (sorted by row, then time) through their series' state; write each event's
    point index and measures to the ``out_`` arrays and return how many there are."""
    events = 0
    for i in range(rows.size):
        r = rows[i]
        t = at[i]
        if t <= last_at[r]:
            continue
        last_at[r] = t
        x = values[i]
        m = mean[r]
        count = n[r]
        sd = max(np.sqrt(var[r]), REL_FLOOR * abs(m), ABS_FLOOR)
        outside = x < lower[r] or x > upper[r]
        warm = count >= warmup
        tested = warm and watched[r]
        z = 0.0
        if warm:
            z = (x - m) / sd if worse_up[r] else (m - x) / sd
        report_mean = m if count >= 1 else np.nan
        report_sd = sd if count >= 2 else np.nan
        if degraded[r]:
            if not outside and (not tested or z < k):
                good_run[r] += 1
            else:
                good_run[r] = 0
            if good_run[r] >= recover_after:
                degraded[r] = 0
                since[r] = 0
                good_run[r] = 0
                cusum[r] = 0.0
                out_index[events] = i
                out_raised[events] = False
                out_detector[events] = CLEARED
                out_mean[events] = report_mean
                out_sd[events] = report_sd
                out_statistic[events] = np.nan
                events += 1
            continue
        statistic = np.nan
        if tested:
            cusum[r] = max(0.0, cusum[r] + z - k)
            statistic = cusum[r]
        if outside or (tested and cusum[r] > h):
            degraded[r] = 1
            since[r] = t
            good_run[r] = 0
            cusum[r] = 0.0
            onsets[r] += 1
            out_index[events] = i
            out_raised[events] = True
            out_detector[events] = BOUND if outside else CUSUM
            out_mean[events] = report_mean
            out_sd[events] = report_sd
            out_statistic[events] = statistic
            events += 1
            continue
        d = x - m
        n[r] = count + 1
        if warm:
            mean[r] = m + lam * d
            var[r] = (1.0 - lam) * (var[r] + lam * d * d)
        elif count >= 1:  # Welford: the sum of squares is var·(count − 1) before the point
            mean[r] = m + d / (count + 1)
            var[r] = (var[r] * (count - 1) + d * (x - mean[r])) / count
        else:
            mean[r] = x
    return events


def detect(
    states: States,
    rows: npt.ArrayLike,
    at: npt.ArrayLike,
    values: npt.ArrayLike,
    worse_up: npt.ArrayLike,
    lower: npt.ArrayLike,
    upper: npt.ArrayLike,
    settings: Settings,
    watched: npt.ArrayLike | None = None,
) -> Events:
    """Run a batch of points through their series' states (updated in place) and return the
    alerts raised and cleared. ``rows``, ``at`` (unix seconds) and ``values`` are per point;
    ``worse_up``, ``lower``, ``upper`` and ``watched`` per state row. A row not ``watched``
    (all are, by default) is held to its bounds only, with no CUSUM: a figure whose normal moves
    through the day (volume) has no level for a baseline to hold."""
    size = len(states)
    point_rows = np.asarray(rows, dtype=np.int64)
    times = np.asarray(at, dtype=np.int64)
    xs = np.asarray(values, dtype=np.float64)
    up = np.ascontiguousarray(worse_up, dtype=np.bool_)
    low = np.ascontiguousarray(lower, dtype=np.float64)
    high = np.ascontiguousarray(upper, dtype=np.float64)
    tested = (
        np.ones(size, dtype=np.bool_) if watched is None else np.ascontiguousarray(watched, dtype=np.bool_)
    )
    _check(size, point_rows, times, xs, up, low, high)
    if tested.shape != (size,):
        raise InvalidInput("watched needs one value per series")
    order = np.lexsort((times, point_rows))
    point_rows, times, xs = point_rows[order], times[order], xs[order]
    count = point_rows.size
    index = np.empty(count, dtype=np.int64)
    raised = np.empty(count, dtype=np.bool_)
    detector = np.empty(count, dtype=np.int8)
    mean, sd, statistic = np.empty(count), np.empty(count), np.empty(count)
    events = _detect(
        point_rows, times, xs, up, tested, low, high,
        float(settings.ewma_lambda), float(settings.cusum_k), float(settings.cusum_h),
        int(settings.warmup), int(settings.recover_after),
        states.n, states.mean, states.var, states.cusum, states.degraded, states.since,
        states.good_run, states.last_at, states.onsets,
        index, raised, detector, mean, sd, statistic,
    )  # fmt: skip
    chosen = index[:events]
    return Events(
        row=point_rows[chosen],
        at=times[chosen],
        raised=raised[:events].copy(),
        detector=detector[:events].copy(),
        value=xs[chosen],
        mean=mean[:events].copy(),
        sd=sd[:events].copy(),
        statistic=statistic[:events].copy(),
    )


def _check(
    size: int,
    rows: IntArray,
    at: IntArray,
    values: FloatArray,
    worse_up: BoolArray,
    lower: FloatArray,
    upper: FloatArray,
) -> None:
    """Refuse a batch the kernel would misread: arrays of unequal length, a row with no state, a
    value that is not a number (it would poison the baseline for good)."""
    if not rows.ndim == at.ndim == values.ndim == 1 or not rows.size == at.size == values.size:
        raise InvalidInput(
            "rows, at and values need one entry per point",
            evidence={"rows": rows.shape, "at": at.shape, "values": values.shape},
        )
    if not worse_up.shape == lower.shape == upper.shape == (size,):
        raise InvalidInput(
            "worse_up, lower and upper need one entry per series",
            evidence={"series": size, "worse_up": worse_up.shape, "lower": lower.shape, "upper": upper.shape},
        )
    if rows.size and (rows.min() < 0 or rows.max() >= size):
        raise InvalidInput("a point names a series with no state", evidence={"series": size})
    if not np.isfinite(values).all():
        raise InvalidInput(
            "a value is not a finite number", evidence={"at": int(at[~np.isfinite(values)][0])}
        )
