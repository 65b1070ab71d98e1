"""One chunk of draws: correlated failures and asset moves, then losses through every layer, and
the fire sale those losses set off when the scenario asks for one (``second_round``).

A chunk is a pure function of the plan, the network and its own ``SeedSequence``: the same chunk
gives the same numbers in this process, in a local cluster or on a remote Dask worker. What it
returns is reduced to what the metrics need (sums, the count of draws with each number of
defaults, its largest losses with the detail of those that could be in the capital level's tail,
and its draws that belong to the run's sample), so a run's memory does not grow with its draws.

An asset shock joint with failures moves only in the draws where one of its units failed (by how
many failed, when it says so); its random numbers are drawn after every other shock's, so draws
in which none of its units failed are the same as without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.risk.engine.financial import financial_losses, shocked_assets
from custos.risk.engine.loss_profile import EntityBins, LossProfile
from custos.risk.engine.network import Network
from custos.risk.engine.operational import operational_losses
from custos.risk.engine.plan import Plan
from custos.risk.engine.scenario import Copula
from custos.risk.engine.second_round import with_fire_sales


@dataclass(frozen=True)
class Outcome:
    """Per draw (columns): losses by institution, deployment and cause, and who defaulted."""

    system: np.ndarray  # (draws,)
    defaults: np.ndarray  # (draws,) int
    direct: np.ndarray  # (draws,) operational losses and net asset losses, before contagion
    real_economy: np.ndarray  # (draws,) deployment losses outside the financial layer
    institutions: np.ndarray  # (institutions, draws)
    defaulted: np.ndarray  # (institutions, draws) bool
    deployments: np.ndarray  # (deployments, draws): the system loss allocated to each
    causes: np.ndarray  # (units + 1, draws): the system loss allocated to each failure, then assets
    iterations: int
    residual: float
    second_round: np.ndarray  # (draws,) system loss with fire sales less without them (0 when off)
    second_round_institutions: np.ndarray  # (institutions, draws) the same, per institution
    price_changes: np.ndarray  # (asset classes, draws) the fire sale's relative price moves
    fire_sale_rounds: int
    fire_sale_residual: float


#: The run's sample of draws (for the loss distribution and ``draws.parquet``) holds at most this many.
SAMPLE_SIZE = 100_000


def sample_stride(draws: int) -> int:
    """The sample is every m-th draw: draws are independent, so that is a uniform random sample, and
    it needs no state shared between chunks. With at most ``SAMPLE_SIZE`` draws it is every draw."""
    return -(-draws // SAMPLE_SIZE)


@dataclass(frozen=True)
class Sample:
    """Per draw of the sample: its number, system, direct, real-economy and second-round loss, and
    defaults."""

    draws: np.ndarray
    system: np.ndarray
    direct: np.ndarray
    real_economy: np.ndarray
    defaults: np.ndarray
    second_round: np.ndarray


@dataclass(frozen=True)
class ChunkResult:
    """One chunk reduced to what the metrics need; its size does not depend on the run's draws
    beyond the tail it is asked to keep."""

    chunk: int
    draws: int
    system_sum: float
    system_mean: float
    system_squares: float  # sum of squared deviations from the chunk's mean
    max_loss: float
    direct_sum: float
    real_economy_sum: float
    default_counts: np.ndarray  # (institutions + 1,) draws with exactly k defaults
    unit_failures: np.ndarray  # (units,) draws in which each unit failed
    unit_failure_loss: np.ndarray  # (units,) system loss summed over those draws
    institution_loss: np.ndarray  # sums over draws
    institution_defaults: np.ndarray
    deployment_loss: np.ndarray
    institution_profile: LossProfile  # every draw's institution losses, binned (for layer payouts)
    deployment_profile: LossProfile
    tail_losses: np.ndarray  # the chunk's largest system losses, largest first (ties: lower draw)
    tail_draws: np.ndarray  # their global draw numbers
    tail_detail: np.ndarray  # (detail, institutions + deployments + 1) for the first of them: every
    # entity's loss, then the second-round loss
    sample: Sample
    iterations: int
    residual: float
    second_round_sum: float
    second_round_institution: np.ndarray  # (institutions,) sums over draws
    price_change_sum: np.ndarray  # (asset classes,) sums over draws
    price_change_min: np.ndarray  # (asset classes,) the largest fall (-1 at worst; 0 with no draws)
    fire_sale_rounds: int
    fire_sale_residual: float


def draw_shocks(
    plan: Plan, network: Network, rng: np.random.Generator, draws: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which units fail (units × draws, bool) and each institution's relative asset move."""
    failed = np.zeros((plan.forced.size, draws), dtype=bool)
    failed[plan.forced] = True
    if plan.random_units.size:
        latent = plan.loadings @ rng.standard_normal((plan.random_units.size, draws))
        if plan.copula is Copula.STUDENT_T:
            latent /= np.sqrt(rng.chisquare(plan.degrees_of_freedom, draws) / plan.degrees_of_freedom)
        failed[plan.random_units] = latent < plan.thresholds[:, None]
    moves = plan.shock_mean[:, None] + plan.shock_volatility[:, None] * rng.standard_normal(
        (plan.shock_mean.size, draws)
    )
    joint = plan.shock_triggers.any(axis=1)
    if joint.any():
        failures = plan.shock_triggers[joint].astype(np.float64) @ failed  # how many failed: exact
        moves[joint] *= np.where(plan.shock_per_failure[joint, None], failures, failures > 0)
    # summed shock by shock in plan order, so a joint shock that does not move leaves the sum exact
    sector_move = np.zeros((len(network.sectors), draws))
    for shock in range(moves.shape[0]):
        sector_move[plan.shock_sectors[shock]] += moves[shock]
    np.maximum(sector_move, -1.0, out=sector_move)
    return failed, sector_move[network.institution_sector] if sector_move.size else np.zeros(
        (len(network.institutions), draws)
    )


def propagate(plan: Plan, network: Network, failed: np.ndarray, asset_move: np.ndarray) -> Outcome:
    """Every draw's losses, from the failed units and asset moves to the system's loss."""
    rates = failed * plan.loss_rate[:, None]
    operational = operational_losses(network, rates, plan.fallback_recovery)
    direct_by_institution = network.ownership @ operational.deployments
    first = financial_losses(network, plan.contagion, direct_by_institution, asset_move)
    outside = network.deployment_institution < 0
    real_economy = operational.deployments[outside].sum(axis=0)
    draws = failed.shape[1]
    if plan.fire_sales is None:
        financial, price_changes, rounds, fire_residual = first, np.zeros((0, draws)), 0, 0.0
    else:
        assets = shocked_assets(network, direct_by_institution, asset_move)
        sale = with_fire_sales(plan.fire_sales, network, plan.contagion, assets, first)
        financial, price_changes = sale.outcome, sale.price_changes
        rounds, fire_residual = sale.rounds, sale.residual
    system = financial.losses.sum(axis=0) + real_economy
    without = first.losses.sum(axis=0) + real_economy
    moved = -(network.external_assets[:, None] * asset_move)  # each institution's asset loss; a gain < 0
    causes = np.vstack([operational.causes, np.maximum(moved, 0.0).sum(axis=0)])
    caused = causes.sum(axis=0)
    causes[-1, caused <= 0] = 1.0  # a loss with no failure and no asset fall behind it: the markets'
    share = system / causes.sum(axis=0)
    return Outcome(
        system=system,
        defaults=financial.defaulted.sum(axis=0),
        direct=operational.deployments.sum(axis=0) + moved.sum(axis=0),
        real_economy=real_economy,
        institutions=financial.losses,
        defaulted=financial.defaulted,
        deployments=operational.deployments * share,
        causes=causes * share,
        iterations=financial.iterations,
        residual=financial.residual,
        second_round=system - without,
        second_round_institutions=financial.losses - first.losses,
        price_changes=price_changes,
        fire_sale_rounds=rounds,
        fire_sale_residual=fire_residual,
    )


def simulate_chunk(
    plan: Plan, network: Network, chunk: int, seed: np.random.SeedSequence, tail: int, detail: int
) -> ChunkResult:
    """Draw and propagate one chunk; keep its ``tail`` largest system losses, the losses of every
    institution and deployment in the first ``detail`` of them, every draw's entity losses binned,
    and its sampled draws."""
    draws = plan.chunk_draws(chunk)
    bins = EntityBins.of(network)
    first = chunk * plan.chunk_size
    rng = np.random.Generator(np.random.PCG64(seed))
    failed, asset_move = draw_shocks(plan, network, rng, draws)
    outcome = propagate(plan, network, failed, asset_move)
    system = outcome.system
    keep = np.lexsort((np.arange(draws), -system))[: min(tail, draws)]
    kept = keep[: min(detail, draws)]
    sampled = np.flatnonzero((first + np.arange(draws)) % sample_stride(plan.draws) == 0)
    mean = system.mean()
    return ChunkResult(
        chunk=chunk,
        draws=draws,
        system_sum=float(system.sum()),
        system_mean=float(mean),
        system_squares=float(np.square(system - mean).sum()),
        max_loss=float(system.max()),
        direct_sum=float(outcome.direct.sum()),
        real_economy_sum=float(outcome.real_economy.sum()),
        default_counts=np.bincount(outcome.defaults, minlength=len(network.institutions) + 1),
        unit_failures=failed.sum(axis=1),
        # summed by numpy, not BLAS, whose threads can change the last bit between processes
        unit_failure_loss=np.where(failed, system, 0.0).sum(axis=1),
        institution_loss=outcome.institutions.sum(axis=1),
        institution_defaults=outcome.defaulted.sum(axis=1),
        deployment_loss=outcome.deployments.sum(axis=1),
        institution_profile=LossProfile.of(bins.institutions, outcome.institutions),
        deployment_profile=LossProfile.of(bins.deployments, outcome.deployments),
        tail_losses=system[keep],
        tail_draws=first + keep,
        tail_detail=np.vstack(
            [
                outcome.institutions[:, kept],
                outcome.deployments[:, kept],
                outcome.second_round[None, kept],
            ]
        ).T,
        sample=Sample(
            draws=first + sampled,
            system=system[sampled],
            direct=outcome.direct[sampled],
            real_economy=outcome.real_economy[sampled],
            defaults=outcome.defaults[sampled].astype(np.int64),
            second_round=outcome.second_round[sampled],
        ),
        iterations=outcome.iterations,
        residual=outcome.residual,
        second_round_sum=float(outcome.second_round.sum()),
        second_round_institution=outcome.second_round_institutions.sum(axis=1),
        price_change_sum=outcome.price_changes.sum(axis=1),
        price_change_min=outcome.price_changes.min(axis=1, initial=0.0),
        fire_sale_rounds=outcome.fire_sale_rounds,
        fire_sale_residual=outcome.fire_sale_residual,
    )


def losses_alone(plan: Plan, network: Network) -> np.ndarray:
    """The system loss when each unit fails on its own, with no other shock (one column per unit)."""
    units = plan.forced.size
    alone = np.zeros(units)
    for start in range(0, units, plan.chunk_size):
        stop = min(start + plan.chunk_size, units)
        failed = np.zeros((units, stop - start), dtype=bool)
        failed[np.arange(start, stop), np.arange(stop - start)] = True
        still = np.zeros((len(network.institutions), stop - start))
        alone[start:stop] = propagate(plan, network, failed, still).system
    return alone
