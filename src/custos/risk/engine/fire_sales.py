"""Fire sales through overlapping portfolios: the losses a shock causes a second time round,
when institutions that lost sell assets to restore their leverage and depress the prices of what
others hold.

The model is Greenwood, Landier and Thesmar (2015, "Vulnerable banks", Journal of Financial
Economics 115(3)), GLT below, with the one-sided selling and the rounds to a fixed point of Cont
and Schaanning (2017, "Fire sales, indirect contagion and systemic stress testing").

``N`` institutions hold ``K`` asset classes: ``holdings[i, k]`` euros at pre-shock prices, ``A_i``
their sum, equity ``E_i > 0`` and a leverage target ``b_i`` (debt over equity before the shock).
A first round gives each institution an equity loss ``x_i`` per draw: from asset returns ``r``
(:func:`asset_losses`, ``x = -holdings @ r``) plus whatever else the caller adds. Then:

- **Deleveraging (GLT).** An institution that lost ``x_i`` sells ``b_i * x_i`` euros of assets and
  repays debt with them, which returns it to its target leverage: ``(b_i E_i - b_i x_i) / (E_i -
  x_i) = b_i``. Sales are capped at its holdings, and an institution whose loss reaches its equity
  is insolvent and sells everything it holds, ``A_i`` (Cont and Schaanning liquidate insolvent
  institutions). Unlike GLT, whose linear rule has institutions that gained buy assets, nothing
  is bought and an institution without a loss sells nothing: leverage constraints bind one way
  (Cont and Schaanning's asymmetry).
- **Spread.** Each institution sells every asset class in proportion to its holdings (GLT's
  assumption), so the sales of class ``k`` are ``sum_i sales_i * holdings[i, k] / A_i``.
- **Price impact (GLT).** Linear: the price of ``k`` moves by ``-illiquidity[k] * (sales of k)``,
  ``illiquidity[k]`` being the relative price move per euro sold, capped at -100%.
- **Second round.** Each institution loses the price move on its holdings *before* its own sales,
  ``sum_k holdings[i, k] * impact_k``: what it sold went at the depressed price and what it kept
  is marked to it. This is GLT's first-order accounting and what their closed form assumes.

:func:`fire_sale_one_round` stops there (GLT's one round). :func:`fire_sale_fixed_point` goes on
as Cont and Schaanning do: each institution's loss so far (the first round plus the fire sale's
losses) sets its cumulative sales, which set the prices, which set the losses again, until no
institution's sales move by more than the tolerance. The map is monotone (more losses, more
sales, lower prices, more losses) and sales are bounded by the holdings, so the rounds only
climb, and settle; the first round is exactly the one-round result.
Each draw stops on its own, so a batch gives what its draws give one by one.

GLT's aggregate vulnerability, the share of the system's equity the one round wipes out, has a
closed form, :func:`aggregate_vulnerability`; the one round equals it whenever every institution
loses, none reaches its equity and no price falls by 100%.

Plain numpy: two dense products per round, ``(K, N) @ (N, S)`` and ``(N, K) @ (K, S)``, with few
asset classes, so nothing here needs compiling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from custos.core.errors import InvalidInput
from custos.risk.engine.contagion.errors import NotConverged
from custos.risk.engine.contagion.validation import iteration_limits

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class OverlappingPortfolios:
    """Validated balance sheets: build one with :func:`overlapping_portfolios`."""

    holdings: FloatArray  # (N, K) euros at pre-shock prices
    equity: FloatArray  # (N,)
    leverage: FloatArray  # (N,) debt / equity before the shock
    illiquidity: FloatArray  # (K,) relative price move per euro sold

    @property
    def assets(self) -> FloatArray:
        """``A_i``: what each institution holds in all, and the most it can sell."""
        return np.asarray(self.holdings.sum(axis=1), dtype=np.float64)

    @property
    def weights(self) -> FloatArray:
        """Each institution's holdings as shares of its total (zero for one that holds nothing)."""
        totals = self.assets[:, None]
        return np.divide(self.holdings, totals, out=np.zeros_like(self.holdings), where=totals > 0)


@dataclass(frozen=True)
class FireSale:
    """The fire sale in ``S`` draws.

    ``losses`` are the second-round losses alone (the first round's are the caller's), ``sales``
    the euros each institution sold in all, ``price_changes`` the relative move of each asset
    class (``-1`` at worst), ``liquidated`` who sold everything because its loss reached its
    equity. ``rounds`` counts the rounds each draw took; ``residual`` is the largest change of any
    institution's sales in a draw's last round (in the one round, the sales themselves).
    """

    losses: FloatArray  # (N, S)
    sales: FloatArray  # (N, S)
    price_changes: FloatArray  # (K, S)
    liquidated: BoolArray  # (N, S)
    rounds: IntArray  # (S,)
    residual: float

    @property
    def total(self) -> FloatArray:
        """The system's second-round loss in each draw."""
        return np.asarray(self.losses.sum(axis=0), dtype=np.float64)

    @property
    def iterations(self) -> int:
        """The most rounds any draw took."""
        return int(self.rounds.max(initial=0))


def _checked(
    values: npt.ArrayLike, name: str, shape: tuple[int | None, ...], lower: float | None
) -> FloatArray:
    """Finite floats of the given shape (``None``: any length), at least ``lower`` when given;
    the first bad entry is refused by name and index."""
    try:
        array = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"{name} must be an array of numbers", evidence={"entry": name}) from error
    if array.ndim != len(shape) or any(
        size is not None and size != actual for size, actual in zip(shape, array.shape, strict=True)
    ):
        expected = tuple("any" if size is None else size for size in shape)
        raise InvalidInput(
            f"{name} has the wrong shape",
            evidence={"entry": name, "shape": array.shape, "expected": expected},
        )
    bad = ~np.isfinite(array) if lower is None else ~(np.isfinite(array) & (array >= lower))
    if bad.any():
        index = tuple(int(position) for position in np.unravel_index(int(np.argmax(bad)), bad.shape))
        bound = "" if lower is None else f" and at least {lower:g}"
        raise InvalidInput(
            f"{name} must be finite{bound}",
            evidence={"entry": f"{name}[{','.join(map(str, index))}]", "value": float(array[index])},
        )
    return array


def overlapping_portfolios(
    holdings: npt.ArrayLike, equity: npt.ArrayLike, leverage: npt.ArrayLike, illiquidity: npt.ArrayLike
) -> OverlappingPortfolios:
    """Check the balance sheets, naming the first bad entry: holdings, leverage and illiquidity
    finite and not negative, equity positive (leverage is relative to it, and an institution with
    none is insolvent before any shock)."""
    held = _checked(holdings, "holdings", (None, None), 0.0)
    institutions, classes = held.shape
    if not institutions or not classes:
        raise InvalidInput(
            "holdings need at least one institution and one asset class", evidence={"shape": held.shape}
        )
    capital = _checked(equity, "equity", (institutions,), 0.0)
    if not capital.all():
        first = int(np.argmin(capital))
        raise InvalidInput(
            "equity must be positive", evidence={"entry": f"equity[{first}]", "value": float(capital[first])}
        )
    return OverlappingPortfolios(
        holdings=held,
        equity=capital,
        leverage=_checked(leverage, "leverage", (institutions,), 0.0),
        illiquidity=_checked(illiquidity, "illiquidity", (classes,), 0.0),
    )


def asset_losses(portfolios: OverlappingPortfolios, returns: npt.ArrayLike) -> FloatArray:
    """First-round equity losses ``(N, S)`` from the relative returns ``(K, S)`` of the asset
    classes: ``-holdings @ returns`` (a gain is a negative loss)."""
    moves = _checked(returns, "returns", (portfolios.holdings.shape[1], None), -1.0)
    return np.asarray(-(portfolios.holdings @ moves), dtype=np.float64)


def _first_round(portfolios: OverlappingPortfolios, losses: npt.ArrayLike) -> FloatArray:
    checked = _checked(losses, "first_round_losses", (portfolios.holdings.shape[0], None), None)
    if not checked.shape[1]:
        raise InvalidInput("first_round_losses need at least one draw", evidence={"shape": checked.shape})
    return checked


@dataclass(frozen=True)
class _Round:
    sales: FloatArray
    impact: FloatArray  # relative price falls, in [0, 1]
    losses: FloatArray
    liquidated: BoolArray


def _round(portfolios: OverlappingPortfolios, weights: FloatArray, losses_so_far: FloatArray) -> _Round:
    """Sales from the losses so far, the prices they make, and the losses those prices cause."""
    assets = portfolios.assets[:, None]
    liquidated = losses_so_far >= portfolios.equity[:, None]
    sales = np.maximum(losses_so_far, 0.0)  # in place from here on: these are the large arrays
    sales *= portfolios.leverage[:, None]
    np.minimum(sales, assets, out=sales)
    np.copyto(sales, np.broadcast_to(assets, sales.shape), where=liquidated)
    impact = np.minimum(portfolios.illiquidity[:, None] * (weights.T @ sales), 1.0)
    return _Round(sales, impact, portfolios.holdings @ impact, liquidated)


def fire_sale_one_round(portfolios: OverlappingPortfolios, first_round_losses: npt.ArrayLike) -> FireSale:
    """GLT's one round: the sales the first-round losses ``(N, S)`` call for, and the losses their
    price impact causes on every institution's pre-sale holdings."""
    first = _first_round(portfolios, first_round_losses)
    step = _round(portfolios, portfolios.weights, first)
    rounds = np.ones(first.shape[1], dtype=np.int64)
    residual = float(step.sales.max(initial=0.0))
    return FireSale(step.losses, step.sales, -step.impact, step.liquidated, rounds, residual)


def fire_sale_fixed_point(
    portfolios: OverlappingPortfolios,
    first_round_losses: npt.ArrayLike,
    *,
    tol: float = 1e-10,
    max_iterations: int = 1_000,
) -> FireSale:
    """Rounds of fire sales until they settle (Cont and Schaanning): round ``t`` sells for the
    first-round loss plus round ``t - 1``'s fire-sale loss. A draw stops at the first round in
    which no institution's sales move by more than ``tol * max(1, largest A_i)``, and keeps that
    round's figures; the others go on without it. Raises :class:`NotConverged` if a draw has not
    settled within ``max_iterations`` rounds.
    """
    first = _first_round(portfolios, first_round_losses)
    tol, max_iterations = iteration_limits(tol, max_iterations)
    weights = portfolios.weights
    allowance = tol * max(1.0, float(portfolios.assets.max()))
    # Round 1 for every draw; then only the unsettled draws, kept compact, their columns written
    # back as they settle.
    result = _round(portfolios, weights, first)
    rounds = np.ones(first.shape[1], dtype=np.int64)
    change = result.sales.max(axis=0, initial=0.0)
    settled = change <= allowance
    residual = float(change[settled].max(initial=0.0))
    active = np.flatnonzero(~settled)
    step, shock = _columns(result, active), first[:, active]
    for completed in range(1, max_iterations + 1):
        if not active.size:
            return FireSale(result.losses, result.sales, -result.impact, result.liquidated, rounds, residual)
        if completed == max_iterations:
            break
        previous = step.sales
        step = _round(portfolios, weights, shock + step.losses)
        rounds[active] += 1
        change = np.abs(step.sales - previous).max(axis=0, initial=0.0)
        settled = change <= allowance
        if settled.any():
            residual = max(residual, float(change[settled].max()))
            done = active[settled]
            result.sales[:, done] = step.sales[:, settled]
            result.impact[:, done] = step.impact[:, settled]
            result.losses[:, done] = step.losses[:, settled]
            result.liquidated[:, done] = step.liquidated[:, settled]
            going = np.flatnonzero(~settled)
            active, step, shock = active[going], _columns(step, going), shock[:, going]
    raise NotConverged(
        "the fire sale did not settle within max_iterations",
        evidence={"residual": float(change.max()), "iterations": max_iterations, "tolerance": tol},
    )


def _columns(step: _Round, draws: IntArray) -> _Round:
    return _Round(
        step.sales[:, draws], step.impact[:, draws], step.losses[:, draws], step.liquidated[:, draws]
    )


def aggregate_vulnerability(portfolios: OverlappingPortfolios, returns: npt.ArrayLike) -> FloatArray:
    """GLT's aggregate vulnerability per draw: the share of the system's equity that one round of
    deleveraging wipes out after the asset-class returns ``F`` ``(K, S)``.

    In GLT's notation, ``A`` the diagonal of total assets, ``M`` the portfolio weights (``N x K``),
    ``B`` the diagonal of leverage, ``L`` the diagonal of illiquidity and ``E`` total equity:
    institutions' returns are ``M F``, their sales ``A B M F``, the price moves ``L M' A B M F`` and
    the system's loss ``1' A M L M' A B M F``, so ``AV = -1' A M L M' A B M F / E`` (positive for a
    loss). The formula is linear: it has institutions that gained buy and no cap on sales or
    prices, so it matches :func:`fire_sale_one_round` only where those do not arise.
    """
    moves = _checked(returns, "returns", (portfolios.holdings.shape[1], None), -1.0)
    a = np.diag(portfolios.assets)
    m = portfolios.weights
    b = np.diag(portfolios.leverage)
    impact = np.diag(portfolios.illiquidity)
    ones = np.ones(portfolios.holdings.shape[0])
    system_loss = -(ones @ a @ m @ impact @ m.T @ a @ b @ m @ moves)
    return np.asarray(system_loss / math.fsum(portfolios.equity), dtype=np.float64)
