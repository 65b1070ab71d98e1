"""Clearing one scenario at a time: the exact greatest clearing vector and a plain reference loop.

Rogers and Veraart's model: a solvent institution pays its obligations ``pbar`` in full; one that
cannot (``e + Pi^T p < pbar``) pays ``alpha * e + beta * Pi^T p``, a share of its external assets
and of what it receives, the rest lost to default costs. Eisenberg and Noe's model is the case
``alpha = beta = 1``. Among the clearing vectors we want the greatest: the one creditors would
reach if everyone paid as much as the rules allow.

:func:`clearing_exact` is the default-by-default method (Eisenberg and Noe's fictitious default
algorithm, Rogers and Veraart's Greatest Clearing Vector Algorithm): it is exact up to linear
algebra and dense, so it suits networks of up to a few thousand institutions and serves as the
truth the batched kernel is tested against. :func:`clearing_picard_scipy` is the textbook fixed
point loop on scipy's sparse products, the baseline the benchmark compares the kernel with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from custos.risk.engine.contagion.errors import NotConverged
from custos.risk.engine.contagion.obligations import Obligations, obligations
from custos.risk.engine.contagion.validation import (
    BoolArray,
    FloatArray,
    MatrixLike,
    amounts,
    fraction,
    iteration_limits,
)


@dataclass(frozen=True)
class ClearingResult:
    """The clearing of one scenario.

    ``rounds`` counts the default-set updates of the exact method, or the fixed-point iterations
    of the reference loop. ``equity`` is ``e + Pi^T p - p`` for a solvent institution and zero for
    a defaulted one (in Rogers and Veraart's model the difference is lost to default costs).
    ``external_paid`` is what reaches creditors outside the network, ``p * external / pbar``.
    """

    payments: FloatArray
    defaulted: BoolArray
    rounds: int
    equity: FloatArray
    external_paid: FloatArray


def _settle(
    network: Obligations, assets: FloatArray, payments: FloatArray, defaulted: BoolArray, rounds: int
) -> ClearingResult:
    inflow = network.relative.T @ payments
    equity = np.where(defaulted, 0.0, np.maximum(0.0, assets + inflow - payments))
    share = np.divide(network.external, network.total, out=np.zeros_like(payments), where=network.total > 0)
    return ClearingResult(
        payments=payments, defaulted=defaulted, rounds=rounds, equity=equity, external_paid=payments * share
    )


def _inputs(
    liabilities: MatrixLike,
    external_assets: npt.ArrayLike,
    external_liabilities: npt.ArrayLike | None,
    alpha: float,
    beta: float,
) -> tuple[Obligations, FloatArray, float, float]:
    network = obligations(liabilities, external_liabilities)
    assets = amounts(external_assets, "external_assets", network.total.size, columns=False)
    return network, assets, fraction(alpha, "alpha"), fraction(beta, "beta")


def clearing_exact(
    liabilities: MatrixLike,
    external_assets: npt.ArrayLike,
    external_liabilities: npt.ArrayLike | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
) -> ClearingResult:
    """The greatest clearing vector by the default-by-default method.

    Start with nobody in default and everyone paying ``pbar``. Each round, the institutions that
    cannot pay in full given the current payments join the defaulted set ``D``; the solvent pay
    ``pbar`` and the payments of ``D`` solve the linear system
    ``(I - beta * Pi_DD^T) p_D = alpha * e_D + beta * Pi_SD^T pbar_S``. The defaulted set only grows,
    so at most ``n`` rounds; when a round adds nobody the payments clear.
    """
    network, assets, alpha, beta = _inputs(liabilities, external_assets, external_liabilities, alpha, beta)
    relative = network.relative.toarray()
    total = network.total
    payments = total.copy()
    defaulted = np.zeros(total.size, dtype=bool)
    rounds = 0
    while True:
        insolvent = assets + relative.T @ payments < total
        if not (insolvent & ~defaulted).any():
            return _settle(network, assets, payments, defaulted, rounds)
        defaulted |= insolvent
        rounds += 1
        solvent = ~defaulted
        block = relative[np.ix_(defaulted, defaulted)]
        received = relative[np.ix_(solvent, defaulted)].T @ total[solvent]
        payments = total.copy()
        payments[defaulted] = np.clip(
            np.linalg.solve(
                np.eye(block.shape[0]) - beta * block.T, alpha * assets[defaulted] + beta * received
            ),
            0.0,
            total[defaulted],
        )


def clearing_picard_scipy(
    liabilities: MatrixLike,
    external_assets: npt.ArrayLike,
    external_liabilities: npt.ArrayLike | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    tol: float = 1e-12,
    max_iterations: int = 10_000,
) -> ClearingResult:
    """The plain fixed-point loop ``p <- Phi(p)`` from ``p = pbar``, one scipy sparse product a round.

    ``Phi(p)_i`` is ``pbar_i`` when ``e_i + (Pi^T p)_i >= pbar_i`` and ``alpha e_i + beta (Pi^T p)_i``
    otherwise. It stops when no payment moves by more than ``tol * max(1, max pbar)``.
    """
    network, assets, alpha, beta = _inputs(liabilities, external_assets, external_liabilities, alpha, beta)
    tol, max_iterations = iteration_limits(tol, max_iterations)
    transposed = network.relative.T.tocsr()
    total = network.total
    bound = tol * max(1.0, float(total.max()))
    payments = total.copy()
    for iteration in range(1, max_iterations + 1):
        inflow = transposed @ payments
        updated = np.where(assets + inflow >= total, total, alpha * assets + beta * inflow)
        residual = float(np.abs(updated - payments).max())
        payments = updated
        if residual <= bound:
            return _settle(network, assets, payments, assets + transposed @ payments < total, iteration)
    raise NotConverged(
        "the fixed-point loop did not settle within max_iterations",
        evidence={"residual": residual, "iterations": max_iterations, "tolerance": bound},
    )
