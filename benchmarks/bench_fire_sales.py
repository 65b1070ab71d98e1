"""Fire sales through overlapping portfolios: time per 1,000 draws, one round and to a fixed point.

1,000 institutions hold 20 asset classes: lognormal sizes, portfolios drawn from a Dirichlet(0.5)
so each leans on a few classes, capital of 4-12% of assets and the leverage that implies.
Selling all of a class's holdings would move its price by about 5% (illiquidity 1 / (20 x the
class's total), give or take half), in the range of Greenwood, Landier and Thesmar's 10 basis
points per 10 billion sold. A draw moves every class by a common factor (normal,
mean -2%, sd 3%) times a loading (uniform 0.5-1.5) plus its own noise (sd 1%), at worst -100%;
the first-round losses are the holdings times those moves, so some draws bring gains and no
sales. Figures are the median of five runs after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from benchmarks.common import row
from custos.risk.engine.fire_sales import (
    FireSale,
    OverlappingPortfolios,
    asset_losses,
    fire_sale_fixed_point,
    fire_sale_one_round,
    overlapping_portfolios,
)

INSTITUTIONS = 1_000
CLASSES = 20
DRAWS = 1_000
REPEATS = 5


def portfolios(rng: np.random.Generator) -> OverlappingPortfolios:
    holdings = rng.dirichlet(np.full(CLASSES, 0.5), INSTITUTIONS) * rng.lognormal(3.0, 1.5, (INSTITUTIONS, 1))
    assets = holdings.sum(axis=1)
    equity = assets * rng.uniform(0.04, 0.12, INSTITUTIONS)
    illiquidity = rng.uniform(0.5, 1.5, CLASSES) / (20.0 * holdings.sum(axis=0))
    return overlapping_portfolios(holdings, equity, (assets - equity) / equity, illiquidity)


def returns(rng: np.random.Generator) -> np.ndarray:
    common = rng.normal(-0.02, 0.03, DRAWS)
    loading = rng.uniform(0.5, 1.5, (CLASSES, 1))
    return np.maximum(loading * common + rng.normal(0.0, 0.01, (CLASSES, DRAWS)), -1.0)


def timed(run: Callable[..., FireSale], *arguments: object) -> tuple[FireSale, float]:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = run(*arguments)
        timings.append(time.perf_counter() - started)
    return result, statistics.median(timings)


def main() -> None:
    argparse.ArgumentParser().parse_known_args()  # the runner passes its own flags, such as --quick
    rng = np.random.default_rng(20_260_301)
    market = portfolios(rng)
    first = asset_losses(market, returns(rng))
    fire_sale_fixed_point(market, first)  # warm-up
    label = f"{INSTITUTIONS:,} institutions, {CLASSES} asset classes, {DRAWS:,} draws"
    first_total = np.maximum(first, 0.0).sum(axis=0).mean()
    one, elapsed = timed(fire_sale_one_round, market, first)
    row(
        f"fire sales, one round (GLT), {label}",
        f"{elapsed * 1e3 * 1_000 / DRAWS:.1f} ms per 1,000 draws (second-round losses "
        f"{one.total.mean() / first_total:.0%} of the first round's on average; "
        f"{one.liquidated.mean():.1%} of institutions liquidated)",
    )
    settled, elapsed = timed(fire_sale_fixed_point, market, first)
    row(
        f"fire sales, to a fixed point, {label}",
        f"{elapsed * 1e3 * 1_000 / DRAWS:.1f} ms per 1,000 draws (up to {settled.iterations} rounds, "
        f"median {np.median(settled.rounds):.0f}; second-round losses "
        f"{settled.total.mean() / first_total:.0%} of the first round's; "
        f"{settled.liquidated.mean():.1%} of institutions liquidated)",
    )


if __name__ == "__main__":
    main()
