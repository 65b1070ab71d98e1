"""The chance of co-degradation: the Poisson-binomial tail against the binomial, brute force and
hand-computed tails, and the window's rate against its formula."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from custos.core.errors import InvalidInput
from custos.monitoring.chance import at_least, window_rate

_chances = st.lists(st.floats(0.0, 1.0), min_size=0, max_size=10)


def _enumerated(p: list[float], k: int) -> float:
    """P(at least k occur) by summing every outcome's probability."""
    total = 0.0
    for outcome in itertools.product((0, 1), repeat=len(p)):
        if sum(outcome) >= k:
            total += math.prod(pi if hit else 1 - pi for pi, hit in zip(p, outcome, strict=True))
    return total


@pytest.mark.parametrize(
    ("n", "p", "k"),
    [(10, 0.3, 4), (50, 0.02, 3), (200, 0.5, 150), (1_000, 0.001, 8), (100_000, 1e-4, 40), (30, 0.9, 29)],
)
def test_equal_chances_give_the_binomial_tail(n: int, p: float, k: int) -> None:
    assert at_least(np.full(n, p), k) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(p=_chances, k=st.integers(0, 11))
def test_small_cases_match_enumeration(p: list[float], k: int) -> None:
    assert at_least(p, k) == pytest.approx(_enumerated(p, k), rel=1e-9, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(p=_chances.filter(bool), index=st.integers(0, 9), more=st.floats(0.0, 1.0))
def test_monotone_in_k_and_in_each_chance(p: list[float], index: int, more: float) -> None:
    tails = [at_least(p, k) for k in range(len(p) + 2)]
    # the tails of small and large k are summed differently: allow for rounding
    assert all(later <= earlier * (1 + 1e-12) for earlier, later in itertools.pairwise(tails))
    assert all(0.0 <= tail <= 1.0 for tail in tails)
    raised = list(p)
    raised[index % len(p)] = max(raised[index % len(p)], more)
    for k in range(len(p) + 1):
        assert at_least(raised, k) >= at_least(p, k) * (1 - 1e-12)


def test_none_needed_is_certain_and_more_than_all_is_impossible() -> None:
    assert at_least([0.1, 0.2], 0) == 1.0
    assert at_least([], 0) == 1.0
    assert at_least([1.0, 1.0], 3) == 0.0
    assert at_least([], 1) == 0.0


def test_tiny_tails_keep_their_relative_precision() -> None:
    # 20 of 20 at 0.01 is 0.01²⁰ = 1e-40, where 1 − P(X ≤ 19) would give 0
    assert at_least(np.full(20, 0.01), 20) == pytest.approx(1e-40, rel=1e-13)
    # 3 of 3 at 1e-5 among 1,000 certain misses: 1e-15, exactly
    p = np.concatenate([np.full(3, 1e-5), np.zeros(1_000)])
    assert at_least(p, 3) == pytest.approx(1e-15, rel=1e-13)
    # the binomial upper tail far out, against scipy's incomplete beta
    assert at_least(np.full(1_000, 1e-3), 30) == pytest.approx(stats.binom.sf(29, 1_000, 1e-3), rel=1e-10)


def test_distinct_chances_by_hand() -> None:
    # P(at least 2 of {0.5, 0.2, 0.1}) = .5·.2·.9 + .5·.8·.1 + .5·.2·.1 + .5·.2·.1 = 0.09+0.04+0.01+0.01
    assert at_least([0.5, 0.2, 0.1], 2) == pytest.approx(0.15, rel=1e-14)
    # P(all three) = .5·.2·.1
    assert at_least([0.5, 0.2, 0.1], 3) == pytest.approx(0.01, rel=1e-14)


def test_bad_chances_are_refused() -> None:
    for p in ([1.5], [-0.1], [math.nan]):
        with pytest.raises(InvalidInput, match="between 0 and 1"):
            at_least(p, 1)
    with pytest.raises(InvalidInput, match="0 or more"):
        at_least([0.1], -1)


def test_window_rate_by_hand() -> None:
    # no history: the Jeffreys rate ½; one onset in 99 points: 1.5/100 per point
    rates = window_rate([0, 1], [0, 99], 10)
    assert rates[0] == pytest.approx(1 - 0.5**10, rel=1e-14)
    assert rates[1] == pytest.approx(1 - 0.985**10, rel=1e-14)
    assert window_rate([3], [1_000], 0)[0] == 0.0
    assert window_rate([3], [1_000], 1)[0] == pytest.approx(3.5 / 1_001, rel=1e-14)


def test_window_rate_is_precise_for_long_clean_histories() -> None:
    # rate 0.5/(1e15 + 1) per point over 10 points: 5e-15 to relative precision, where
    # 1 - (1 - r)**10 would keep about one digit
    assert window_rate([0], [1e15], 10)[0] == pytest.approx(10 * 0.5 / (1e15 + 1), rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    onsets=st.integers(0, 1_000),
    extra=st.integers(0, 10**6),
    window=st.floats(0.0, 1e4),
)
def test_window_rate_is_a_chance_that_grows_with_the_window(onsets: int, extra: int, window: float) -> None:
    points = onsets + extra
    shorter, longer = (
        window_rate([onsets], [points], window)[0],
        window_rate([onsets], [points], window + 1)[0],
    )
    assert 0.0 <= shorter <= longer <= 1.0


@pytest.mark.parametrize(
    ("onsets", "points", "window", "reason"),
    [
        ([1, 2], [10], 5.0, "one entry per series"),
        ([-1], [10], 5.0, "counts"),
        ([11], [10], 5.0, "more onsets"),
        ([1], [10], -1.0, "window"),
        ([1], [10], math.nan, "window"),
    ],
)
def test_window_rate_refuses_what_is_not_a_history(
    onsets: list[int], points: list[int], window: float, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        window_rate(onsets, points, window)
