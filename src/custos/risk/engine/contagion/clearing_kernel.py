"""Clearing many scenarios at once: a compiled, batched fixed-point iteration on the shortfalls.

Scenarios are columns. Write ``d = pbar - p >= 0`` for the shortfall, ``xbar = Pi^T pbar`` for what
each institution would receive if everyone paid in full, ``w = e + xbar - pbar`` for its net worth
then, and ``c = Pi^T d`` for the inflow it misses. An institution is solvent while ``c <= w`` and
otherwise falls short by ``pbar - alpha e - beta (xbar - c)``. Iterating that map from ``d = 0``
(everyone paying in full) climbs monotonically to the least shortfall, which is the greatest
clearing vector.

Shortfalls are sparse: only defaulted institutions have one, and late in the iteration only a few
of them still move. So the kernel propagates changes instead of recomputing products: a sweep
re-evaluates only the institutions whose missed inflow changed (flagged in one byte each) and
pushes each change of a shortfall along the debtor's row of ``Pi`` in CSR
(``c[j] += Pi[i, j] * delta_d[i]``), so its cost is proportional to the non-zeros of the rows that
moved. Sweeps run in index order and push at once (Gauss–Seidel order), so an institution later in
the sweep already sees the changes before it; every update applies the map to a vector below the
fixed point, so the iterates still climb monotonically to the least shortfall, in fewer sweeps.

Scenarios are processed in blocks of up to ``BLOCK`` columns, dealt round-robin to the threads.
A block's working arrays are ``(n, width)``: a CSR entry, once read, updates ``width`` contiguous
scenarios with a few vector instructions, and for networks of some ten thousand institutions a
block's arrays stay in cache. Three choices keep the rest cheap:

- The scenarios are first copied into block-major form ``(blocks, n, width)`` in one streaming pass,
  and the results copied back the same way: gathering a block's columns row by row from the
  ``(n, S)`` input instead costs a cache and TLB miss per row per block, which dominated.
- A block touches the union of its scenarios' defaulted rows, so blocks group scenarios of like
  severity (counted as institutions insolvent before any contagion): such scenarios mostly
  default the same institutions.
- Each thread allocates its working arrays once, and a block's payments overwrite its staged
  assets: fresh memory is expensive to touch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt
from numba import njit, prange

from custos.risk.engine.contagion.errors import NotConverged
from custos.risk.engine.contagion.obligations import obligations
from custos.risk.engine.contagion.validation import (
    BoolArray,
    FloatArray,
    MatrixLike,
    amounts,
    fraction,
    iteration_limits,
)

#: Most scenarios per block: enough to fill a few vector registers per CSR entry read, few enough
#: that a block's working arrays stay in cache.
BLOCK = 32


@dataclass(frozen=True)
class BatchClearing:
    """Greatest clearing vectors for ``S`` scenarios, as ``(n, S)`` arrays.

    ``iterations`` is the most sweeps any block of scenarios needed; ``residual`` is the largest
    ``|Phi(p) - p|`` of the returned payments, at most ``tolerance`` (the absolute bound,
    ``tol * max(1, max pbar)``). ``nonzeros_touched`` counts the non-zeros of ``Pi`` the kernel
    pushed along, summed over sweeps and blocks, and ``scenario_nonzeros_touched`` the same times
    the block width (the scenario columns each push updated, a filled-up last block included):
    the work a memory-traffic model needs.
    """

    payments: FloatArray
    defaulted: BoolArray
    iterations: int
    residual: float
    tolerance: float
    nonzeros_touched: int
    scenario_nonzeros_touched: int


@njit(cache=True, fastmath=False, inline="always")
def _shortfall(own: float, missed: float, owed: float, owed_to: float, alpha: float, beta: float) -> float:
    """How far an institution falls short of its obligations ``owed``, given its external assets
    ``own`` and the inflow it misses (``owed_to`` is its inflow when everyone pays): zero while solvent."""
    target = 0.0
    if missed > own + owed_to - owed:
        target = min(owed, owed - alpha * own - beta * (owed_to - missed))
    return target


@njit(cache=True, parallel=True, fastmath=False)
def _stage(assets: FloatArray, order: npt.NDArray[np.int64], staged: FloatArray) -> None:
    """Copy the scenario columns, in ``order``, into block-major ``(blocks, n, width)`` form: one
    streaming pass over the rows instead of a strided gather per block."""
    blocks, n, width = staged.shape
    for i in prange(n):
        for block in range(blocks):
            for k in range(width):
                staged[block, i, k] = assets[i, order[block * width + k]]


@njit(cache=True, parallel=True, fastmath=False)
def _unstage(
    staged: FloatArray,
    insolvent: BoolArray,
    order: npt.NDArray[np.int64],
    payments: FloatArray,
    defaulted: BoolArray,
) -> None:
    """Scatter the block-major results back to the scenarios' columns."""
    blocks, n, width = staged.shape
    scenarios = payments.shape[1]
    for i in prange(n):
        for block in range(blocks):
            for k in range(min(width, scenarios - block * width)):
                column = order[block * width + k]
                payments[i, column] = staged[block, i, k]
                defaulted[i, column] = insolvent[block, i, k]


@njit(cache=True, fastmath=False)
def _clear_block(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.uint32],
    data: FloatArray,
    total: FloatArray,
    full_inflow: FloatArray,
    own_assets: FloatArray,
    alpha: float,
    beta: float,
    bound: float,
    max_iterations: int,
    insolvent: BoolArray,
    shortfall: FloatArray,
    missed: FloatArray,
    step: FloatArray,
    queued: BoolArray,
) -> tuple[int, float, int]:
    """Clear one block: ``own_assets`` and ``insolvent`` are the block's ``(n, width)`` slices, the
    others the thread's working arrays. On return ``own_assets`` holds the block's payments.

    Returns (sweeps, residual, non-zeros pushed). The block width is a run-time value on purpose:
    with a constant trip count LLVM unrolls the loops over the block into scalar code before its
    vectoriser sees them.
    """
    n, width = own_assets.shape
    for i in range(n):
        for k in range(width):
            shortfall[i, k] = 0.0
            missed[i, k] = 0.0
        queued[i] = True
    iterations = 0
    touched = 0
    residual = np.inf
    while residual > bound and iterations < max_iterations:
        iterations += 1
        exceeding = 0
        for i in range(n):
            if not queued[i]:
                continue
            queued[i] = False
            owed = total[i]
            owed_to = full_inflow[i]
            moved = 0
            for k in range(width):
                target = _shortfall(own_assets[i, k], missed[i, k], owed, owed_to, alpha, beta)
                step[k] = target - shortfall[i, k]
                shortfall[i, k] = target
                moved += step[k] > 0.0
                exceeding += step[k] > bound
            if moved:
                for entry in range(indptr[i], indptr[i + 1]):
                    j = indices[entry]
                    share = data[entry]
                    for k in range(width):
                        missed[j, k] += share * step[k]
                    queued[j] = True
                touched += indptr[i + 1] - indptr[i]
        if exceeding == 0 or iterations == max_iterations:
            # Only institutions whose missed inflow changed since their last update can be off.
            residual = 0.0
            for i in range(n):
                if queued[i]:
                    for k in range(width):
                        target = _shortfall(
                            own_assets[i, k], missed[i, k], total[i], full_inflow[i], alpha, beta
                        )
                        residual = max(residual, target - shortfall[i, k])
    for i in range(n):
        for k in range(width):
            insolvent[i, k] = missed[i, k] > own_assets[i, k] + full_inflow[i] - total[i]
            own_assets[i, k] = total[i] - shortfall[i, k]
    return iterations, residual, touched


@njit(cache=True, parallel=True, fastmath=False)
def _clear(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.uint32],
    data: FloatArray,
    total: FloatArray,
    full_inflow: FloatArray,
    staged: FloatArray,
    threads: int,
    alpha: float,
    beta: float,
    bound: float,
    max_iterations: int,
    insolvent: BoolArray,
) -> tuple[npt.NDArray[np.int64], FloatArray, npt.NDArray[np.int64]]:
    """Deal the blocks round-robin to the threads; each thread allocates its working arrays once."""
    blocks, n, width = staged.shape
    iterations = np.zeros(blocks, dtype=np.int64)
    residuals = np.zeros(blocks)
    touched = np.zeros(blocks, dtype=np.int64)
    for thread in prange(threads):
        shortfall = np.empty((n, width))
        missed = np.empty((n, width))
        step = np.empty(width)
        queued = np.empty(n, dtype=np.bool_)
        for block in range(thread, blocks, threads):
            iterations[block], residuals[block], touched[block] = _clear_block(
                indptr,
                indices,
                data,
                total,
                full_inflow,
                staged[block],
                alpha,
                beta,
                bound,
                max_iterations,
                insolvent[block],
                shortfall,
                missed,
                step,
                queued,
            )
    return iterations, residuals, touched


def clearing_batched(
    liabilities: MatrixLike,
    external_assets: npt.ArrayLike,
    external_liabilities: npt.ArrayLike | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    tol: float = 1e-12,
    max_iterations: int = 10_000,
) -> BatchClearing:
    """Greatest clearing vectors for the scenarios in the columns of ``external_assets`` ``(n, S)``.

    Sweeps stop once no shortfall moves by more than ``tol * max(1, max pbar)`` and the residual
    ``max |Phi(p) - p|`` of the payments, measured on the institutions whose inflow changed since
    they were last updated, is within that bound too. Raises :class:`NotConverged` if
    ``max_iterations`` sweeps do not get there.
    """
    network = obligations(liabilities, external_liabilities)
    total = network.total
    assets = amounts(external_assets, "external_assets", total.size, columns=True)
    alpha, beta = fraction(alpha, "alpha"), fraction(beta, "beta")
    tol, max_iterations = iteration_limits(tol, max_iterations)
    relative = network.relative
    full_inflow = np.asarray(relative.T @ total, dtype=np.float64)
    n, scenarios = assets.shape
    # Enough blocks to keep every thread busy even when there are fewer than BLOCK per thread.
    threads = numba.get_num_threads()
    blocks = max(-(-scenarios // BLOCK), min(scenarios, threads))
    width = -(-scenarios // blocks)
    blocks = -(-scenarios // width)
    # Blocks of like severity (see the module docstring); the last is filled up with its last scenario.
    severity = np.count_nonzero(assets < (total - full_inflow)[:, None], axis=0)
    order = np.argsort(severity, kind="stable")
    order = np.concatenate([order, np.full(blocks * width - scenarios, order[-1])])
    staged = np.empty((blocks, n, width))
    _stage(assets, order, staged)
    insolvent = np.empty(staged.shape, dtype=bool)
    bound = tol * max(1.0, float(total.max()))
    iterations, residuals, touched = _clear(
        relative.indptr.astype(np.int64),
        relative.indices.astype(np.uint32),
        relative.data,
        total,
        full_inflow,
        staged,
        min(threads, blocks),
        alpha,
        beta,
        bound,
        max_iterations,
        insolvent,
    )
    residual = float(residuals.max())
    if residual > bound:
        raise NotConverged(
            "the batched clearing did not settle within max_iterations",
            evidence={"residual": residual, "iterations": max_iterations, "tolerance": bound},
        )
    payments = np.empty(assets.shape)
    defaulted = np.empty(assets.shape, dtype=bool)
    _unstage(staged, insolvent, order, payments, defaulted)
    return BatchClearing(
        payments=payments,
        defaulted=defaulted,
        iterations=int(iterations.max()),
        residual=residual,
        tolerance=bound,
        nonzeros_touched=int(touched.sum()),
        scenario_nonzeros_touched=int(touched.sum()) * width,
    )
