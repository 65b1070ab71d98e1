"""A loss profile's limited expected values and layer payouts bracket the exact figures computed
from every loss, are exact at bin edges, and add up over chunks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.risk.engine.loss_profile import MIN_BINS, Bins, LossProfile, bins_for


def _losses(seed: int, entities: int, draws: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    heavy = rng.pareto(1.5, (entities, draws)) * rng.uniform(1, 100, (entities, 1))
    return np.where(rng.random((entities, draws)) < 0.7, 0.0, heavy) - rng.uniform(0, 1, (entities, 1))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    draws=st.integers(1, 400),
    points=st.lists(st.floats(-2, 5000), min_size=3, max_size=3),
    limit=st.floats(0, 3000) | st.just(float("inf")),
    bins=st.integers(MIN_BINS, 64),
)
def test_figures_lie_within_their_bound_of_the_exact_ones(
    seed: int, draws: int, points: list[float], limit: float, bins: int
) -> None:
    losses = _losses(seed, 3, draws)
    grid = Bins.of(np.array([50.0, 500.0, 5000.0]), bins)
    profile = LossProfile.of(grid, losses)
    x = np.array(points)
    value, error = profile.limited_expected_value(grid, x)
    exact = np.minimum(losses, x[:, None]).mean(axis=1)
    assert (np.abs(value - exact) <= error + 1e-9 * (1 + np.abs(exact))).all()
    payout, payout_error = profile.layer_payout(grid, np.maximum(x, 0), np.full(3, limit))
    layer = np.clip(losses - np.maximum(x, 0)[:, None], 0, limit).mean(axis=1)
    assert (np.abs(payout - layer) <= payout_error + 1e-9 * (1 + layer)).all()


def test_exact_at_bin_edges_and_outside_the_losses() -> None:
    losses = _losses(7, 2, 1000)
    grid = Bins.of(np.array([100.0, 100.0]), 32)
    profile = LossProfile.of(grid, losses)
    edges = grid.edges(profile.low, profile.high)
    for column in (5, 17, 30):
        at = edges[:, column]
        value, error = profile.limited_expected_value(grid, at)
        np.testing.assert_allclose(value, np.minimum(losses, at[:, None]).mean(axis=1), rtol=1e-12)
        assert (error <= 1e-12 * np.abs(value).max()).all()
    below = profile.low - 1.0
    value, error = profile.limited_expected_value(grid, below)
    np.testing.assert_allclose(value, below)
    assert not error.any()
    value, error = profile.limited_expected_value(grid, profile.high + 1.0)
    np.testing.assert_allclose(value, losses.mean(axis=1))
    assert not error.any()


def test_chunks_add_up_to_the_whole() -> None:
    losses = _losses(3, 4, 900)
    grid = Bins.of(np.full(4, 300.0), 48)
    whole = LossProfile.of(grid, losses)
    parts = [LossProfile.of(grid, losses[:, k : k + 300]) for k in (0, 300, 600)]
    folded = parts[0].plus(parts[1]).plus(parts[2])
    assert folded.draws == whole.draws == 900
    np.testing.assert_array_equal(folded.counts, whole.counts)
    np.testing.assert_allclose(folded.sums, whole.sums, rtol=1e-12)
    np.testing.assert_array_equal(folded.low, whole.low)
    np.testing.assert_array_equal(folded.high, whole.high)


def test_a_hand_computed_layer() -> None:
    # losses 0, 10, 20, 40 in four draws; the layer 15 xs 10 pays 0, 0, 10, 15: 6.25 on average
    grid = Bins.of(np.array([40.0]), MIN_BINS)
    profile = LossProfile.of(grid, np.array([[0.0, 10.0, 20.0, 40.0]]))
    payout, error = profile.layer_payout(grid, np.array([10.0]), np.array([15.0]))
    assert abs(payout[0] - 6.25) <= error[0] and error[0] < 6.25


def test_many_entities_get_fewer_bins() -> None:
    assert bins_for(1) == 128 and bins_for(10**7) == MIN_BINS
    assert 16 * 100_000 * bins_for(100_000) <= 64 * 2**20 < 16 * 100_000 * (bins_for(100_000) + 1)
