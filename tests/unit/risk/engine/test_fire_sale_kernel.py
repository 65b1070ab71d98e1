"""The compiled fire sale gives what the reference gives, draw by draw: the same rounds, losses,
sales, prices and liquidations, within 1e-9, on random balance sheets where caps bind."""

from __future__ import annotations

import numpy as np
import pytest

from custos.risk.engine.contagion.errors import NotConverged
from custos.risk.engine.fire_sale_kernel import fire_sale_settled
from custos.risk.engine.fire_sales import fire_sale_fixed_point, overlapping_portfolios


def _case(seed: int, institutions: int, classes: int, draws: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    holdings = rng.lognormal(3.0, 1.0, (institutions, classes)) * (rng.random((institutions, classes)) < 0.7)
    equity = holdings.sum(axis=1) * rng.uniform(0.03, 0.15, institutions) + 0.1
    leverage = rng.uniform(0.0, 25.0, institutions)
    illiquidity = rng.uniform(0.0, 0.2, classes) / holdings.sum(axis=0).clip(1.0)
    portfolios = overlapping_portfolios(holdings, equity, leverage, illiquidity)
    # losses from gains to beyond equity, so sales are capped, skipped and liquidations happen
    first = rng.normal(0.0, 0.4, (institutions, draws)) * equity[:, None]
    return portfolios, first


@pytest.mark.parametrize(
    ("seed", "institutions", "classes", "draws"), [(1, 1, 1, 5), (2, 7, 3, 40), (3, 60, 5, 300)]
)
def test_the_kernel_settles_where_the_reference_does(
    seed: int, institutions: int, classes: int, draws: int
) -> None:
    portfolios, first = _case(seed, institutions, classes, draws)
    expected = fire_sale_fixed_point(portfolios, first, tol=1e-12)
    got = fire_sale_settled(portfolios, first, tol=1e-12)
    assert np.array_equal(got.rounds, expected.rounds)
    assert np.array_equal(got.liquidated, expected.liquidated)
    for field in ("losses", "sales", "price_changes"):
        assert np.allclose(getattr(got, field), getattr(expected, field), rtol=1e-9, atol=1e-9), field
    if institutions > 50:  # the case is rich enough to test: every branch of the rule is taken
        assert got.liquidated.any() and (got.sales == 0).any() and got.iterations > 5


def test_a_draw_that_does_not_settle_is_refused_with_its_residual() -> None:
    portfolios, first = _case(4, 30, 3, 50)
    with pytest.raises(NotConverged) as caught:
        fire_sale_settled(portfolios, first, tol=1e-12, max_iterations=2)
    with pytest.raises(NotConverged):
        fire_sale_fixed_point(portfolios, first, tol=1e-12, max_iterations=2)
    assert caught.value.evidence["iterations"] == 2 and caught.value.evidence["residual"] > 0
