"""The chance that so many deployments degrade together by coincidence.

Each series' alerts so far give its chance of an onset within a window (:func:`window_rate`);
with those chances, :func:`at_least` is the chance that at least ``k`` of the series raise in the
same window if they fail independently. A systemic alert needs that chance to be small: several
deployments of one model degrading at once is evidence of a shared cause only when their own
histories make it unlikely.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from custos.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]


def window_rate(onsets: npt.ArrayLike, points: npt.ArrayLike, window_points: float) -> FloatArray:
    """Each series' chance of an onset within ``window_points`` points, from its history of
    ``onsets`` alerts over ``points`` points at which one could have happened (a detection state's
    ``n + onsets``).

    The per-point rate is the posterior mean under Jeffreys' prior, ``r = (onsets + ½) / (points
    + 1)``, so a series with no history gets ½ rather than 0 or a division by zero, and one with a
    long clean history a small but positive rate. The window's chance, ``1 − (1 − r)^w``, is
    computed as ``−expm1(w·log1p(−r))``, exact to rounding even for rates far below 1e-16."""
    count = np.asarray(onsets, dtype=np.float64)
    exposure = np.asarray(points, dtype=np.float64)
    if count.shape != exposure.shape:
        raise InvalidInput(
            "onsets and points need one entry per series",
            evidence={"onsets": count.shape, "points": exposure.shape},
        )
    if not (np.isfinite(count).all() and np.isfinite(exposure).all()) or (count < 0).any():
        raise InvalidInput("onsets and points must be counts")
    if (exposure < count).any():
        raise InvalidInput("a series has more onsets than points at which they could happen")
    if not (np.isfinite(window_points) and window_points >= 0):
        raise InvalidInput(
            "the window must be a number of points, 0 or more", evidence={"window": window_points}
        )
    rate = (count + 0.5) / (exposure + 1.0)
    return np.asarray(-np.expm1(window_points * np.log1p(-rate)), dtype=np.float64)


@njit(cache=True)
def _counts(up: FloatArray, stay: FloatArray, states: int) -> tuple[float, float]:
    """Run the count of events through every Bernoulli trial, keeping the probability of each
    count below ``states`` and, in one more state, of ``states`` or more. Return the sum of the
    first (``P(X < states)``) and the last (``P(X ≥ states)``). Every step only multiplies and
    adds non-negative numbers."""
    below = np.zeros(states)
    below[0] = 1.0
    tail = 0.0
    for i in range(up.size):
        p, q = up[i], stay[i]
        tail += below[states - 1] * p
        for j in range(min(i + 1, states - 1), 0, -1):
            below[j] = below[j] * q + below[j - 1] * p
        below[0] *= q
    return below.sum(), tail


def at_least(p: npt.ArrayLike, k: int) -> float:
    """The chance that at least ``k`` of independent events with chances ``p`` occur: the upper
    tail of the Poisson-binomial distribution, exact to rounding.

    The distribution of the count is built trial by trial (dynamic programming over counts), and
    the tail is never taken as ``1 − P(X ≤ k − 1)``: that difference loses every digit once the
    tail is below about 1e-16, and the chances a systemic alert weighs are usually that small.
    Instead the tail is carried as a state of its own, which the mass at ``k − 1`` flows into,
    so every step multiplies and adds non-negative numbers and the result has a relative error of
    a few times ``n`` units in the last place (about 1e-11 for ``n`` = 100,000) however small it
    is, down to the smallest normal double (about 1e-308; below, it is 0 or loses digits).

    Only counts below the state carried need a place, so the work is ``O(n·k)``. For ``k`` past
    the middle the same sum is run over the events that do not occur: at least ``k`` occur when
    at most ``n − k`` do not, which needs ``n − k + 1`` places. The work is at most ``O(n²/2)``.
    """
    chances = np.ascontiguousarray(p, dtype=np.float64).ravel()
    if not np.isfinite(chances).all() or (chances < 0).any() or (chances > 1).any():
        raise InvalidInput("every chance must be between 0 and 1")
    if k < 0:
        raise InvalidInput("the count must be 0 or more", evidence={"k": k})
    n = chances.size
    if k == 0:
        return 1.0
    if k > n:
        return 0.0
    stay = 1.0 - chances
    tail = _counts(chances, stay, k)[1] if k <= n - k + 1 else _counts(stay, chances, n - k + 1)[0]
    return min(float(tail), 1.0)  # a sum near 1 may round a unit above it
