"""Risk measures of a run's folded chunks, and the buffers they imply.

Expected shortfall at level α averages the ⌈(1 − α)·N⌉ largest system losses (ties broken by draw
number); value at risk is the smallest of them. An entity's capital requirement is its Euler
contribution to the expected shortfall at the capital level, E[Lᵢ | tail], so the contributions
add up to the system's expected shortfall. Its insurance layer, its premium and its part of the
pool come from the same tail, layer by layer (``buffer_metrics``).

Each headline figure carries its Monte Carlo error by batch means: the figure is estimated again
on each of the run's contiguous batches of draws (see :class:`~custos.risk.engine.montecarlo.Batches`),
its standard error is the batch estimates' standard deviation over √B, and its 95% interval is the
whole run's figure ± t(0.975, B − 1) standard errors. Batches are independent (draws are), and
each batch estimate is close to normal when batches are large, which is what the t interval needs;
a tail figure whose batch tails hold fewer than ``MIN_BATCH_TAIL`` draws is too far from that, and
gets no error but the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from scipy import stats

from custos.core.units import count, percent
from custos.risk.engine.buffer_metrics import LayeredBuffers, layered_buffers
from custos.risk.engine.loss_profile import EntityBins
from custos.risk.engine.montecarlo import BATCHES, Aggregate, tail_size
from custos.risk.engine.network import Network
from custos.risk.engine.scenario import Scenario


@dataclass(frozen=True)
class RiskMeasure:
    level: float
    value_at_risk: float
    expected_shortfall: float


def risk_measure(largest: np.ndarray, draws: int, level: float) -> RiskMeasure:
    """From the run's largest system losses (largest first, ties to the lower draw), which must
    reach at least as far as the level's tail."""
    top = largest[: tail_size(draws, level)]
    return RiskMeasure(level, float(top[-1]), float(top.mean()))


def _key(level: float) -> str:
    return f"{level:g}"


#: Fewest draws each batch's tail must hold for a tail figure's batch means to be trusted.
MIN_BATCH_TAIL = 10
#: The coverage of the intervals.
CONFIDENCE = 0.95


def batch_means(estimate: float, batch_estimates: np.ndarray) -> dict[str, Any]:
    """A figure's standard error and interval from its estimates on each of B ≥ 2 batches."""
    batches = batch_estimates.size
    error = float(np.std(batch_estimates, ddof=1) / math.sqrt(batches))
    half = float(stats.t.ppf((1 + CONFIDENCE) / 2, batches - 1)) * error
    return {"estimate": estimate, "standard_error": error, "interval": [estimate - half, estimate + half]}


def no_error(estimate: float, reason: str) -> dict[str, Any]:
    """A figure whose error batch means cannot give, with why: never a figure made up for it."""
    return {"estimate": estimate, "standard_error": None, "interval": None, "reason": reason}


def draws_for_batch_tails(level: float) -> int:
    """Draws that give each of ``BATCHES`` equal batches a tail of ``MIN_BATCH_TAIL`` at ``level``."""
    return BATCHES * math.ceil(MIN_BATCH_TAIL / (1 - Fraction(str(level))))


def _tail_figures(
    run: Aggregate, level: float, measure: RiskMeasure
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The value at risk's and the expected shortfall's error at ``level``."""
    tails = [tail_size(int(draws), level) for draws in run.batch_draws]
    if min(tails) < MIN_BATCH_TAIL:
        reason = (
            f"too few draws in each batch's tail at {percent(level)}: "
            f"make at least {count(draws_for_batch_tails(level))} draws"
        )
        return no_error(measure.value_at_risk, reason), no_error(measure.expected_shortfall, reason)
    tops = [largest[:tail] for largest, tail in zip(run.batch_tails, tails, strict=True)]
    return (
        batch_means(measure.value_at_risk, np.array([top[-1] for top in tops])),
        batch_means(measure.expected_shortfall, np.array([top.mean() for top in tops])),
    )


def monte_carlo_error(run: Aggregate, scenario: Scenario) -> dict[str, Any]:
    """The Monte Carlo error of the expected loss, and of the value at risk and expected shortfall
    at every level and the expected shortfall at the capital level, by batch means."""
    batches = run.batch_draws.size
    method = (
        f"batch means over {batches} contiguous batches of draws; {percent(CONFIDENCE)} interval by "
        f"Student's t with {batches - 1} degrees of freedom"
    )
    if batches < BATCHES:
        method += f" (one batch per chunk: the run has fewer than {BATCHES} chunks)"
    levels = list(dict.fromkeys([*scenario.levels, scenario.buffers.capital_level]))
    measures = {level: risk_measure(run.tail_losses, run.draws, level) for level in levels}
    expected_loss = run.system_sum / run.draws
    if batches < 2:
        reason = "the run is one chunk, so one batch: make the chunks smaller than the draws"
        expected = no_error(expected_loss, reason)
        figures = {
            level: (no_error(m.value_at_risk, reason), no_error(m.expected_shortfall, reason))
            for level, m in measures.items()
        }
    else:
        expected = batch_means(expected_loss, run.batch_sums / run.batch_draws)
        figures = {level: _tail_figures(run, level, m) for level, m in measures.items()}
    return {
        "batches": batches,
        "method": method,
        "expected_loss": expected,
        "value_at_risk": {_key(level): figures[level][0] for level in scenario.levels},
        "expected_shortfall": {_key(level): figures[level][1] for level in levels},
    }


def system_metrics(run: Aggregate, scenario: Scenario) -> dict[str, Any]:
    draws = run.draws
    measures = [risk_measure(run.tail_losses, draws, level) for level in scenario.levels]
    defaults = run.default_counts
    at_least = np.cumsum(defaults[::-1])[::-1]  # draws with k or more defaults, by k
    return {
        "draws": draws,
        "expected_loss": run.system_sum / draws,
        "standard_deviation": float(np.sqrt(run.system_squares / draws)),
        "max_loss": run.max_loss,
        "expected_direct_loss": run.direct_sum / draws,
        "expected_real_economy_loss": run.real_economy_sum / draws,
        "value_at_risk": {_key(m.level): m.value_at_risk for m in measures},
        "expected_shortfall": {_key(m.level): m.expected_shortfall for m in measures},
        "expected_defaults": int(defaults @ np.arange(defaults.size)) / draws,
        "probability_of_defaults": {
            str(k): int(at_least[k]) / draws if k < at_least.size else 0.0 for k in scenario.default_counts
        },
        "monte_carlo": monte_carlo_error(run, scenario),
    }


def _rows(ids: tuple[str, ...], values: LayeredBuffers, extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": node, **{name: column[k] for name, column in extra.items()}, **values.row(k)}
        for k, node in enumerate(ids)
    ]


def entity_metrics(run: Aggregate, network: Network, scenario: Scenario) -> dict[str, Any]:
    """Institutions' and deployments' buffers, layer by layer, and the pool they fund."""
    draws = run.draws
    tail = tail_size(draws, scenario.buffers.capital_level)
    settings = scenario.buffers
    pool_size = max(risk_measure(run.tail_losses, draws, settings.pool_quantile).value_at_risk, 0.0)
    bins = EntityBins.of(network)
    institutions = layered_buffers(
        run.institution_loss / draws,
        run.tail_institutions[:tail],
        run.institution_profile,
        bins.institutions,
        pool_size,
        settings,
    )
    deployments = layered_buffers(
        run.deployment_loss / draws,
        run.tail_deployments[:tail],
        run.deployment_profile,
        bins.deployments,
        pool_size,
        settings,
    )
    names = network.institutions.names
    shared = {
        table: "capital" if values.pool_by_capital else "pool requirement"
        for table, values in (("institutions", institutions), ("deployments", deployments))
    }
    return {
        "pool": {"quantile": settings.pool_quantile, "size": pool_size, "shared_by": shared},
        "institutions": _rows(
            network.institutions.ids,
            institutions,
            {
                "name": names,
                "sector": [network.sectors[s] for s in network.institution_sector],
                "equity": [float(v) for v in network.equity],
                "default_probability": [float(v) for v in run.institution_defaults / draws],
            },
        ),
        "deployments": _rows(
            network.deployments.ids,
            deployments,
            {
                "name": network.deployments.names,
                "owner": network.deployment_owners,
                "model": [network.models.ids[m] for m in network.deployment_model],
            },
        ),
    }


def importance_metrics(
    run: Aggregate,
    network: Network,
    scenario: Scenario,
    probability: np.ndarray,
    alone: np.ndarray,
    contribution: np.ndarray,
) -> list[dict[str, Any]]:
    """Each provider's and model's systemic importance: loss given its failure, its Shapley share
    of the expected shortfall at the capital level (``contribution``, from
    :func:`~custos.risk.engine.attribution.shapley_attribution`), the loss its failure alone
    causes, and whether that is insurable."""
    capacity = scenario.buffers.insurance_capacity
    layers = ["compute"] * len(network.providers) + ["model"] * len(network.models)
    names = network.providers.names + network.models.names
    rows = []
    for unit, node in enumerate(network.failure_units):
        failures = int(run.unit_failures[unit])
        rows.append(
            {
                "id": node,
                "name": names[unit],
                "layer": layers[unit],
                "failure_probability": float(probability[unit]),
                "failures": failures,
                "expected_loss_given_failure": float(run.unit_failure_loss[unit] / failures)
                if failures
                else None,
                "expected_shortfall_contribution": float(contribution[unit]),
                "loss_alone": float(alone[unit]),
                "uninsurable_linchpin": bool(capacity is not None and alone[unit] > capacity),
            }
        )
    return rows
