"""Threshold (Furfine) cascades: hand-computed chains and batched against sequential."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.risk.engine.contagion import threshold_cascade_batched, threshold_cascade_exact

# A chain: bank 1 holds a claim of 4 on bank 0, bank 2 a claim of 3 on bank 1, bank 3 a claim of 1
# on bank 2 (L[j, i] is what j owes i).
CHAIN = np.zeros((4, 4))
CHAIN[0, 1], CHAIN[1, 2], CHAIN[2, 3] = 4.0, 3.0, 1.0
CAPITAL = np.array([1.0, 2.0, 1.5, 1.0])
SHOCK = np.array([1.0, 0.0, 0.0, 0.25])


def test_a_chain_by_hand() -> None:
    # Round 0: bank 0 (1 >= 1). Round 1: bank 1 loses 0.5 * 4 = 2 >= 2. Round 2: bank 2 loses
    # 0.5 * 3 = 1.5 >= 1.5. Then bank 3 loses 0.25 + 0.5 * 1 = 0.75 < 1 and the cascade stops.
    result = threshold_cascade_exact(CHAIN, CAPITAL, SHOCK, lgd=0.5)
    np.testing.assert_array_equal(result.defaulted, [True, True, True, False])
    np.testing.assert_array_equal(result.losses, [1.0, 2.0, 1.5, 0.75])
    assert result.rounds == 2
    # With nothing recovered bank 3 loses 0.25 + 1 and fails in a third round; losses stop at capital.
    total = threshold_cascade_exact(CHAIN, CAPITAL, SHOCK, lgd=1.0)
    np.testing.assert_array_equal(total.defaulted, [True, True, True, True])
    np.testing.assert_array_equal(total.losses, CAPITAL)
    assert total.rounds == 3


def test_the_chain_in_a_batch() -> None:
    shocks = np.column_stack([SHOCK, np.zeros(4), [0.0, 0.0, 2.0, 0.0]])
    result = threshold_cascade_batched(sp.csr_array(CHAIN), CAPITAL, shocks, lgd=0.5)
    np.testing.assert_array_equal(
        result.defaulted,
        [[True, False, False], [True, False, False], [True, False, True], [False, False, False]],
    )
    np.testing.assert_array_equal(result.losses[:, 0], [1.0, 2.0, 1.5, 0.75])
    np.testing.assert_array_equal(result.losses[:, 2], [0.0, 0.0, 1.5, 0.5])
    np.testing.assert_array_equal(result.rounds, [2, 0, 0])


def test_losses_from_several_failed_debtors_add_up() -> None:
    # Bank 2 holds a claim of 1 on each of banks 0 and 1; with capital 1.5 it fails only when both do.
    liabilities = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    capital = [1.0, 1.0, 1.5]
    both = threshold_cascade_exact(liabilities, capital, [5.0, 5.0, 0.0], lgd=1.0)
    one = threshold_cascade_exact(liabilities, capital, [5.0, 0.0, 0.0], lgd=1.0)
    np.testing.assert_array_equal(both.defaulted, [True, True, True])
    np.testing.assert_array_equal(one.defaulted, [True, False, False])
    np.testing.assert_array_equal(one.losses, [1.0, 0.0, 1.0])


@pytest.mark.parametrize("lgd", [1.5, -0.5])
def test_loss_given_default_must_lie_in_the_unit_interval(lgd: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        threshold_cascade_exact(CHAIN, CAPITAL, SHOCK, lgd=lgd)
    assert caught.value.evidence == {"entry": "lgd", "value": lgd}


def test_shapes_must_match() -> None:
    with pytest.raises(InvalidInput) as caught:
        threshold_cascade_batched(CHAIN, CAPITAL[:3], np.zeros((4, 1)), lgd=0.5)
    assert caught.value.evidence == {"shape": (3,), "institutions": 4}
    with pytest.raises(InvalidInput) as caught:
        threshold_cascade_batched(CHAIN, CAPITAL, np.zeros((3, 2)), lgd=0.5)
    assert caught.value.evidence == {"shape": (3, 2), "institutions": 4}


@st.composite
def cascades(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.random.Generator]:
    n = draw(st.integers(min_value=2, max_value=30))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    mask = rng.random((n, n)) < draw(st.floats(min_value=0.05, max_value=0.6))
    np.fill_diagonal(mask, False)
    liabilities = np.where(mask, rng.lognormal(0.0, 1.0, (n, n)), 0.0)
    capital = liabilities.sum(axis=0) * rng.uniform(0.05, 0.6, n) + rng.uniform(0.0, 0.5, n)
    count = draw(st.integers(min_value=1, max_value=8))
    shock = capital[:, None] * rng.uniform(0.0, 1.2, (n, count)) * (rng.random((n, count)) < 0.4)
    return liabilities, capital, shock, draw(st.floats(min_value=0.0, max_value=1.0)), rng


@settings(max_examples=80, deadline=None)
@given(cascades())
def test_the_batched_cascade_matches_the_sequential_one(
    drawn: tuple[np.ndarray, np.ndarray, np.ndarray, float, np.random.Generator],
) -> None:
    liabilities, capital, shock, lgd, _ = drawn
    batched = threshold_cascade_batched(sp.csr_matrix(liabilities), capital, shock, lgd)
    for column in range(shock.shape[1]):
        exact = threshold_cascade_exact(liabilities, capital, shock[:, column], lgd)
        np.testing.assert_array_equal(batched.defaulted[:, column], exact.defaulted)
        np.testing.assert_allclose(batched.losses[:, column], exact.losses, rtol=0, atol=1e-9)
        assert batched.rounds[column] == exact.rounds
        assert (exact.losses <= capital).all()


@settings(max_examples=80, deadline=None)
@given(cascades())
def test_a_larger_shock_never_gives_fewer_defaults(
    drawn: tuple[np.ndarray, np.ndarray, np.ndarray, float, np.random.Generator],
) -> None:
    liabilities, capital, shock, lgd, rng = drawn
    larger = shock + rng.uniform(0.0, 1.0, shock.shape) * capital[:, None] * (rng.random(shock.shape) < 0.3)
    before = threshold_cascade_batched(liabilities, capital, shock, lgd)
    after = threshold_cascade_batched(liabilities, capital, larger, lgd)
    assert (after.defaulted >= before.defaulted).all()
    assert (after.losses >= before.losses).all()
