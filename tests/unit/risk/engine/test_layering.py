"""Layers of loss absorption: hand-computed towers and requirements, and the properties every
split must keep (the layers add up to the loss, none is negative, each grows with the loss)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from custos.core.errors import InvalidInput
from custos.risk.engine.layering import Absorbed, absorb, requirements

# Two firms, four draws: firm 0 holds 10 with 20 of insurance above it, firm 1 holds 5 uninsured.
LOSSES = np.array([[4.0, 3.0], [15.0, 5.0], [30.0, 9.0], [45.0, 12.0]])
CAPITAL = np.array([10.0, 5.0])
LIMIT = np.array([20.0, 0.0])

AMOUNT = st.floats(0.0, 1e6, allow_subnormal=False)
BOUND = st.one_of(AMOUNT, st.just(math.inf))


@st.composite
def towers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Losses (draws × firms) and each firm's capital, limit and declared attachment."""
    draws, firms = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    losses = draw(hnp.arrays(np.float64, (draws, firms), elements=AMOUNT))
    capital, limit, attachment = (draw(hnp.arrays(np.float64, firms, elements=BOUND)) for _ in range(3))
    return losses, capital, limit, attachment


def _layers(absorbed: Absorbed) -> list[np.ndarray]:
    return [absorbed.capital, absorbed.uncovered, absorbed.insurance, absorbed.pool]


def test_every_euro_of_the_hand_case_goes_to_one_layer() -> None:
    absorbed = absorb(LOSSES, CAPITAL, LIMIT)
    np.testing.assert_array_equal(absorbed.capital, [[4, 3], [10, 5], [10, 5], [10, 5]])
    np.testing.assert_array_equal(absorbed.insurance, [[0, 0], [5, 0], [20, 0], [20, 0]])
    np.testing.assert_array_equal(absorbed.pool, [[0, 0], [0, 0], [0, 4], [15, 7]])
    np.testing.assert_array_equal(absorbed.uncovered, np.zeros((4, 2)))
    np.testing.assert_array_equal(absorbed.total(), LOSSES)
    np.testing.assert_array_equal(absorbed.attachment_raised, [False, False])


def test_an_attachment_above_capital_leaves_a_gap_the_firm_bears_not_the_pool() -> None:
    absorbed = absorb(LOSSES, CAPITAL, LIMIT, attachment=np.array([15.0, 5.0]))
    # Firm 0 in draw 3 (45): capital 10, the gap (10, 15] uncovered, insurance (15, 35], pool 10.
    np.testing.assert_array_equal(absorbed.capital[:, 0], [4, 10, 10, 10])
    np.testing.assert_array_equal(absorbed.uncovered[:, 0], [0, 5, 5, 5])
    np.testing.assert_array_equal(absorbed.insurance[:, 0], [0, 0, 15, 20])
    np.testing.assert_array_equal(absorbed.pool[:, 0], [0, 0, 0, 10])
    np.testing.assert_array_equal(absorbed.pool[:, 1], [0, 0, 4, 7])
    np.testing.assert_array_equal(absorbed.total(), LOSSES)


def test_an_attachment_below_capital_starts_at_the_capital_and_is_flagged() -> None:
    absorbed = absorb(LOSSES, CAPITAL, LIMIT, attachment=np.array([6.0, 5.0]))
    as_if_at_capital = absorb(LOSSES, CAPITAL, LIMIT)
    for raised, at_capital in zip(_layers(absorbed), _layers(as_if_at_capital), strict=True):
        np.testing.assert_array_equal(raised, at_capital)
    np.testing.assert_array_equal(absorbed.attachment_raised, [True, False])


@settings(max_examples=300, deadline=None)
@given(towers())
def test_the_layers_add_up_to_the_loss_and_none_is_negative(tower: tuple[np.ndarray, ...]) -> None:
    losses, capital, limit, attachment = tower
    absorbed = absorb(losses, capital, limit, attachment=attachment)
    np.testing.assert_allclose(absorbed.total(), losses, rtol=1e-12, atol=0)
    for layer in _layers(absorbed):
        assert layer.shape == losses.shape
        assert (layer >= 0).all()


@settings(max_examples=300, deadline=None)
@given(towers(), st.data())
def test_each_layer_grows_with_the_loss(tower: tuple[np.ndarray, ...], data: st.DataObject) -> None:
    losses, capital, limit, attachment = tower
    more = losses + data.draw(hnp.arrays(np.float64, losses.shape, elements=AMOUNT))
    smaller = absorb(losses, capital, limit, attachment=attachment)
    larger = absorb(more, capital, limit, attachment=attachment)
    for low, high in zip(_layers(smaller), _layers(larger), strict=True):
        assert (high >= low).all()


@settings(max_examples=200, deadline=None)
@given(towers())
def test_without_insurance_the_pool_takes_everything_above_capital(tower: tuple[np.ndarray, ...]) -> None:
    losses, capital, _, _ = tower
    absorbed = absorb(losses, capital, np.zeros(capital.size))
    np.testing.assert_array_equal(absorbed.capital, np.minimum(losses, capital))
    np.testing.assert_array_equal(absorbed.pool, np.maximum(losses - capital, 0.0))
    assert not absorbed.insurance.any()
    assert not absorbed.uncovered.any()


@settings(max_examples=200, deadline=None)
@given(towers())
def test_infinite_capital_leaves_nothing_to_insurance_or_the_pool(tower: tuple[np.ndarray, ...]) -> None:
    losses, capital, limit, attachment = tower
    absorbed = absorb(losses, np.full(capital.size, math.inf), limit, attachment=attachment)
    np.testing.assert_array_equal(absorbed.capital, losses)
    for layer in (absorbed.insurance, absorbed.pool, absorbed.uncovered):
        assert not layer.any()


def test_requirements_by_hand() -> None:
    # The capital level's tail: the two largest system losses, draws 2 (39) and 3 (57).
    tail = LOSSES[2:]
    result = requirements(tail, np.array([5.0, 0.0]), sample=LOSSES)
    # Euler capital: firm 0 (30 + 45) / 2 = 37.5, firm 1 (9 + 12) / 2 = 10.5.
    np.testing.assert_array_equal(result.capital, [37.5, 10.5])
    # Firm 0's layer (37.5, 42.5] pays only in draw 3, its full 5: tail mean 2.5, over all four
    # draws 1.25. Firm 1 has no layer.
    np.testing.assert_array_equal(result.insurance_tail, [2.5, 0.0])
    np.testing.assert_array_equal(result.insurance_expected, [1.25, 0.0])
    # Beyond capital and insurance, draw 3 puts 45 - 42.5 = 2.5 and 12 - 10.5 = 1.5 on the pool;
    # draw 2 puts nothing: tail means 1.25 and 0.75, a pool of 2.
    np.testing.assert_array_equal(result.pool, [1.25, 0.75])
    assert result.pool_size == 2.0


def test_an_expected_payout_from_the_caller_is_taken_as_given() -> None:
    result = requirements(LOSSES[2:], np.array([5.0, 0.0]), insurance_expected=np.array([0.9, 0.0]))
    np.testing.assert_array_equal(result.insurance_expected, [0.9, 0.0])
    np.testing.assert_array_equal(result.pool, [1.25, 0.75])


@settings(max_examples=200, deadline=None)
@given(towers())
def test_in_the_tail_the_layers_share_out_the_capital_requirement(tower: tuple[np.ndarray, ...]) -> None:
    # E[L | tail] = E[min(L, K) | tail] + E[(L - K)+ | tail]: what the capital does not absorb in
    # the tail is exactly what insurance and pool carry there.
    tail, _, limit, _ = tower
    result = requirements(tail, limit, sample=tail)
    retained = np.minimum(tail, result.capital).mean(axis=0)
    np.testing.assert_allclose(
        retained + result.insurance_tail + result.pool, result.capital, rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(result.insurance_expected, result.insurance_tail, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("losses", "capital", "limit", "message", "entry"),
    [
        (np.array([[1.0, -2.0]]), CAPITAL, LIMIT, "losses must be finite and not negative", "losses[0,1]"),
        (np.array([[1.0, 2.0], [math.nan, 0.0]]), CAPITAL, LIMIT, "losses must be finite", "losses[1,0]"),
        (np.array([[1.0, math.inf]]), CAPITAL, LIMIT, "losses must be finite", "losses[0,1]"),
        (np.array([[1.0, 2.0]]), np.array([10.0, math.nan]), LIMIT, "capital must be a number", "capital[1]"),
        (np.array([[1.0, 2.0]]), CAPITAL, np.array([-1.0, 0.0]), "limit must be a number", "limit[0]"),
    ],
)
def test_bad_amounts_are_refused_by_entry(
    losses: np.ndarray, capital: np.ndarray, limit: np.ndarray, message: str, entry: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        absorb(losses, capital, limit)
    assert refused.value.evidence["entry"] == entry


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="table of draws × firms"):
        absorb(np.array([1.0, 2.0]), CAPITAL, LIMIT)
    with pytest.raises(InvalidInput, match="capital must hold one amount per firm"):
        absorb(LOSSES, np.array([10.0]), LIMIT)
    with pytest.raises(InvalidInput, match="attachment must hold one amount per firm"):
        absorb(LOSSES, CAPITAL, LIMIT, attachment=np.array([1.0, 2.0, 3.0]))
    with pytest.raises(InvalidInput, match="at least one tail draw"):
        requirements(np.zeros((0, 2)), LIMIT, sample=LOSSES)
    with pytest.raises(InvalidInput, match="one column per firm"):
        requirements(LOSSES, LIMIT, sample=np.zeros((3, 1)))


def test_the_expected_payout_needs_exactly_one_source() -> None:
    with pytest.raises(InvalidInput, match="exactly one of sample and insurance_expected"):
        requirements(LOSSES, LIMIT)
    with pytest.raises(InvalidInput, match="exactly one of sample and insurance_expected"):
        requirements(LOSSES, LIMIT, sample=LOSSES, insurance_expected=np.zeros(2))
    with pytest.raises(InvalidInput, match="insurance_expected must be finite"):
        requirements(LOSSES, LIMIT, insurance_expected=np.array([math.inf, 0.0]))
