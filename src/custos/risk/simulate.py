"""One chunk of draws: correlated failures and asset moves, then losses through every layer.

A chunk is a pure function of the plan, the network and its own ``SeedSequence``: the same chunk
gives the same numbers in this process, in a local cluster or on a remote Dask worker. What it
returns is small (sums, and full detail only for the draws that could be in the tail), so chunks
merge cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.risk.financial import financial_losses
from custos.risk.network import Network
from custos.risk.operational import operational_losses
from custos.risk.plan import Plan
from custos.risk.scenario import Copula


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


@dataclass(frozen=True)
class ChunkResult:
    chunk: int
    first_draw: int
    system: np.ndarray
    defaults: np.ndarray
    direct: np.ndarray
    real_economy: np.ndarray
    unit_failures: np.ndarray  # (units,) draws in which each unit failed
    unit_failure_loss: np.ndarray  # (units,) system loss summed over those draws
    institution_loss: np.ndarray  # sums over draws
    institution_defaults: np.ndarray
    deployment_loss: np.ndarray
    cause_loss: np.ndarray
    tail_draws: np.ndarray  # global draw numbers of the chunk's largest losses
    tail_institutions: np.ndarray  # (tail, institutions)
    tail_deployments: np.ndarray
    tail_causes: np.ndarray
    iterations: int
    residual: float


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
    sector_move = np.maximum(plan.shock_sectors.T.astype(np.float64) @ moves, -1.0)  # (sectors, draws)
    return failed, sector_move[network.institution_sector] if sector_move.size else np.zeros(
        (len(network.institutions), draws)
    )


def propagate(plan: Plan, network: Network, failed: np.ndarray, asset_move: np.ndarray) -> Outcome:
    """Every draw's losses, from the failed units and asset moves to the system's loss."""
    rates = failed * plan.loss_rate[:, None]
    operational = operational_losses(network, rates, plan.fallback_recovery)
    direct_by_institution = network.ownership @ operational.deployments
    financial = financial_losses(network, plan.contagion, direct_by_institution, asset_move)
    outside = network.deployment_institution < 0
    real_economy = operational.deployments[outside].sum(axis=0)
    system = financial.losses.sum(axis=0) + real_economy
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
    )


def simulate_chunk(
    plan: Plan, network: Network, chunk: int, seed: np.random.SeedSequence, tail: int
) -> ChunkResult:
    """Draw and propagate one chunk; keep full detail for its ``tail`` largest system losses."""
    draws = plan.chunk_draws(chunk)
    rng = np.random.Generator(np.random.PCG64(seed))
    failed, asset_move = draw_shocks(plan, network, rng, draws)
    outcome = propagate(plan, network, failed, asset_move)
    keep = np.lexsort((np.arange(draws), -outcome.system))[: min(tail, draws)]
    return ChunkResult(
        chunk=chunk,
        first_draw=chunk * plan.chunk_size,
        system=outcome.system,
        defaults=outcome.defaults,
        direct=outcome.direct,
        real_economy=outcome.real_economy,
        unit_failures=failed.sum(axis=1),
        unit_failure_loss=failed.astype(np.float64) @ outcome.system,
        institution_loss=outcome.institutions.sum(axis=1),
        institution_defaults=outcome.defaulted.sum(axis=1),
        deployment_loss=outcome.deployments.sum(axis=1),
        cause_loss=outcome.causes.sum(axis=1),
        tail_draws=chunk * plan.chunk_size + keep,
        tail_institutions=outcome.institutions[:, keep].T,
        tail_deployments=outcome.deployments[:, keep].T,
        tail_causes=outcome.causes[:, keep].T,
        iterations=outcome.iterations,
        residual=outcome.residual,
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
