"""Layers of loss absorption: hand-computed towers, and the properties every split must keep (the
layers add up to the loss, none is negative, each grows with the loss)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from custos.core.errors import InvalidInput
from custos.risk.engine.layering import Absorbed, absorb

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
