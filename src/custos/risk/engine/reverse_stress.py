"""Reverse stress test: the fewest provider or model failures whose system loss reaches a threshold.

A supervisor asks the question backwards: not what a scenario costs, but what it would take to
cost a given amount. The loss of a set of failures is made deterministic: the units in the set
fail at the scenario's loss rates (a unit the scenario gives no loss rate causes no loss and is
never a candidate), the asset prices move by the scenario's mean moves (no volatility; a shock
tied to failures moves as the set's failures trigger it), and the scenario's contagion model
spreads the losses. A set *breaches* when its loss reaches or exceeds the threshold.

Method. Units are ranked by the loss their failure alone causes
(:func:`~custos.risk.engine.simulate.losses_alone`); every set of the top ``candidates`` is tried
by increasing size up to ``max_size``, each size as columns of vectorised ``propagate`` calls, and
the first size with a breaching set is the answer, with its breaching sets largest loss first
(up to ``REPORTED``). Exhaustive search over the candidates is exact for them; a unit ranked
lower could still join a smaller breaching set only by interacting with others, which the ranking
cannot see. When no set up to ``max_size`` breaches, the largest-loss set of that size is extended
greedily, each step adding the unit (of any rank) that raises the loss most, until it breaches or
every unit has failed: that size is an upper bound on the smallest, and is labelled so.

The loss is monotone in the failed set under these models (a failure only adds to deployments'
loss rates and takes fallbacks down; every contagion model's losses grow with the shocks), so a
set that breaches stays breaching when units are added, and the smallest size is well defined.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import combinations, islice

import numpy as np

from custos.core.errors import InvalidInput
from custos.risk.engine.network import Network
from custos.risk.engine.plan import Plan
from custos.risk.engine.simulate import draw_shocks, losses_alone, propagate

DEFAULT_CANDIDATES = 20
DEFAULT_MAX_SIZE = 4
#: The most candidates and the largest size a search may ask for.
MAX_CANDIDATES = 200
MAX_SIZE = 8
#: The most sets the exhaustive search may evaluate (C(20, 4) + … + C(20, 1) is 6,195).
MAX_SETS = 200_000
#: Breaching sets reported, largest loss first.
REPORTED = 10

EXHAUSTIVE = "exhaustive"
GREEDY = "greedy"
NONE = "none"


@dataclass(frozen=True)
class FailureSet:
    units: tuple[int, ...]  # failure-unit indices: providers, then models
    loss: float


@dataclass(frozen=True)
class ReverseStress:
    """The smallest breaching size found, how it was found, and the sets of that size."""

    threshold: float
    method: str  # EXHAUSTIVE: exact over the candidates; GREEDY: an upper bound; NONE: never breached
    size: int | None  # None when even every unit failing stays below the threshold
    sets: tuple[FailureSet, ...]  # breaching sets of that size, largest loss first (at most REPORTED)
    breaching: int  # how many sets of that size were found to breach
    candidates: tuple[int, ...]
    max_size: int
    evaluated: int  # failure sets whose loss was computed
    baseline: float  # the loss with no failure (the mean asset moves alone)
    worst: FailureSet  # the largest loss of the largest set tried

    @property
    def explanation(self) -> str:
        """The method, stated for whoever reads the answer."""
        ranked = len(self.candidates)
        search = (
            f"every set of up to {self.max_size} of the {ranked} unit{'' if ranked == 1 else 's'} whose "
            f"failure alone costs most, by increasing size"
        )
        if self.method == EXHAUSTIVE:
            return f"exhaustive: {search}; the first size with a breaching set"
        if self.method == GREEDY:
            return (
                f"greedy: an upper bound on the smallest size ({search} found none; the worst set of "
                f"{self.max_size} was extended by the unit raising the loss most until it breached)"
            )
        return f"none: {search} found none, and neither does every unit failing at once"


def _mean_moves(plan: Plan, network: Network, failed: np.ndarray) -> np.ndarray:
    """Each set's asset moves at the scenario's means, as ``draw_shocks`` makes them given the set's
    failures (with no volatility and no random failure, its generator changes nothing)."""
    still = replace(
        plan,
        random_units=np.zeros(0, dtype=np.int64),
        loadings=np.zeros((0, 0)),
        thresholds=np.zeros(0),
        shock_volatility=np.zeros_like(plan.shock_volatility),
    )
    rng = np.random.default_rng(0)
    moves = np.zeros((len(network.institutions), failed.shape[1]))
    for column in range(failed.shape[1]):
        moves[:, column] = draw_shocks(replace(still, forced=failed[:, column]), network, rng, 1)[1][:, 0]
    return moves


def set_losses(plan: Plan, network: Network, sets: Sequence[Sequence[int]]) -> np.ndarray:
    """The system loss of each failure set, in batches of a chunk's columns."""
    losses = np.zeros(len(sets))
    for start in range(0, len(sets), plan.chunk_size):
        batch = sets[start : start + plan.chunk_size]
        failed = np.zeros((plan.forced.size, len(batch)), dtype=bool)
        for column, units in enumerate(batch):
            failed[list(units), column] = True
        moves = _mean_moves(plan, network, failed)
        losses[start : start + len(batch)] = propagate(plan, network, failed, moves).system
    return losses


def _chunks(sets: Iterator[tuple[int, ...]], size: int) -> Iterator[list[tuple[int, ...]]]:
    while batch := list(islice(sets, size)):
        yield batch


def _check(threshold: float, candidates: int, max_size: int) -> None:
    if not math.isfinite(threshold) or threshold <= 0:
        raise InvalidInput(
            "the threshold must be a positive amount", evidence={"entry": "threshold", "value": threshold}
        )
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise InvalidInput(
            f"candidates must be between 1 and {MAX_CANDIDATES}",
            evidence={"entry": "candidates", "value": candidates},
        )
    if not 1 <= max_size <= MAX_SIZE:
        raise InvalidInput(
            f"the largest set size must be between 1 and {MAX_SIZE}",
            evidence={"entry": "max_size", "value": max_size},
        )
    sets = sum(math.comb(candidates, size) for size in range(1, max_size + 1))
    if sets > MAX_SETS:
        raise InvalidInput(
            f"{candidates} candidates up to size {max_size} make {sets:,} sets, more than the "
            f"{MAX_SETS:,} a search may try: ask for fewer candidates or a smaller size",
            evidence={"entry": "candidates", "sets": sets, "limit": MAX_SETS},
        )


def reverse_stress(
    plan: Plan,
    network: Network,
    threshold: float,
    candidates: int = DEFAULT_CANDIDATES,
    max_size: int = DEFAULT_MAX_SIZE,
) -> ReverseStress:
    """The smallest set of failures whose loss reaches ``threshold`` (see the module's docstring)."""
    _check(threshold, candidates, max_size)
    eligible = np.flatnonzero(plan.loss_rate > 0)
    if eligible.size == 0:
        raise InvalidInput(
            "the scenario gives no provider or model a loss rate, so no failure loses anything: "
            "give outages, compromises or correlated failures a loss rate"
        )
    alone = losses_alone(plan, network)
    ranked = eligible[np.lexsort((eligible, -alone[eligible]))]
    top = tuple(int(unit) for unit in ranked[:candidates])
    baseline = float(set_losses(plan, network, [()])[0])
    evaluated, worst = 1, FailureSet((), baseline)
    found = _found(threshold, top, max_size, evaluated, baseline, [worst])  # the markets alone
    if found is not None:
        return found
    for size in range(1, min(max_size, len(top)) + 1):
        breaching: list[FailureSet] = []
        best = FailureSet((), -math.inf)
        for batch in _chunks(combinations(top, size), plan.chunk_size):
            losses = set_losses(plan, network, batch)
            evaluated += len(batch)
            for ranked_units, loss in zip(batch, losses, strict=True):
                units = tuple(sorted(ranked_units))
                if loss >= threshold:
                    breaching.append(FailureSet(units, float(loss)))
                if loss > best.loss:
                    best = FailureSet(units, float(loss))
        worst = best
        found = _found(threshold, top, max_size, evaluated, baseline, breaching)
        if found is not None:
            return found
    return _greedy(plan, network, threshold, top, max_size, evaluated, baseline, worst, eligible)


def _found(
    threshold: float,
    top: tuple[int, ...],
    max_size: int,
    evaluated: int,
    baseline: float,
    breaching: list[FailureSet],
) -> ReverseStress | None:
    """The answer when some set of this size breaches, else None."""
    hits = [found for found in breaching if found.loss >= threshold]
    if not hits:
        return None
    hits.sort(key=lambda found: (-found.loss, found.units))
    return ReverseStress(
        threshold=threshold,
        method=EXHAUSTIVE,
        size=len(hits[0].units),
        sets=tuple(hits[:REPORTED]),
        breaching=len(hits),
        candidates=top,
        max_size=max_size,
        evaluated=evaluated,
        baseline=baseline,
        worst=hits[0],
    )


def _greedy(
    plan: Plan,
    network: Network,
    threshold: float,
    top: tuple[int, ...],
    max_size: int,
    evaluated: int,
    baseline: float,
    worst: FailureSet,
    eligible: np.ndarray,
) -> ReverseStress:
    """Extend the worst set by the unit that raises its loss most until it breaches or all failed."""
    current = worst
    while True:
        rest = [int(unit) for unit in eligible if unit not in current.units]
        if not rest:
            break
        trials = [tuple(sorted((*current.units, unit))) for unit in rest]
        losses = set_losses(plan, network, trials)
        evaluated += len(trials)
        pick = int(np.argmax(losses))  # the first of equal losses: the lowest unit
        current = FailureSet(trials[pick], float(losses[pick]))
        if current.loss >= threshold:
            return ReverseStress(
                threshold=threshold,
                method=GREEDY,
                size=len(current.units),
                sets=(current,),
                breaching=1,
                candidates=top,
                max_size=max_size,
                evaluated=evaluated,
                baseline=baseline,
                worst=current,
            )
    return ReverseStress(
        threshold=threshold,
        method=NONE,
        size=None,
        sets=(),
        breaching=0,
        candidates=top,
        max_size=max_size,
        evaluated=evaluated,
        baseline=baseline,
        worst=current,
    )
