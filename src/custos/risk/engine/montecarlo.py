"""Run a plan's chunks, folding each into one accumulator as it arrives.

Chunk sizes and seeds depend only on the plan (``SeedSequence(seed).spawn(chunks)``), and chunks
are folded in their own order (one that arrives early waits for those before it), with ties in
the tail broken by draw number, so a run gives the same numbers in this process, on a local
cluster and on a remote one. This module runs them in this process; a :data:`ChunkRunner` that
sends them elsewhere (``custos.risk.adapters.dask_runner``) folds them with the same
:class:`Accumulator`, so the engine itself needs no cluster.

Memory does not grow with the draws except through the tail the metrics need: the accumulator
keeps sums, the count of draws with each number of defaults, a sample of at most
``SAMPLE_SIZE`` draws, the largest system losses (as many as the lowest level needs: value at
risk and expected shortfall, the capital level, the pool's quantile) as float64 loss and int64
draw pairs, the losses of every entity only in the capital level's tail draws, and every entity's
losses in all draws as counts and sums in a fixed number of bins (``loss_profile``). A run whose
tail would need more than ``TAIL_MEMORY_LIMIT`` is refused before it starts.

For the Monte Carlo error of the headline figures (batch means) the draws are split into
``BATCHES`` contiguous batches of whole chunks, and the accumulator also keeps each batch's sum,
its draws and its own largest system losses. A batch's largest are among its chunks' largest
(a batch needs no more of them than the run does), and together the batches keep about as many
as the run's tail, so they take no more memory than it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from custos.core.errors import InvalidInput
from custos.risk.engine.loss_profile import EntityBins, LossProfile
from custos.risk.engine.network import Network
from custos.risk.engine.plan import Plan
from custos.risk.engine.scenario import Scenario
from custos.risk.engine.simulate import ChunkResult, Sample, sample_stride, simulate_chunk

#: Told the chunks folded so far and the chunks in all, after each chunk.
Progress = Callable[[int, int], None]

#: Contiguous batches of draws the Monte Carlo error is estimated over (batch means).
BATCHES = 20

#: The most the kept tail may take at its peak (see ``tail_memory``); a run needing more is refused.
TAIL_MEMORY_LIMIT = 3 * 2**30


def tail_size(draws: int, level: float) -> int:
    """How many draws lie beyond the ``level`` quantile: the tail expected shortfall averages."""
    return max(1, math.ceil((1 - Fraction(str(level))) * draws))  # exact: 0.95 × 10⁸ has no rounding


@dataclass(frozen=True)
class Tails:
    """How many of the largest draws a run keeps: system losses for every measure, and the
    losses of every entity for the capital level's expected-shortfall contributions."""

    system: int
    capital: int

    @classmethod
    def of(cls, scenario: Scenario) -> Tails:
        buffers = scenario.buffers
        levels = [*scenario.levels, buffers.capital_level, buffers.pool_quantile]
        capital = tail_size(scenario.draws, buffers.capital_level)
        return cls(max(tail_size(scenario.draws, level) for level in levels), capital)


def detail_width(network: Network) -> int:
    """Losses kept for each capital-tail draw: institutions, deployments, and the draw's
    second-round loss."""
    return len(network.institutions) + len(network.deployments) + 1


def tail_memory(tails: Tails, width: int) -> int:
    """Bytes the tail takes at its peak, five times what is kept (a loss and a draw number for each
    draw, twice over as the batches keep their own, and a row of entity losses for each in the
    capital tail): when it is pruned, what is kept and as many candidates, sorted into what is kept
    again, beside one chunk's candidates."""
    return 5 * (32 * tails.system + 8 * (2 + width) * tails.capital)


def check_tail_memory(scenario: Scenario, network: Network) -> Tails:
    """The run's tails, or a refusal naming what they would take when that is too much."""
    tails = Tails.of(scenario)
    needed = tail_memory(tails, detail_width(network))
    if needed > TAIL_MEMORY_LIMIT:
        raise InvalidInput(
            "the run's tail would take more memory than a run may use: make fewer draws, or raise "
            "the lowest level or the capital level",
            evidence={
                "entry": "draws",
                "tail_draws": tails.system,
                "capital_tail_draws": tails.capital,
                "needed_bytes": needed,
                "limit_bytes": TAIL_MEMORY_LIMIT,
            },
        )
    return tails


@dataclass(frozen=True)
class Batches:
    """The run's chunks in contiguous batches: chunk i belongs to batch i·B // chunks, where B is
    ``BATCHES``, or the number of chunks when there are fewer (one batch per chunk). Batches are
    whole chunks, so a batch's figures are the same wherever its chunks ran."""

    chunks: int
    count: int
    draws: np.ndarray  # (count,) int64: the draws in each batch

    @classmethod
    def of(cls, plan: Plan) -> Batches:
        count = min(BATCHES, plan.chunks)
        # batch b holds chunks ⌈b·chunks/B⌉ to ⌈(b + 1)·chunks/B⌉ − 1
        edges = -(-np.arange(count + 1, dtype=np.int64) * plan.chunks // count)
        first_draws = np.minimum(edges * plan.chunk_size, plan.draws)
        return cls(plan.chunks, count, np.diff(first_draws))

    def batch(self, chunk: int) -> int:
        return chunk * self.count // self.chunks

    def tail(self, tails: Tails, batch: int) -> int:
        """How many of its largest losses a batch keeps: the run's tail in proportion to the batch's
        draws, rounded up, which reaches as far as every level's tail in the batch does, since
        ⌈(1 − α)·n⌉ ≤ ⌈T·n/N⌉ when ⌈(1 − α)·N⌉ ≤ T."""
        return -(-tails.system * int(self.draws[batch]) // int(self.draws.sum()))


class Largest:
    """The ``size`` largest values with their draw numbers, largest first, ties to the lower draw
    (an exact selection, whatever order candidates come in), each with an optional row of detail.

    Candidates below the smallest kept value are dropped on arrival; the rest wait until they are
    as many as those kept, or come in more parts than a thousandth of that (each part costs a few
    hundred bytes whatever its length), then one sort keeps the ``size`` largest again.
    """

    def __init__(self, size: int, width: int) -> None:
        self.size = size
        self.values = np.empty(0)
        self.draws = np.empty(0, dtype=np.int64)
        self.rows = np.empty((0, width))
        self.floor = -np.inf
        self.waiting: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.count = 0
        self.parts = max(64, size // 1000)

    def add(self, values: np.ndarray, draws: np.ndarray, rows: np.ndarray) -> None:
        enter = values >= self.floor
        if not enter.all():
            values, draws, rows = values[enter], draws[enter], rows[enter]
        if values.size == 0:
            return
        self.waiting.append((values, draws, rows))
        self.count += values.size
        if self.count > 2 * self.size or len(self.waiting) > self.parts:
            self._prune()

    def _prune(self) -> None:
        values = np.concatenate([self.values, *(part[0] for part in self.waiting)])
        draws = np.concatenate([self.draws, *(part[1] for part in self.waiting)])
        rows = np.concatenate([self.rows, *(part[2] for part in self.waiting)])
        self.waiting.clear()
        self.rows = rows[:0]  # drop the old rows before gathering the new
        keep = np.lexsort((draws, -values))[: self.size]
        self.values, self.draws, self.rows = values[keep], draws[keep], rows[keep]
        self.count = keep.size
        if keep.size == self.size:
            self.floor = float(self.values[-1])

    def sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._prune()
        return self.values, self.draws, self.rows


@dataclass(frozen=True)
class Aggregate:
    """Every chunk folded together: what the metrics, the charts and the draws file read."""

    draws: int
    system_sum: float
    system_squares: float  # sum of squared deviations from the mean
    max_loss: float
    direct_sum: float
    real_economy_sum: float
    default_counts: np.ndarray  # (institutions + 1,) draws with exactly k defaults
    institution_loss: np.ndarray
    institution_defaults: np.ndarray
    deployment_loss: np.ndarray
    institution_profile: LossProfile  # every draw's losses, binned: see ``loss_profile``
    deployment_profile: LossProfile
    unit_failures: np.ndarray
    unit_failure_loss: np.ndarray
    tail_losses: np.ndarray  # the largest system losses, largest first, ties to the lower draw
    tail_draws: np.ndarray
    tail_institutions: np.ndarray  # (capital tail, institutions), in the same order
    tail_deployments: np.ndarray
    tail_second_round: np.ndarray  # (capital tail,) the second-round loss of each of those draws
    batch_draws: np.ndarray  # (batches,) the draws in each contiguous batch of chunks
    batch_sums: np.ndarray  # (batches,) the sum of each batch's system losses
    batch_tails: tuple[np.ndarray, ...]  # each batch's largest system losses, largest first
    sample: Sample
    iterations: int
    residual: float
    second_round_sum: float  # fire sales' second-round system loss, summed over draws
    second_round_institution: np.ndarray  # (institutions,)
    price_change_sum: np.ndarray  # (asset classes,) the fire sale's relative price moves, summed
    price_change_min: np.ndarray  # (asset classes,) the largest fall in any draw
    fire_sale_rounds: int
    fire_sale_residual: float


class Accumulator:
    """Folds chunk results in chunk order and drops them; one that arrives early waits."""

    def __init__(self, plan: Plan, network: Network, tails: Tails) -> None:
        self.institutions, self.deployments = len(network.institutions), len(network.deployments)
        units = len(network.failure_units)
        draws = plan.draws
        self.system = Largest(tails.system, 0)
        self.capital = Largest(tails.capital, detail_width(network))
        self.batches = Batches.of(plan)
        self.batch_sums = np.zeros(self.batches.count)
        self.batch_tails = [Largest(self.batches.tail(tails, b), 0) for b in range(self.batches.count)]
        self.draws = 0
        self.mean = self.system_sum = self.squares = self.direct_sum = self.real_economy_sum = 0.0
        self.max_loss = -np.inf
        self.default_counts = np.zeros(self.institutions + 1, dtype=np.int64)
        self.institution_loss = np.zeros(self.institutions)
        self.institution_defaults = np.zeros(self.institutions, dtype=np.int64)
        self.deployment_loss = np.zeros(self.deployments)
        bins = EntityBins.of(network)
        self.institution_profile = LossProfile.empty(bins.institutions, self.institutions)
        self.deployment_profile = LossProfile.empty(bins.deployments, self.deployments)
        self.unit_failures = np.zeros(units, dtype=np.int64)
        self.unit_failure_loss = np.zeros(units)
        self.stride = sample_stride(draws)
        size = -(-draws // self.stride)  # draws 0, m, 2m, … land at 0, 1, 2, …
        self.sample = Sample(
            *(
                np.zeros(size, np.int64 if name in ("draws", "defaults") else np.float64)
                for name in Sample.__dataclass_fields__
            )
        )
        self.iterations, self.residual = 0, 0.0
        classes = len(plan.fire_sales.classes) if plan.fire_sales else 0
        self.second_round_sum = 0.0
        self.second_round_institution = np.zeros(self.institutions)
        self.price_change_sum, self.price_change_min = np.zeros(classes), np.zeros(classes)
        self.fire_sale_rounds, self.fire_sale_residual = 0, 0.0
        self.folded = 0
        self.early: dict[int, ChunkResult] = {}

    def add(self, result: ChunkResult) -> int:
        """Fold ``result`` and any early ones it was holding up; return how many chunks are folded."""
        self.early[result.chunk] = result
        while self.folded in self.early:
            self._fold(self.early.pop(self.folded))
            self.folded += 1
        return self.folded

    def _fold(self, r: ChunkResult) -> None:
        # Chan et al.'s pairwise update of the mean and the sum of squared deviations.
        total = self.draws + r.draws
        delta = r.system_mean - self.mean
        self.squares += r.system_squares + delta * delta * self.draws * r.draws / total
        self.mean += delta * r.draws / total
        self.draws = total
        self.system_sum += r.system_sum
        self.max_loss = max(self.max_loss, r.max_loss)
        self.direct_sum += r.direct_sum
        self.real_economy_sum += r.real_economy_sum
        self.default_counts += r.default_counts
        self.institution_loss += r.institution_loss
        self.institution_defaults += r.institution_defaults
        self.deployment_loss += r.deployment_loss
        self.institution_profile = self.institution_profile.plus(r.institution_profile)
        self.deployment_profile = self.deployment_profile.plus(r.deployment_profile)
        self.unit_failures += r.unit_failures
        self.unit_failure_loss += r.unit_failure_loss
        no_detail = np.empty((r.tail_losses.size, 0))
        self.system.add(r.tail_losses, r.tail_draws, no_detail)
        batch = self.batches.batch(r.chunk)
        self.batch_sums[batch] += r.system_sum
        self.batch_tails[batch].add(r.tail_losses, r.tail_draws, no_detail)
        detail = r.tail_detail.shape[0]
        self.capital.add(r.tail_losses[:detail], r.tail_draws[:detail], r.tail_detail)
        at = r.sample.draws // self.stride
        for name in Sample.__dataclass_fields__:
            getattr(self.sample, name)[at] = getattr(r.sample, name)
        self.iterations = max(self.iterations, r.iterations)
        self.residual = max(self.residual, r.residual)
        self.second_round_sum += r.second_round_sum
        self.second_round_institution += r.second_round_institution
        self.price_change_sum += r.price_change_sum
        np.minimum(self.price_change_min, r.price_change_min, out=self.price_change_min)
        self.fire_sale_rounds = max(self.fire_sale_rounds, r.fire_sale_rounds)
        self.fire_sale_residual = max(self.fire_sale_residual, r.fire_sale_residual)

    def result(self) -> Aggregate:
        losses, draws, _ = self.system.sorted()
        _, _, rows = self.capital.sorted()
        split = np.cumsum([self.institutions, self.deployments])
        institutions, deployments, second_round = np.hsplit(rows, split)
        return Aggregate(
            draws=self.draws,
            system_sum=self.system_sum,
            system_squares=self.squares,
            max_loss=float(self.max_loss),
            direct_sum=self.direct_sum,
            real_economy_sum=self.real_economy_sum,
            default_counts=self.default_counts,
            institution_loss=self.institution_loss,
            institution_defaults=self.institution_defaults,
            deployment_loss=self.deployment_loss,
            institution_profile=self.institution_profile,
            deployment_profile=self.deployment_profile,
            unit_failures=self.unit_failures,
            unit_failure_loss=self.unit_failure_loss,
            tail_losses=losses,
            tail_draws=draws,
            tail_institutions=institutions,
            tail_deployments=deployments,
            tail_second_round=second_round[:, 0],
            batch_draws=self.batches.draws,
            batch_sums=self.batch_sums,
            batch_tails=tuple(largest.sorted()[0] for largest in self.batch_tails),
            sample=self.sample,
            iterations=self.iterations,
            residual=self.residual,
            second_round_sum=self.second_round_sum,
            second_round_institution=self.second_round_institution,
            price_change_sum=self.price_change_sum,
            price_change_min=self.price_change_min,
            fire_sale_rounds=self.fire_sale_rounds,
            fire_sale_residual=self.fire_sale_residual,
        )


def chunk_seeds(plan: Plan) -> list[np.random.SeedSequence]:
    """Each chunk's seed, spawned from the scenario's: the same wherever the chunk runs."""
    return np.random.SeedSequence(plan.seed).spawn(plan.chunks)


def run_chunks(plan: Plan, network: Network, tails: Tails, progress: Progress | None = None) -> Aggregate:
    """Every chunk of the plan, drawn in this process and folded in order."""
    seeds = chunk_seeds(plan)
    report = progress or (lambda done, total: None)
    accumulator = Accumulator(plan, network, tails)
    for chunk in range(plan.chunks):
        accumulator.add(simulate_chunk(plan, network, chunk, seeds[chunk], tails.system, tails.capital))
        report(chunk + 1, plan.chunks)
    return accumulator.result()


#: Runs every chunk of a plan and folds them: :func:`run_chunks`, or one that sends them elsewhere.
ChunkRunner = Callable[[Plan, Network, Tails, Progress | None], Aggregate]
