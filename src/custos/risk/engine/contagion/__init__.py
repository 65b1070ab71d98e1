"""Financial contagion kernels: clearing, DebtRank and threshold cascades, exact and batched.

Conventions shared by every kernel: ``L[i, j]`` is what institution ``i`` owes institution ``j``
(zero diagonal); ``W[i, j]`` is the impact of ``j``'s distress on ``i`` relative to ``i``'s equity.
Batched kernels take scenarios as columns, ``(n, S)`` float64 arrays, so that each institution's
row holds its scenarios contiguously. The ``*_exact`` functions are plain, one scenario at a time,
and serve as the truth the batched kernels are tested against.
"""

from custos.risk.engine.contagion.clearing import ClearingResult, clearing_exact, clearing_picard_scipy
from custos.risk.engine.contagion.clearing_kernel import BatchClearing, clearing_batched
from custos.risk.engine.contagion.debtrank import (
    BatchDebtRank,
    debtrank_batched,
    debtrank_exact,
    debtrank_single_hit_batched,
    debtrank_single_hit_exact,
    debtrank_weights,
)
from custos.risk.engine.contagion.errors import NotConverged
from custos.risk.engine.contagion.threshold import (
    BatchThreshold,
    ThresholdResult,
    threshold_cascade_batched,
    threshold_cascade_exact,
)

__all__ = [
    "BatchClearing",
    "BatchDebtRank",
    "BatchThreshold",
    "ClearingResult",
    "NotConverged",
    "ThresholdResult",
    "clearing_batched",
    "clearing_exact",
    "clearing_picard_scipy",
    "debtrank_batched",
    "debtrank_exact",
    "debtrank_single_hit_batched",
    "debtrank_single_hit_exact",
    "debtrank_weights",
    "threshold_cascade_batched",
    "threshold_cascade_exact",
]
