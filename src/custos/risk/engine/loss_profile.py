"""Each entity's loss distribution over every draw, kept small: counts and sums of its losses in
fixed bins, from which the expected payout of any layer of its losses follows with a stated bound.

The insurance layer of a firm attaches at its capital requirement, which is known only when the
run is done, yet its expected payout, ``E[min(max(L − K, 0), M)]``, needs every draw, not only the
tail the run keeps. Writing ``LEV(x) = E[min(L, x)]`` (the limited expected value), the payout is
``LEV(K + M) − LEV(K)``, and ``LEV`` at any point follows from how many losses fell in each bin
and what they summed to:

- a bin wholly below ``x`` adds its sum, a bin wholly above adds ``x`` times its count, exactly;
- in the bin holding ``x``, ``[a, b]`` (its edges narrowed to the smallest and largest loss
  seen) with ``c`` losses of mean ``m``, ``min(L, x)`` is concave in
  ``L``, so over any distribution on ``[a, b]`` with that mean it lies between the chord,
  ``c·(a + (m − a)(x − a)/(b − a))``, and Jensen's bound, ``c·min(m, x)``. The estimate is the
  middle of the two, and half their distance is its bound.

The bins are geometric in each entity's own scale (its largest plausible loss): below
``scale·10⁻⁶``, then ``BINS − 2`` bins with a constant ratio up to the scale, then everything
above it; the first and the last bins reach to the smallest and largest loss seen. A layer's
expected payout is exact when its ends fall on bin edges, and off by at most its bound, which is
about the mass of the two bins its ends fall in times their width, otherwise. Counts and sums
add up over chunks, so the profile of a run is the same wherever its chunks ran.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from custos.risk.engine.network import Network

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Bins per entity at most; fewer when the entities are so many that this would take too much.
BINS = 128
#: The fewest bins per entity.
MIN_BINS = 16
#: The most a chunk's profile may take, in bytes (counts and sums, 16 bytes a bin).
PROFILE_MEMORY = 64 * 2**20
#: Where the geometric bins start, as a share of each entity's scale.
FLOOR = 1e-6


def bins_for(entities: int) -> int:
    """As many bins as ``PROFILE_MEMORY`` allows for this many entities, between the bounds."""
    return int(min(BINS, max(MIN_BINS, PROFILE_MEMORY // (16 * max(entities, 1)))))


@njit(cache=True, parallel=True)
def _bin_losses(
    losses: FloatArray,
    floor: FloatArray,
    log_ratio: float,
    counts: IntArray,
    sums: FloatArray,
    low: FloatArray,
    high: FloatArray,
) -> None:
    """Count and sum every entity's losses in its bins, and keep its extremes: entities in
    parallel, each row once. A loss at or below the floor falls in bin 0; above it, in bin
    ``ceil(log(loss / floor) / log(ratio))``, at most the last."""
    entities, draws = losses.shape
    last = counts.shape[1] - 1
    for entity in prange(entities):
        smallest, largest = np.inf, -np.inf
        for draw in range(draws):
            loss = losses[entity, draw]
            smallest, largest = min(smallest, loss), max(largest, loss)
            k = 0
            if loss > floor[entity]:
                k = min(max(math.ceil(math.log(loss / floor[entity]) / log_ratio), 1), last)
            counts[entity, k] += 1
            sums[entity, k] += loss
        low[entity], high[entity] = smallest, largest


@dataclass(frozen=True)
class Bins:
    """Every entity's bin edges: bin 0 holds losses up to ``floor``, bin k (1 ≤ k ≤ B − 2) those
    in ``(floor·r^(k−1), floor·r^k]``, bin B − 1 those above ``floor·r^(B−2)``, the scale."""

    floor: FloatArray  # (entities,)
    ratio: float
    count: int

    @classmethod
    def of(cls, scale: npt.ArrayLike, count: int) -> Bins:
        """Bins for entities whose largest plausible losses are ``scale`` (a scale of 0 or less is
        taken as 1: such an entity should lose nothing, and a loss it has still lands in a bin)."""
        largest = np.asarray(scale, dtype=np.float64)
        largest = np.where(largest > 0, largest, 1.0)
        return cls(largest * FLOOR, float((1 / FLOOR) ** (1 / (count - 2))), count)

    def edges(self, low: FloatArray, high: FloatArray) -> FloatArray:
        """Every bin's lower and upper edge per entity (entities × (B + 1)), narrowed to the
        smallest and largest loss seen: no loss lies outside them, so a bin's losses lie within its
        narrowed edges, and a layer's end beyond every loss is exact."""
        powers = self.ratio ** np.arange(self.count - 1, dtype=np.float64)
        inner = self.floor[:, None] * powers[None, :]
        edges = np.hstack(
            [np.minimum(low, inner[:, 0])[:, None], inner, np.maximum(high, inner[:, -1])[:, None]]
        )
        return np.asarray(np.clip(edges, low[:, None], high[:, None]), dtype=np.float64)


@dataclass(frozen=True)
class EntityBins:
    """The bins of a network's institutions and deployments, each in its own scale: what an
    institution can lose at most, its equity and what its external creditors are owed (its equity
    gone and its external creditors unpaid, under any contagion model), and a deployment's
    exposure (its allocated loss can exceed it when contagion adds to it: the last bin takes that)."""

    institutions: Bins
    deployments: Bins

    @classmethod
    def of(cls, network: Network) -> EntityBins:
        scale = network.equity + network.external_liabilities
        return cls(
            Bins.of(scale, bins_for(scale.size)),
            Bins.of(network.deployment_exposure, bins_for(len(network.deployments))),
        )


@dataclass(frozen=True)
class LossProfile:
    """Per entity: how many draws' losses fell in each bin and their sum, and the extremes."""

    draws: int
    counts: IntArray  # (entities, bins)
    sums: FloatArray  # (entities, bins)
    low: FloatArray  # (entities,) smallest loss seen
    high: FloatArray  # (entities,) largest loss seen

    @classmethod
    def of(cls, bins: Bins, losses: FloatArray) -> LossProfile:
        """The profile of one chunk's losses (entities × draws), in one compiled pass over them."""
        entities, draws = losses.shape
        counts = np.zeros((entities, bins.count), dtype=np.int64)
        sums = np.zeros((entities, bins.count))
        low, high = np.full(entities, np.inf), np.full(entities, -np.inf)
        _bin_losses(
            np.ascontiguousarray(losses, dtype=np.float64),
            bins.floor,
            math.log(bins.ratio),
            counts,
            sums,
            low,
            high,
        )
        return cls(draws, counts, sums, low, high)

    @classmethod
    def empty(cls, bins: Bins, entities: int) -> LossProfile:
        """The profile of no draws, to fold chunks into."""
        return cls(
            0,
            np.zeros((entities, bins.count), dtype=np.int64),
            np.zeros((entities, bins.count)),
            np.full(entities, np.inf),
            np.full(entities, -np.inf),
        )

    def plus(self, other: LossProfile) -> LossProfile:
        return LossProfile(
            self.draws + other.draws,
            self.counts + other.counts,
            self.sums + other.sums,
            np.minimum(self.low, other.low),
            np.maximum(self.high, other.high),
        )

    def limited_expected_value(self, bins: Bins, x: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """``E[min(L, x)]`` per entity at its own ``x``, and the bound on its error."""
        at = np.broadcast_to(np.asarray(x, dtype=np.float64), self.low.shape)
        edges = bins.edges(self.low, self.high)
        entities = np.arange(at.size)
        # the bin holding x: the last whose lower edge lies below x (bin 0 when x is below them all)
        holding = np.clip((edges[:, :-1] < at[:, None]).sum(axis=1) - 1, 0, bins.count - 1)
        position = np.arange(bins.count)[None, :]
        below = position < holding[:, None]
        above = position > holding[:, None]
        exact = (self.sums * below).sum(axis=1) + at * (self.counts * above).sum(axis=1)
        count = self.counts[entities, holding].astype(np.float64)
        total = self.sums[entities, holding]
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        a, b = edges[entities, holding], edges[entities, holding + 1]
        width = b - a
        slope = np.divide(np.clip(at, a, b) - a, width, out=np.ones_like(width), where=width > 0)
        chord = count * (a + (mean - a) * slope)
        jensen = count * np.minimum(mean, at)
        lower, upper = np.minimum(chord, jensen), np.maximum(chord, jensen)
        # below every loss seen, min(L, x) is x; above them all, L: exact either way
        outside = np.where(at <= a, count * at, total)
        beyond = (at <= a) | (at >= b)
        lower, upper = np.where(beyond, outside, lower), np.where(beyond, outside, upper)
        value = (exact + (lower + upper) / 2) / self.draws
        return value, (upper - lower) / 2 / self.draws

    def layer_payout(
        self, bins: Bins, attachment: npt.ArrayLike, limit: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """The expected payout of the layer ``(attachment, attachment + limit]`` per entity, and
        the bound on its error; an infinite limit takes every loss above the attachment."""
        start = np.asarray(attachment, dtype=np.float64)
        cover = np.asarray(limit, dtype=np.float64)
        below, below_error = self.limited_expected_value(bins, start)
        mean = self.sums.sum(axis=1) / self.draws
        finite = np.isfinite(cover)
        top, top_error = self.limited_expected_value(bins, np.where(finite, start + cover, 0.0))
        top = np.where(finite, top, mean)
        top_error = np.where(finite, top_error, 0.0)
        return np.maximum(top - below, 0.0), below_error + top_error
