"""Threshold cascades (Furfine): an institution fails when its losses reach its capital.

``L[j, i]`` is ``i``'s claim on ``j``. Each institution ``i`` has capital ``K_i`` and takes a direct
loss ``s_i``. Round 0 fails every institution with ``s_i >= K_i``; each later round charges every
institution ``lgd`` times its claims on the failed ones, ``loss_i = s_i + lgd * sum_{j failed} L[j, i]``,
and fails those with ``loss_i >= K_i``, until a round fails nobody new. Unlike clearing, nothing
is recovered in between: a claim on a failed institution loses ``lgd`` of its face value at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from custos.risk.engine.contagion.validation import (
    BoolArray,
    FloatArray,
    MatrixLike,
    Sparse,
    amounts,
    fraction,
    square_matrix,
)


@dataclass(frozen=True)
class ThresholdResult:
    """One cascade: who failed, the equity each lost (loss capped at capital) and how many rounds
    after round 0 failed someone new."""

    defaulted: BoolArray
    losses: FloatArray
    rounds: int


@dataclass(frozen=True)
class BatchThreshold:
    """Cascades for ``S`` scenarios: ``(n, S)`` arrays, and ``rounds`` per scenario ``(S,)``."""

    defaulted: BoolArray
    losses: FloatArray
    rounds: npt.NDArray[np.int64]


def _inputs(liabilities: MatrixLike, capital: npt.ArrayLike, lgd: float) -> tuple[Sparse, FloatArray, float]:
    matrix = square_matrix(liabilities, "L", zero_diagonal=True)
    return matrix, amounts(capital, "capital", matrix.shape[0], columns=False), fraction(lgd, "lgd")


def threshold_cascade_exact(
    liabilities: MatrixLike, capital: npt.ArrayLike, shock: npt.ArrayLike, lgd: float
) -> ThresholdResult:
    """The cascade for one shock ``(n,)``, round by round over dense rows.

    Each round sums the failed debtors' rows in index order, the order the batched method's sparse
    product adds them in, so both reach the same floating-point losses.
    """
    matrix, buffer, lgd = _inputs(liabilities, capital, lgd)
    dense = matrix.toarray()
    direct = amounts(shock, "shock", buffer.size, columns=False)
    defaulted = direct >= buffer
    rounds = 0
    while True:
        claims = np.zeros(buffer.size)
        for j in range(buffer.size):
            if defaulted[j]:
                claims += dense[j]
        loss = direct + lgd * claims
        fresh = (loss >= buffer) & ~defaulted
        if not fresh.any():
            return ThresholdResult(defaulted=defaulted, losses=np.minimum(loss, buffer), rounds=rounds)
        defaulted |= fresh
        rounds += 1


def threshold_cascade_batched(
    liabilities: MatrixLike, capital: npt.ArrayLike, shock: npt.ArrayLike, lgd: float
) -> BatchThreshold:
    """Cascades for the shocks in the columns of ``shock`` ``(n, S)``, one sparse product a round."""
    matrix, buffer, lgd = _inputs(liabilities, capital, lgd)
    direct = amounts(shock, "shock", buffer.size, columns=True)
    claims_on = matrix.T.tocsr()
    threshold = buffer[:, None]
    defaulted = direct >= threshold
    rounds = np.zeros(direct.shape[1], dtype=np.int64)
    count = 0
    while True:
        loss = direct + lgd * (claims_on @ defaulted.astype(np.float64))
        fresh = (loss >= threshold) & ~defaulted
        if not fresh.any():
            return BatchThreshold(defaulted=defaulted, losses=np.minimum(loss, threshold), rounds=rounds)
        defaulted |= fresh
        count += 1
        rounds[fresh.any(axis=0)] = count
