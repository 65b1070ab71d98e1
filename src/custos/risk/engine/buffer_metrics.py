"""What each institution and deployment must hold, layer by layer, from one simulated tail.

Capital, insurance and the pool take each euro of an entity's loss in turn (``layering``): the
capital its first ``K``, an insurance layer of limit ``M`` attaching where the capital ends the
next ``M``, the pool the rest. The requirements all come from the entity's losses in the capital
level's tail draws, the draws the system's expected shortfall averages:

- **capital** ``K``: the mean tail loss, its Euler contribution to the expected shortfall, so the
  contributions add up to it;
- **insurance**: the reference layer each entity is priced for has a limit of ``insurance_layer``
  times its capital (the scenario's ``buffers``); the layer's **requirement** is what it pays on
  average in the tail draws, and its **premium** its expected payout over every draw plus the
  cost of capital on what the tail asks beyond that, ``E[payout] + c·max(tail payout − E[payout],
  0)``. The expected payout comes from the entity's loss profile (``loss_profile``), with the
  bound on its error;
- **pool**: the pool's **requirement** of an entity is the tail mean of what its losses leave
  beyond its capital and its layer; the pool itself is sized to the system loss's value at risk
  at ``pool_quantile``, and shared out in proportion to those requirements, so an entity pays into
  the pool what its own tail puts on it, not in proportion to its capital. When no entity's tail
  reaches beyond its capital and layer (every loss certain, say), the pool is shared in
  proportion to capital, and the result says so.

A negative tail loss (a gain in that draw) lowers the Euler capital, as it lowers the expected
shortfall, but no layer pays a gain: the layers share out the losses' positive part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from custos.risk.engine.layering import absorb
from custos.risk.engine.loss_profile import Bins, LossProfile
from custos.risk.engine.scenario import Buffers

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LayeredBuffers:
    """Per entity, every figure of its buffers; ``pool_by_capital`` when the pool is shared in
    proportion to capital because no tail reached it."""

    expected_loss: FloatArray
    capital: FloatArray
    insurance_limit: FloatArray
    insurance_requirement: FloatArray
    expected_payout: FloatArray
    payout_error: FloatArray
    premium: FloatArray
    pool_requirement: FloatArray
    pool: FloatArray
    pool_by_capital: bool

    def row(self, k: int) -> dict[str, float]:
        """Entity ``k``'s figures as a run's results name them."""
        return {
            "expected_loss": float(self.expected_loss[k]),
            "capital": float(self.capital[k]),
            "insurance_limit": float(self.insurance_limit[k]),
            "insurance_requirement": float(self.insurance_requirement[k]),
            "expected_insurance_payout": float(self.expected_payout[k]),
            "premium": float(self.premium[k]),
            "premium_error": float(self.payout_error[k]),
            "pool_requirement": float(self.pool_requirement[k]),
            "pool_contribution": float(self.pool[k]),
        }


def layered_buffers(
    mean_loss: FloatArray,
    tail: FloatArray,
    profile: LossProfile,
    bins: Bins,
    pool_size: float,
    settings: Buffers,
) -> LayeredBuffers:
    """``tail`` holds the entities' losses in the capital level's tail draws (draws × entities)."""
    capital = tail.mean(axis=0)  # a run's capital tail holds at least one draw
    held = np.maximum(capital, 0.0)
    limit = settings.insurance_layer * held
    in_tail = absorb(np.maximum(tail, 0.0), held, limit)
    requirement = in_tail.insurance.mean(axis=0)
    beyond = in_tail.pool.mean(axis=0)
    payout, error = profile.layer_payout(bins, held, limit)
    premium = payout + settings.cost_of_capital * np.maximum(requirement - payout, 0.0)
    by_capital = not beyond.sum() > 0
    weights = held if by_capital else beyond
    total = weights.sum()
    pool = pool_size * weights / total if total > 0 else np.zeros_like(held)
    return LayeredBuffers(
        expected_loss=mean_loss,
        capital=capital,
        insurance_limit=limit,
        insurance_requirement=requirement,
        expected_payout=payout,
        payout_error=error,
        premium=premium,
        pool_requirement=beyond,
        pool=pool,
        pool_by_capital=by_capital,
    )
