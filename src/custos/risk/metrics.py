"""Risk measures of a merged run, and the buffers they imply.

Expected shortfall at level α averages the ⌈(1 − α)·N⌉ largest system losses (ties broken by draw
number); value at risk is the smallest of them. An entity's capital requirement is its Euler
contribution to the expected shortfall at the capital level, E[Lᵢ | tail], so the contributions
add up to the system's expected shortfall. Its insurance premium is its expected loss plus the
cost of capital on the capital it needs beyond that; the pool is the value at risk at the pool's
quantile, shared out in proportion to capital.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from custos.risk.montecarlo import Merged, tail_size
from custos.risk.network import Network
from custos.risk.scenario import Scenario


@dataclass(frozen=True)
class RiskMeasure:
    level: float
    value_at_risk: float
    expected_shortfall: float


def risk_measure(system: np.ndarray, level: float) -> RiskMeasure:
    order = np.lexsort((np.arange(system.size), -system))
    top = system[order[: tail_size(system.size, level)]]
    return RiskMeasure(level, float(top[-1]), float(top.mean()))


def _key(level: float) -> str:
    return f"{level:g}"


def system_metrics(merged: Merged, scenario: Scenario) -> dict[str, Any]:
    system = merged.system
    measures = [risk_measure(system, level) for level in scenario.levels]
    return {
        "draws": int(system.size),
        "expected_loss": float(system.mean()),
        "standard_deviation": float(system.std()),
        "max_loss": float(system.max()),
        "expected_direct_loss": float(merged.direct.mean()),
        "expected_real_economy_loss": float(merged.real_economy.mean()),
        "value_at_risk": {_key(m.level): m.value_at_risk for m in measures},
        "expected_shortfall": {_key(m.level): m.expected_shortfall for m in measures},
        "expected_defaults": float(merged.defaults.mean()),
        "probability_of_defaults": {
            str(k): float((merged.defaults >= k).mean()) for k in scenario.default_counts
        },
    }


@dataclass(frozen=True)
class Buffers:
    """Per entity: expected loss, Euler capital, premium and pool contribution."""

    expected_loss: np.ndarray
    capital: np.ndarray
    premium: np.ndarray
    pool: np.ndarray


def buffers(mean_loss: np.ndarray, tail: np.ndarray, pool_size: float, cost_of_capital: float) -> Buffers:
    """``tail`` holds the entities' losses in the capital level's tail draws (draws × entities)."""
    capital = tail.mean(axis=0) if tail.size else np.zeros_like(mean_loss)
    premium = mean_loss + cost_of_capital * np.maximum(capital - mean_loss, 0.0)
    weights = np.maximum(capital, 0.0)
    total = weights.sum()
    pool = pool_size * weights / total if total > 0 else np.zeros_like(capital)
    return Buffers(mean_loss, capital, premium, pool)


def _rows(ids: tuple[str, ...], values: Buffers, extra: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for k, node in enumerate(ids):
        row = {"id": node, **{name: column[k] for name, column in extra.items()}}
        row.update(
            expected_loss=float(values.expected_loss[k]),
            capital=float(values.capital[k]),
            premium=float(values.premium[k]),
            pool_contribution=float(values.pool[k]),
        )
        rows.append(row)
    return rows


def entity_metrics(merged: Merged, network: Network, scenario: Scenario) -> dict[str, Any]:
    """Institutions' and deployments' buffers, and the pool they fund."""
    draws = merged.system.size
    tail = tail_size(draws, scenario.buffers.capital_level)
    pool_size = max(risk_measure(merged.system, scenario.buffers.pool_quantile).value_at_risk, 0.0)
    coc = scenario.buffers.cost_of_capital
    institutions = buffers(merged.institution_loss / draws, merged.tail_institutions[:tail], pool_size, coc)
    deployments = buffers(merged.deployment_loss / draws, merged.tail_deployments[:tail], pool_size, coc)
    names = network.institutions.names
    return {
        "pool": {"quantile": scenario.buffers.pool_quantile, "size": pool_size},
        "institutions": _rows(
            network.institutions.ids,
            institutions,
            {
                "name": names,
                "sector": [network.sectors[s] for s in network.institution_sector],
                "equity": [float(v) for v in network.equity],
                "default_probability": [float(v) for v in merged.institution_defaults / draws],
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
    merged: Merged, network: Network, scenario: Scenario, probability: np.ndarray, alone: np.ndarray
) -> list[dict[str, Any]]:
    """Each provider's and model's systemic importance: loss given its failure, its share of the
    expected shortfall, the loss its failure alone causes, and whether that is insurable."""
    draws = merged.system.size
    tail = tail_size(draws, scenario.buffers.capital_level)
    contribution = (
        merged.tail_causes[:tail].mean(axis=0) if merged.tail_causes.size else np.zeros(alone.size + 1)
    )
    capacity = scenario.buffers.insurance_capacity
    layers = ["compute"] * len(network.providers) + ["model"] * len(network.models)
    names = network.providers.names + network.models.names
    rows = []
    for unit, node in enumerate(network.failure_units):
        failures = int(merged.unit_failures[unit])
        rows.append(
            {
                "id": node,
                "name": names[unit],
                "layer": layers[unit],
                "failure_probability": float(probability[unit]),
                "failures": failures,
                "expected_loss_given_failure": float(merged.unit_failure_loss[unit] / failures)
                if failures
                else None,
                "expected_shortfall_contribution": float(contribution[unit]),
                "loss_alone": float(alone[unit]),
                "uninsurable_linchpin": bool(capacity is not None and alone[unit] > capacity),
            }
        )
    return rows
