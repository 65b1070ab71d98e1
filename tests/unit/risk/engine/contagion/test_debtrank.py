"""DebtRank: the published two-node case, the single-hit rule by hand, and properties."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.risk.engine.contagion import (
    NotConverged,
    debtrank_batched,
    debtrank_exact,
    debtrank_single_hit_batched,
    debtrank_single_hit_exact,
    debtrank_weights,
)

TWO_NODES = np.array([[0.0, 0.5], [0.5, 0.0]])
SHOCK = np.array([0.5, 0.0])


@st.composite
def weights(draw: st.DrawFn, *, largest_row: float) -> tuple[np.ndarray, np.random.Generator]:
    """A random sparse impact matrix whose rows sum to at most ``largest_row``."""
    n = draw(st.integers(min_value=2, max_value=30))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    mask = rng.random((n, n)) < draw(st.floats(min_value=0.05, max_value=0.6))
    np.fill_diagonal(mask, False)
    matrix = np.where(mask, rng.random((n, n)), 0.0)
    rows = matrix.sum(axis=1, keepdims=True)
    scale = rng.uniform(0.0, largest_row, (n, 1))
    return np.divide(matrix * scale, rows, out=np.zeros_like(matrix), where=rows > 0), rng


def shocks(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """Shocks that hit a few institutions, some of them fully."""
    hit = rng.random((n, count)) < 0.3
    return np.where(hit, np.minimum(1.0, rng.uniform(0.0, 1.3, (n, count))), 0.0)


def test_the_published_two_node_case() -> None:
    np.testing.assert_allclose(debtrank_exact(TWO_NODES, SHOCK), [2 / 3, 1 / 3], atol=1e-12)
    batched = debtrank_batched(sp.csr_array(TWO_NODES), SHOCK[:, None])
    np.testing.assert_allclose(batched.h[:, 0], [2 / 3, 1 / 3], atol=1e-11)
    assert batched.residual <= batched.tolerance


def test_the_single_hit_rule_by_hand() -> None:
    # t1: node 1 takes 0.5 * 0.5 = 0.25; node 0 turns inactive, node 1 distressed.
    # t2: node 0 takes 0.5 * 0.25 and reaches 0.625, which it does not pass on; node 1 turns inactive.
    np.testing.assert_allclose(debtrank_single_hit_exact(TWO_NODES, SHOCK), [0.625, 0.25])
    np.testing.assert_allclose(debtrank_single_hit_batched(TWO_NODES, SHOCK[:, None])[:, 0], [0.625, 0.25])


def test_saturation_caps_the_loss_and_is_exact() -> None:
    # Node 1 loses 0.1 + 3 * 0.5 > 1 and saturates; node 0 then takes 0.5 + 0.2 * 1 = 0.7.
    impact = np.array([[0.0, 0.2], [3.0, 0.0]])
    np.testing.assert_allclose(debtrank_exact(impact, [0.5, 0.1]), [0.7, 1.0], atol=1e-12)
    np.testing.assert_allclose(debtrank_batched(impact, np.array([[0.5], [0.1]])).h[:, 0], [0.7, 1.0])


@pytest.mark.parametrize("impact", [2.0, 1.0])
def test_the_exact_method_refuses_a_network_that_amplifies_without_bound(impact: float) -> None:
    # Spectral radius 2 (the linear solution turns negative) or exactly 1 (the system is singular).
    amplifying = np.array([[0.0, impact], [impact, 0.0]])
    with pytest.raises(InvalidInput, match="debtrank_batched"):
        debtrank_exact(amplifying, [0.1, 0.0])
    np.testing.assert_allclose(debtrank_batched(amplifying, np.array([[0.1], [0.0]])).h[:, 0], [1.0, 1.0])


def test_the_batched_iteration_reports_its_residual_when_it_runs_out() -> None:
    with pytest.raises(NotConverged) as caught:
        debtrank_batched(TWO_NODES, SHOCK[:, None], max_iterations=3)
    assert caught.value.evidence["iterations"] == 3
    assert caught.value.evidence["residual"] > caught.value.evidence["tolerance"]


def test_weights_are_claims_over_the_creditors_equity() -> None:
    # Bank 1 owes bank 0 one unit: W[0, 1] = 1 / 4. Bank 0 owes bank 1 two: W[1, 0] = 2 / 5.
    impact = debtrank_weights(np.array([[0.0, 2.0], [1.0, 0.0]]), [4.0, 5.0])
    np.testing.assert_allclose(impact.toarray(), [[0.0, 0.25], [0.4, 0.0]])


def test_weights_need_positive_equity() -> None:
    with pytest.raises(InvalidInput) as caught:
        debtrank_weights(np.array([[0.0, 2.0], [1.0, 0.0]]), [4.0, 0.0])
    assert caught.value.evidence == {"entry": "equity[1]", "value": 0.0}


@pytest.mark.parametrize(
    ("shock", "evidence"),
    [([1.5, 0.0], {"entry": "h0[0]", "value": 1.5}), ([0.5, -0.1], {"entry": "h0[1]", "value": -0.1})],
)
def test_shocks_outside_the_unit_interval_are_refused(
    shock: list[float], evidence: dict[str, object]
) -> None:
    for method in (debtrank_exact, debtrank_single_hit_exact):
        with pytest.raises(InvalidInput) as caught:
            method(TWO_NODES, shock)
        assert caught.value.evidence == evidence


def test_an_impact_matrix_must_be_square_and_finite() -> None:
    with pytest.raises(InvalidInput) as caught:
        debtrank_batched(np.zeros((2, 3)), np.zeros((2, 1)))
    assert caught.value.evidence == {"shape": (2, 3)}
    with pytest.raises(InvalidInput) as caught:
        debtrank_single_hit_batched(np.array([[0.0, np.inf], [0.0, 0.0]]), np.zeros((2, 1)))
    assert caught.value.evidence == {"entry": "W[0,1]", "value": np.inf}


@settings(max_examples=60, deadline=None)
@given(weights(largest_row=0.95), st.integers(min_value=1, max_value=6))
def test_batched_differential_debtrank_agrees_with_the_exact_method(
    drawn: tuple[np.ndarray, np.random.Generator], count: int
) -> None:
    impact, rng = drawn
    shock = shocks(rng, impact.shape[0], count)
    batched = debtrank_batched(sp.csr_array(impact), shock)
    for column in range(count):
        np.testing.assert_allclose(batched.h[:, column], debtrank_exact(impact, shock[:, column]), atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(weights(largest_row=3.0))
def test_the_batched_iteration_is_the_differential_recursion(
    drawn: tuple[np.ndarray, np.random.Generator],
) -> None:
    impact, rng = drawn
    shock = shocks(rng, impact.shape[0], 1)[:, 0]
    before, h = np.zeros_like(shock), shock.copy()
    for _ in range(5_000):
        before, h = h, np.minimum(1.0, h + impact @ (h - before))
    np.testing.assert_allclose(debtrank_batched(impact, shock[:, None]).h[:, 0], h, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(weights(largest_row=3.0))
def test_more_initial_distress_never_means_less_final_distress(
    drawn: tuple[np.ndarray, np.random.Generator],
) -> None:
    impact, rng = drawn
    shock = shocks(rng, impact.shape[0], 1)
    larger = np.minimum(1.0, shock + rng.uniform(0.0, 0.5, shock.shape) * (rng.random(shock.shape) < 0.5))
    h = debtrank_batched(impact, np.hstack([shock, larger])).h
    assert ((h >= 0) & (h <= 1)).all()
    assert (h[:, 1] >= h[:, 0] - 1e-12).all()
    assert (h >= np.hstack([shock, larger])).all()


@settings(max_examples=60, deadline=None)
@given(weights(largest_row=3.0), st.integers(min_value=1, max_value=6))
def test_batched_single_hit_debtrank_agrees_with_the_sequential_rule(
    drawn: tuple[np.ndarray, np.random.Generator], count: int
) -> None:
    impact, rng = drawn
    shock = shocks(rng, impact.shape[0], count)
    batched = debtrank_single_hit_batched(sp.csr_matrix(impact), shock)
    for column in range(count):
        exact = debtrank_single_hit_exact(impact, shock[:, column])
        np.testing.assert_allclose(batched[:, column], exact, atol=1e-12)
        assert ((exact >= shock[:, column]) & (exact <= 1)).all()
