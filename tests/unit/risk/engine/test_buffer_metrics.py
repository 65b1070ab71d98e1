"""Every layer's requirement from one tail, by hand: capital, the insurance layer, what lies beyond
both and the pool's sharing; the premium within the stated bound of its expected payout."""

from __future__ import annotations

import numpy as np
import pytest

from custos.risk.engine.buffer_metrics import layered_buffers
from custos.risk.engine.loss_profile import Bins, LossProfile
from custos.risk.engine.scenario import Buffers

# Two firms, four draws; the capital level's tail is draws 2 and 3, the two largest system losses.
LOSSES = np.array([[4.0, 3.0], [15.0, 5.0], [30.0, 9.0], [45.0, 12.0]])
TAIL = LOSSES[2:]


def _layered(settings: Buffers, pool_size: float) -> tuple[object, ...]:
    bins = Bins.of(np.array([45.0, 12.0]), 64)
    profile = LossProfile.of(bins, LOSSES.T)
    return layered_buffers(LOSSES.mean(axis=0), TAIL, profile, bins, pool_size, settings), bins, profile


def test_each_layer_by_hand() -> None:
    result, _, _ = _layered(Buffers(insurance_layer=0.1, cost_of_capital=0.06), pool_size=21.0)
    # Euler capital: firm 0 (30 + 45) / 2 = 37.5, firm 1 (9 + 12) / 2 = 10.5; layers of a tenth of
    # that, 3.75 above 37.5 and 1.05 above 10.5, pay only in draw 3, in full: tail means 1.875 and
    # 0.525, means over the four draws 0.9375 and 0.2625.
    np.testing.assert_array_equal(result.capital, [37.5, 10.5])
    np.testing.assert_allclose(result.insurance_limit, [3.75, 1.05])
    np.testing.assert_allclose(result.insurance_requirement, [1.875, 0.525])
    exact = np.array([0.9375, 0.2625])
    assert (np.abs(result.expected_payout - exact) <= result.payout_error + 1e-12).all()
    assert (result.payout_error < 0.2 * exact).all()
    # Beyond both, draw 3 leaves 45 − 41.25 = 3.75 and 12 − 11.55 = 0.45: tail means 1.875 and
    # 0.225; the pool of 21 is shared 1.875 : 0.225, not as capital 37.5 : 10.5.
    np.testing.assert_allclose(result.pool_requirement, [1.875, 0.225])
    np.testing.assert_allclose(result.pool, [18.75, 2.25])
    assert not result.pool_by_capital
    # premium: the expected payout plus 6% of what the tail asks beyond it
    premium = result.expected_payout + 0.06 * (result.insurance_requirement - result.expected_payout)
    np.testing.assert_allclose(result.premium, premium)
    np.testing.assert_allclose(premium, [0.99375, 0.27825], atol=float(result.payout_error.max()))


def test_a_layer_as_large_as_the_capital_leaves_nothing_beyond_and_the_pool_goes_by_capital() -> None:
    result, _, _ = _layered(Buffers(insurance_layer=1.0), pool_size=48.0)
    np.testing.assert_array_equal(result.pool_requirement, [0.0, 0.0])
    assert result.pool_by_capital
    np.testing.assert_allclose(result.pool, [37.5, 10.5])


def test_a_gain_in_a_tail_draw_lowers_capital_but_no_layer_pays_it() -> None:
    tail = np.array([[10.0, -4.0], [20.0, 2.0]])
    bins = Bins.of(np.array([20.0, 20.0]), 32)
    profile = LossProfile.of(bins, tail.T)
    result = layered_buffers(tail.mean(axis=0), tail, profile, bins, 10.0, Buffers(insurance_layer=0.5))
    np.testing.assert_array_equal(result.capital, [15.0, -1.0])
    np.testing.assert_array_equal(result.insurance_limit, [7.5, 0.0])
    # firm 1 holds nothing (its capital is below zero), so its 2 in draw 1 lies beyond both
    np.testing.assert_allclose(result.pool_requirement, [0.0, 1.0])
    assert result.insurance_requirement[0] == pytest.approx(2.5)  # draw 1: 20 − 15, within 7.5
