"""Fire sales to a fixed point for many draws at once: a compiled kernel for what runs draw.

It computes exactly what :func:`~custos.risk.engine.fire_sales.fire_sale_fixed_point` computes
(the same rounds, the same stopping rule, each draw on its own), and tests hold the two together.
That function takes a round as whole-array operations over every unsettled draw: half a dozen
passes over ``institutions × draws`` arrays per round, and a copy of them whenever some draws
settle, so on a thousand institutions it is bound by memory traffic. Here each draw runs all its
rounds on its own row of contiguous arrays, which stay in cache: a round is one pass over the
institutions (the sales and what each class is sold) and one more (each institution's loss at the
new prices), with asset classes few. Draws are dealt round-robin to the threads.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt
from numba import njit, prange

from custos.risk.engine.contagion.errors import NotConverged
from custos.risk.engine.contagion.validation import iteration_limits
from custos.risk.engine.fire_sales import FireSale, OverlappingPortfolios

FloatArray = npt.NDArray[np.float64]


@njit(cache=True, parallel=True, fastmath=False)
def _settle(
    holdings: FloatArray,
    weights: FloatArray,
    assets: FloatArray,
    equity: FloatArray,
    leverage: FloatArray,
    illiquidity: FloatArray,
    first: FloatArray,
    allowance: float,
    max_rounds: int,
    threads: int,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_], FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Per draw (rows of ``first``, draws × institutions): the last round's fire-sale losses, sales,
    who was liquidated and the price falls, the rounds, and the last round's change of sales."""
    draws, n = first.shape
    classes = holdings.shape[1]
    losses = np.empty((draws, n))
    sales = np.empty((draws, n))
    liquidated = np.empty((draws, n), dtype=np.bool_)
    impact = np.empty((draws, classes))
    rounds = np.zeros(draws, dtype=np.int64)
    change = np.zeros(draws)
    for thread in prange(threads):
        sold = np.empty(classes)
        for s in range(thread, draws, threads):
            x, fire, sale, liquid, falls = first[s], losses[s], sales[s], liquidated[s], impact[s]
            fire[:] = 0.0
            completed = 0
            while True:
                completed += 1
                sold[:] = 0.0
                moved = 0.0
                for i in range(n):
                    so_far = x[i] + fire[i]
                    liquid[i] = so_far >= equity[i]
                    value = assets[i] if liquid[i] else min(max(so_far, 0.0) * leverage[i], assets[i])
                    step = value if completed == 1 else abs(value - sale[i])
                    moved = max(moved, step)
                    sale[i] = value
                    for k in range(classes):
                        sold[k] += weights[i, k] * value
                for k in range(classes):
                    falls[k] = min(illiquidity[k] * sold[k], 1.0)
                for i in range(n):
                    total = 0.0
                    for k in range(classes):
                        total += holdings[i, k] * falls[k]
                    fire[i] = total
                if moved <= allowance or completed == max_rounds:
                    break
            rounds[s], change[s] = completed, moved
    return losses, sales, liquidated, impact, rounds, change


def fire_sale_settled(
    portfolios: OverlappingPortfolios,
    first_round_losses: FloatArray,
    *,
    tol: float = 1e-10,
    max_iterations: int = 1_000,
) -> FireSale:
    """:func:`~custos.risk.engine.fire_sales.fire_sale_fixed_point` on the first-round losses
    ``(N, S)``, compiled; raises :class:`NotConverged` if a draw has not settled within
    ``max_iterations`` rounds."""
    tol, max_iterations = iteration_limits(tol, max_iterations)
    assets = portfolios.assets
    allowance = tol * max(1.0, float(assets.max()))
    losses, sales, liquidated, impact, rounds, change = _settle(
        portfolios.holdings,
        portfolios.weights,
        assets,
        portfolios.equity,
        portfolios.leverage,
        portfolios.illiquidity,
        np.ascontiguousarray(np.asarray(first_round_losses, dtype=np.float64).T),
        allowance,
        max_iterations,
        numba.get_num_threads(),
    )
    unsettled = change > allowance
    if unsettled.any():
        raise NotConverged(
            "the fire sale did not settle within max_iterations",
            evidence={"residual": float(change.max()), "iterations": max_iterations, "tolerance": tol},
        )
    return FireSale(
        np.ascontiguousarray(losses.T),
        np.ascontiguousarray(sales.T),
        -np.ascontiguousarray(impact.T),
        np.ascontiguousarray(liquidated.T),
        rounds,
        float(change.max(initial=0.0)),
    )
