"""DebtRank: how distress spreads through exposures when losses are marked before any default.

``W[i, j]`` is the impact of ``j``'s distress on ``i``: ``i``'s exposure to ``j`` over ``i``'s equity.
``h`` is each institution's relative equity loss, in ``[0, 1]``, and ``h0`` the initial shock.

Two rules are in use. The differential rule (Bardoscia et al. 2015) passes on every increase:
``h(t + 1) = min(1, h(t) + W (h(t) - h(t - 1)))`` with ``h(-1) = 0``, which is the Picard iteration
of ``Phi(h) = min(1, h0 + W h)`` from ``h0`` and climbs to its least fixed point. The single-hit rule
(Battiston et al. 2012) lets each institution pass on its distress only once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from custos.core.errors import InvalidInput
from custos.risk.engine.contagion.errors import NotConverged
from custos.risk.engine.contagion.validation import (
    FloatArray,
    MatrixLike,
    Sparse,
    amounts,
    iteration_limits,
    square_matrix,
)


@dataclass(frozen=True)
class BatchDebtRank:
    """Differential DebtRank for ``S`` scenarios: ``h`` is ``(n, S)``.

    ``residual`` is ``max |Phi(h) - h|`` of the returned ``h``, at most ``tolerance``; ``iterations``
    counts the applications of ``Phi``.
    """

    h: FloatArray
    iterations: int
    residual: float
    tolerance: float


def debtrank_weights(liabilities: MatrixLike, equity: npt.ArrayLike) -> Sparse:
    """``W[i, j] = L[j, i] / equity[i]``: what ``j`` owes ``i``, over ``i``'s equity, as a ``csr_array``.

    Equity must be positive: an institution with none has no buffer for a loss to be relative to.
    """
    matrix = square_matrix(liabilities, "L", zero_diagonal=True)
    capital = amounts(equity, "equity", matrix.shape[0], columns=False)
    if not capital.all():
        first = int(np.argmin(capital))
        raise InvalidInput(
            "equity must be positive for DebtRank weights",
            evidence={"entry": f"equity[{first}]", "value": float(capital[first])},
        )
    return sp.csr_array(sp.diags_array(1.0 / capital) @ matrix.T)


def _checked(weights: MatrixLike, shock: npt.ArrayLike, columns: bool) -> tuple[Sparse, FloatArray]:
    matrix = square_matrix(weights, "W", zero_diagonal=False)
    return matrix, amounts(shock, "h0", matrix.shape[0], columns=columns, upper=1.0)


def _not_applicable(saturated: npt.NDArray[np.bool_], level: float) -> InvalidInput:
    return InvalidInput(
        "the exact DebtRank method does not apply to this network (the spectral radius of the "
        "unsaturated block is at least 1); use debtrank_batched",
        evidence={"saturated": int(saturated.sum()), "lambda": level},
    )


def debtrank_exact(weights: MatrixLike, h0: npt.ArrayLike) -> FloatArray:
    """The least fixed point of ``h = min(1, h0 + W h)``, by an active-set homotopy.

    Scale the shock by ``lambda`` from 0 to 1. With the set ``S`` of saturated institutions
    (``h = 1``) fixed, the others follow the line ``h_U(lambda) = a + lambda b`` solving
    ``(I - W_UU) h_U = lambda h0_U + W_US 1``; walk to the next ``lambda`` at which one of them reaches
    1, saturate it and go on until ``lambda = 1``. Exact up to linear algebra, and dense; it needs
    the spectral radius of every ``W_UU`` below 1 and refuses the network otherwise (the batched
    iteration has no such limit).
    """
    matrix, shock = _checked(weights, h0, columns=False)
    dense = matrix.toarray()
    n = shock.size
    saturated = np.zeros(n, dtype=bool)
    level = 0.0
    while True:
        free = ~saturated
        block = np.eye(int(free.sum())) - dense[np.ix_(free, free)]
        pushed = dense[np.ix_(free, saturated)].sum(axis=1)
        try:
            line = np.linalg.solve(block, np.column_stack([pushed, shock[free]]))
        except np.linalg.LinAlgError as error:
            raise _not_applicable(saturated, level) from error
        if (line < -1e-12).any():
            raise _not_applicable(saturated, level)
        base, slope = line[:, 0], line[:, 1]
        # Where each free institution reaches 1 along the line; already there counts as now.
        reach = np.full(base.size, np.inf)
        rising = slope > 0
        reach[rising] = (1.0 - base[rising]) / slope[rising]
        reach[base >= 1.0] = level
        following = max(level, float(reach.min(initial=np.inf)))
        if following > 1.0:
            h = np.ones(n)
            h[free] = np.clip(base + slope, 0.0, 1.0)
            return h
        saturated[np.flatnonzero(free)[reach <= following]] = True
        level = following


def debtrank_batched(
    weights: MatrixLike, h0: npt.ArrayLike, tol: float = 1e-12, max_iterations: int = 10_000
) -> BatchDebtRank:
    """Differential DebtRank for the shocks in the columns of ``h0`` ``(n, S)``, by Picard iteration
    on sparse products: ``h <- min(1, h0 + W h)`` until no entry moves by more than ``tol``.

    The ``h`` returned is the one the last change was measured from, so its residual is exactly that
    change. Raises :class:`NotConverged` if ``max_iterations`` is reached first.
    """
    matrix, shock = _checked(weights, h0, columns=True)
    tol, max_iterations = iteration_limits(tol, max_iterations)
    h = shock
    for iteration in range(1, max_iterations + 1):
        updated = np.minimum(1.0, shock + matrix @ h)
        residual = float(np.abs(updated - h).max())
        if residual <= tol:
            return BatchDebtRank(h=h, iterations=iteration, residual=residual, tolerance=tol)
        h = updated
    raise NotConverged(
        "DebtRank did not settle within max_iterations",
        evidence={"residual": residual, "iterations": max_iterations, "tolerance": tol},
    )


def debtrank_single_hit_exact(weights: MatrixLike, h0: npt.ArrayLike) -> FloatArray:
    """Single-hit DebtRank, step by step as Battiston et al. state it (dense, one scenario).

    Institutions are undistressed, distressed or inactive; those with ``h0 > 0`` start distressed.
    Each step every institution adds ``W[i, j] * h_j`` for each ``j`` distressed in the previous step,
    at ``j``'s level then, capped at 1; the previously distressed turn inactive and any other
    institution with a loss turns distressed. It ends when nobody is distressed. So each
    institution passes on its distress once, in the step after it first becomes distressed, at the
    level it had then; later increases of its own loss are not passed on.
    """
    matrix, shock = _checked(weights, h0, columns=False)
    dense = matrix.toarray()
    n = shock.size
    h = shock.copy()
    distressed = [bool(h[i] > 0) for i in range(n)]
    inactive = [False] * n
    while any(distressed):
        updated = h.copy()
        for i in range(n):
            for j in range(n):
                if distressed[j]:
                    updated[i] += dense[i, j] * h[j]
            updated[i] = min(1.0, updated[i])
        for j in range(n):
            if distressed[j]:
                inactive[j] = True
        distressed = [bool(updated[i] > 0) and not inactive[i] for i in range(n)]
        h = updated
    return h


def debtrank_single_hit_batched(weights: MatrixLike, h0: npt.ArrayLike) -> FloatArray:
    """Single-hit DebtRank for the shocks in the columns of ``h0`` ``(n, S)``, one sparse product a
    step: the rule of :func:`debtrank_single_hit_exact`, vectorised over institutions and scenarios.
    """
    matrix, shock = _checked(weights, h0, columns=True)
    h = shock.copy()
    distressed = h > 0
    inactive = np.zeros(h.shape, dtype=bool)
    while distressed.any():
        h = np.minimum(1.0, h + matrix @ np.where(distressed, h, 0.0))
        inactive |= distressed
        distressed = (h > 0) & ~inactive
    return h
