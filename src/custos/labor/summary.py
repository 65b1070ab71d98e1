"""Monte Carlo results as people read them: the 5th, 50th and 95th percentiles over the draws.

Percentiles are numpy's default (linear interpolation between the order statistics), so a
summary can be recomputed from the draws by anyone with the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
LEVELS = (5.0, 50.0, 95.0)


@dataclass(frozen=True)
class Percentiles:
    """Percentiles over the draws of a figure, one entry per year (or per row of a table)."""

    p5: FloatArray
    p50: FloatArray
    p95: FloatArray

    def as_dict(self) -> dict[str, list[float]]:
        return {"p5": self.p5.tolist(), "p50": self.p50.tolist(), "p95": self.p95.tolist()}


def percentiles(samples: FloatArray) -> Percentiles:
    """Percentiles over the first axis (the draws) of ``samples``."""
    p5, p50, p95 = np.percentile(samples, LEVELS, axis=0)
    return Percentiles(p5=p5, p50=p50, p95=p95)
