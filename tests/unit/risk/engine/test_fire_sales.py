"""Fire sales through overlapping portfolios: a case solved by hand, GLT's closed form, the linear
fixed point, and properties.

The case by hand: two banks, two asset classes, illiquidity (0.001, 0.0005) per euro sold.

    bank  holdings (1, 2)  A    equity  leverage b (debt)
    1     60, 40           100  10      9 (90)
    2     20, 80           100  20      4 (80)

Weights: bank 1 (0.6, 0.4), bank 2 (0.2, 0.8). Three draws of the return of asset 1 (asset 2
does not move): -5%, -20%, +5%.

Draw 1, asset 1 falls 5%:
    first-round losses: bank 1 60 x 0.05 = 3, bank 2 20 x 0.05 = 1
    sales: bank 1 9 x 3 = 27 (16.2 of asset 1, 10.8 of asset 2),
           bank 2 4 x 1 = 4 (0.8 of asset 1, 3.2 of asset 2)
    sold: asset 1 16.2 + 0.8 = 17, asset 2 10.8 + 3.2 = 14
    prices: asset 1 -0.001 x 17 = -1.7%, asset 2 -0.0005 x 14 = -0.7%
    second round: bank 1 60 x 0.017 + 40 x 0.007 = 1.02 + 0.28 = 1.30,
                  bank 2 20 x 0.017 + 80 x 0.007 = 0.34 + 0.56 = 0.90; total 2.20
    GLT's aggregate vulnerability: 2.20 / (10 + 20) = 0.07333...

Draw 2, asset 1 falls 20%:
    first-round losses: bank 1 60 x 0.2 = 12, which reaches its equity of 10, so it sells
    everything, 100 (60 and 40); bank 2 20 x 0.2 = 4 and sells 4 x 4 = 16 (3.2 and 12.8)
    sold: asset 1 60 + 3.2 = 63.2, asset 2 40 + 12.8 = 52.8
    prices: asset 1 -0.0632, asset 2 -0.0264
    second round: bank 1 60 x 0.0632 + 40 x 0.0264 = 3.792 + 1.056 = 4.848,
                  bank 2 20 x 0.0632 + 80 x 0.0264 = 1.264 + 2.112 = 3.376

Draw 3, asset 1 rises 5%: both banks gain, nobody sells, prices and losses stay at 0.

The second round of draw 1's fixed point (round 2): losses so far bank 1 3 + 1.30 = 4.30, bank 2
1 + 0.90 = 1.90; sales 9 x 4.30 = 38.7 and 4 x 1.90 = 7.6; sold asset 1 0.6 x 38.7 + 0.2 x 7.6 =
23.22 + 1.52 = 24.74, asset 2 0.4 x 38.7 + 0.8 x 7.6 = 15.48 + 6.08 = 21.56; prices -2.474% and
-1.078%; losses bank 1 60 x 0.02474 + 40 x 0.01078 = 1.4844 + 0.4312 = 1.9156, bank 2 20 x 0.02474
+ 80 x 0.01078 = 0.4948 + 0.8624 = 1.3572.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.risk.engine.contagion import NotConverged
from custos.risk.engine.fire_sales import (
    OverlappingPortfolios,
    aggregate_vulnerability,
    asset_losses,
    fire_sale_fixed_point,
    fire_sale_one_round,
    overlapping_portfolios,
)

HAND = overlapping_portfolios(
    holdings=[[60.0, 40.0], [20.0, 80.0]],
    equity=[10.0, 20.0],
    leverage=[9.0, 4.0],
    illiquidity=[0.001, 0.0005],
)
HAND_RETURNS = np.array([[-0.05, -0.20, 0.05], [0.0, 0.0, 0.0]])


def test_the_case_by_hand() -> None:
    first = asset_losses(HAND, HAND_RETURNS)
    np.testing.assert_allclose(first, [[3.0, 12.0, -3.0], [1.0, 4.0, -1.0]], atol=1e-12)
    sale = fire_sale_one_round(HAND, first)
    np.testing.assert_allclose(sale.sales, [[27.0, 100.0, 0.0], [4.0, 16.0, 0.0]], atol=1e-12)
    np.testing.assert_array_equal(sale.liquidated, [[False, True, False], [False, False, False]])
    np.testing.assert_allclose(
        sale.price_changes, [[-0.017, -0.0632, 0.0], [-0.007, -0.0264, 0.0]], atol=1e-12
    )
    np.testing.assert_allclose(sale.losses, [[1.30, 4.848, 0.0], [0.90, 3.376, 0.0]], atol=1e-12)
    np.testing.assert_allclose(sale.total, [2.20, 8.224, 0.0], atol=1e-12)
    np.testing.assert_array_equal(sale.rounds, [1, 1, 1])
    np.testing.assert_allclose(aggregate_vulnerability(HAND, HAND_RETURNS[:, :1]), [2.2 / 30], rtol=1e-12)


def test_the_second_round_of_the_fixed_point_by_hand() -> None:
    # Allowance 0.2 x 100 = 20: round 1 moves sales by 27 from nothing, round 2 by 38.7 - 27 = 11.7.
    second = fire_sale_fixed_point(HAND, asset_losses(HAND, HAND_RETURNS[:, :1]), tol=0.2)
    np.testing.assert_array_equal(second.rounds, [2])
    np.testing.assert_allclose(second.residual, 11.7, rtol=1e-12)
    np.testing.assert_allclose(second.sales[:, 0], [38.7, 7.6], atol=1e-12)
    np.testing.assert_allclose(second.price_changes[:, 0], [-0.02474, -0.01078], atol=1e-12)
    np.testing.assert_allclose(second.losses[:, 0], [1.9156, 1.3572], atol=1e-12)


def test_the_fixed_point_of_the_case_by_hand_solves_the_linear_system() -> None:
    # Without caps or liquidation, sales s solve s = B (x + H L W' s), W the weights.
    first = asset_losses(HAND, HAND_RETURNS[:, :1])
    settled = fire_sale_fixed_point(HAND, first, tol=1e-14)
    np.testing.assert_allclose(settled.sales[:, 0], linear_fixed_point(HAND, first[:, 0]), rtol=1e-10)
    assert settled.iterations > 2
    assert settled.residual <= 1e-14 * 100


def linear_fixed_point(portfolios: OverlappingPortfolios, first: np.ndarray) -> np.ndarray:
    h, w = portfolios.holdings, portfolios.weights
    b, ell = np.diag(portfolios.leverage), np.diag(portfolios.illiquidity)
    return np.linalg.solve(np.eye(h.shape[0]) - b @ h @ ell @ w.T, b @ first)


def market(rng: np.random.Generator, n: int, k: int, depth: float) -> OverlappingPortfolios:
    """Institutions with lognormal sizes, portfolios over a few classes each, capital of 4-12% and
    the leverage that implies; selling ``depth`` of a class's total moves its price by about 1."""
    weights = rng.dirichlet(np.full(k, 0.5), n)
    holdings = weights * rng.lognormal(3.0, 1.0, (n, 1))
    assets = holdings.sum(axis=1)
    equity = assets * rng.uniform(0.04, 0.12, n)
    illiquidity = rng.uniform(0.5, 1.5, k) / (depth * holdings.sum(axis=0))
    return overlapping_portfolios(holdings, equity, (assets - equity) / equity, illiquidity)


def falls(rng: np.random.Generator, k: int, draws: int, largest: float) -> np.ndarray:
    return -rng.uniform(0.0, largest, (k, draws))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 25), k=st.integers(1, 6), draws=st.integers(1, 8))
def test_one_round_equals_glt_closed_form(seed: int, n: int, k: int, draws: int) -> None:
    rng = np.random.default_rng(seed)
    portfolios = market(rng, n, k, depth=1e3)
    # Falls of at most 0.3% keep every loss below 12 x 0.3% of assets < 4% of assets <= equity.
    returns = falls(rng, k, draws, 0.003)
    sale = fire_sale_one_round(portfolios, asset_losses(portfolios, returns))
    assert not sale.liquidated.any()
    assert (sale.price_changes > -1).all()
    expected = aggregate_vulnerability(portfolios, returns) * portfolios.equity.sum()
    np.testing.assert_allclose(sale.total, expected, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 20), k=st.integers(1, 5))
def test_the_fixed_point_solves_the_linear_system_where_nothing_binds(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    portfolios = market(rng, n, k, depth=1e4)
    first = asset_losses(portfolios, falls(rng, k, 3, 0.001))
    settled = fire_sale_fixed_point(portfolios, first, tol=1e-13)
    assert not settled.liquidated.any()
    for draw in range(3):
        np.testing.assert_allclose(
            settled.sales[:, draw], linear_fixed_point(portfolios, first[:, draw]), rtol=1e-8, atol=1e-9
        )


def test_no_loss_no_sales() -> None:
    rng = np.random.default_rng(1)
    portfolios = market(rng, 30, 4, depth=10.0)
    gains = -np.abs(rng.normal(0.0, 5.0, (30, 6)))
    gains[:, 0] = 0.0
    for sale in (fire_sale_one_round(portfolios, gains), fire_sale_fixed_point(portfolios, gains)):
        assert not sale.sales.any()
        assert not sale.price_changes.any()
        assert not sale.losses.any()


def test_without_price_impact_there_is_no_second_round() -> None:
    rng = np.random.default_rng(2)
    portfolios = market(rng, 30, 4, depth=10.0)
    still = overlapping_portfolios(portfolios.holdings, portfolios.equity, portfolios.leverage, np.zeros(4))
    first = asset_losses(still, falls(rng, 4, 5, 0.3))
    sale = fire_sale_fixed_point(still, first)
    assert sale.sales.any()
    assert not sale.losses.any()
    assert not sale.price_changes.any()
    assert sale.iterations == 2  # the second round sells what the first did, and it settles


def test_second_round_losses_grow_with_illiquidity() -> None:
    rng = np.random.default_rng(3)
    portfolios = market(rng, 40, 5, depth=50.0)
    first = asset_losses(portfolios, falls(rng, 5, 20, 0.05))
    previous_one, previous_settled = None, None
    for scale in (0.0, 0.5, 1.0, 2.0, 8.0, 1e6):
        deeper = overlapping_portfolios(
            portfolios.holdings, portfolios.equity, portfolios.leverage, scale * portfolios.illiquidity
        )
        one, settled = fire_sale_one_round(deeper, first), fire_sale_fixed_point(deeper, first)
        if previous_one is not None and previous_settled is not None:
            assert (one.losses >= previous_one.losses - 1e-12).all()
            # Each round's map grows with illiquidity; the settled rounds may differ by the allowance.
            assert (settled.losses >= previous_settled.losses - 1e-8 * portfolios.assets.max()).all()
            assert one.total.sum() > previous_one.total.sum()
        previous_one, previous_settled = one, settled
    # At the largest illiquidity every price that moves falls by 100%, no further.
    assert previous_one is not None
    assert ((previous_one.price_changes == 0) | (previous_one.price_changes == -1)).all()
    assert (previous_one.losses <= portfolios.assets[:, None] + 1e-9).all()


def test_the_fixed_point_starts_with_the_one_round_and_only_climbs() -> None:
    rng = np.random.default_rng(4)
    portfolios = market(rng, 50, 6, depth=30.0)
    first = asset_losses(portfolios, falls(rng, 6, 40, 0.05))
    one = fire_sale_one_round(portfolios, first)
    # A tolerance no round can miss stops every draw after its first round.
    stopped = fire_sale_fixed_point(portfolios, first, tol=1e6)
    np.testing.assert_array_equal(stopped.rounds, 1)
    for field in ("losses", "sales", "price_changes", "liquidated"):
        np.testing.assert_array_equal(getattr(stopped, field), getattr(one, field))
    settled = fire_sale_fixed_point(portfolios, first, tol=1e-12)
    assert settled.iterations > 1
    assert (settled.losses >= one.losses - 1e-12).all()
    assert (settled.sales >= one.sales - 1e-12).all()
    # Settled: one more round, from the settled losses, sells what the settled round sold.
    again = fire_sale_one_round(portfolios, first + settled.losses)
    np.testing.assert_allclose(again.sales, settled.sales, atol=1e-12 * portfolios.assets.max() * 10)


def test_a_batch_equals_its_draws_one_by_one() -> None:
    rng = np.random.default_rng(5)
    portfolios = market(rng, 60, 5, depth=20.0)
    first = asset_losses(portfolios, falls(rng, 5, 12, 0.1))
    first[:, 3] = 0.0  # a draw without a loss among the others
    for run in (fire_sale_one_round, fire_sale_fixed_point):
        batch = run(portfolios, first)
        for draw in range(first.shape[1]):
            alone = run(portfolios, first[:, draw : draw + 1])
            np.testing.assert_allclose(batch.losses[:, draw], alone.losses[:, 0], rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(batch.sales[:, draw], alone.sales[:, 0], rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(batch.price_changes[:, draw], alone.price_changes[:, 0], atol=1e-15)
            assert batch.rounds[draw] == alone.rounds[0]


def test_an_institution_whose_equity_is_gone_sells_everything_it_holds() -> None:
    portfolios = overlapping_portfolios([[50.0, 50.0], [10.0, 0.0]], [5.0, 1.0], [9.0, 9.0], [1e-3, 1e-3])
    sale = fire_sale_one_round(portfolios, [[5.0, 4.9, 4.0], [0.0, 0.0, 2.0]])
    np.testing.assert_allclose(sale.sales, [[100.0, 44.1, 36.0], [0.0, 0.0, 10.0]])
    np.testing.assert_array_equal(sale.liquidated, [[True, False, False], [False, False, True]])


def test_sales_are_capped_at_the_holdings() -> None:
    # Leverage 30 on a loss of 4 calls for 120, more than the 100 held.
    portfolios = overlapping_portfolios([[100.0]], [10.0], [30.0], [1e-3])
    assert fire_sale_one_round(portfolios, [[4.0]]).sales[0, 0] == 100.0


def test_a_cascade_that_cannot_settle_in_time_is_refused_with_its_residual() -> None:
    with pytest.raises(NotConverged) as raised:
        fire_sale_fixed_point(HAND, asset_losses(HAND, HAND_RETURNS), tol=1e-14, max_iterations=3)
    assert raised.value.evidence["iterations"] == 3
    assert raised.value.evidence["residual"] > 0


@pytest.mark.parametrize(
    ("arguments", "entry"),
    [
        (([[1.0, -1.0]], [1.0], [1.0], [0.1, 0.1]), "holdings[0,1]"),
        (([[1.0, 1.0]], [0.0], [1.0], [0.1, 0.1]), "equity[0]"),
        (([[1.0, 1.0]], [1.0], [float("nan")], [0.1, 0.1]), "leverage[0]"),
        (([[1.0, 1.0]], [1.0], [1.0], [0.1, -0.1]), "illiquidity[1]"),
    ],
)
def test_bad_balance_sheets_are_refused_by_entry(arguments: tuple[object, ...], entry: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        overlapping_portfolios(*arguments)  # type: ignore[arg-type]
    assert raised.value.evidence["entry"] == entry


def test_bad_shocks_are_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        asset_losses(HAND, [[-1.5], [0.0]])
    assert raised.value.evidence["entry"] == "returns[0,0]"
    with pytest.raises(InvalidInput):
        fire_sale_one_round(HAND, [[1.0, 2.0]])  # one institution's row for two
    with pytest.raises(InvalidInput) as raised:
        fire_sale_fixed_point(HAND, [[1.0], [float("inf")]])
    assert raised.value.evidence["entry"] == "first_round_losses[1,0]"
    with pytest.raises(InvalidInput):
        fire_sale_fixed_point(HAND, [[1.0], [1.0]], tol=0.0)
