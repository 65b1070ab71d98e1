"""A scenario compiled against a network: every name resolved, every law an array.

The plan is what a chunk of draws needs and nothing else, so it pickles small to a Dask worker.
Failure units are the providers followed by the models; providers fail by outage, models by
compromise or mispricing. Asset shocks are ordered with those that move in every draw first and
those joint with failures after them, so a joint shock takes its random numbers after every other
shock's: adding one changes no draw in which its units do not fail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from custos.core.errors import InvalidInput
from custos.risk.engine.correlation import (
    check_correlation,
    dependency_correlation,
    dependency_profiles,
    factor,
)
from custos.risk.engine.fire_sale_plan import FireSalePlan, compile_fire_sales
from custos.risk.engine.network import Layer, Network
from custos.risk.engine.scenario import Contagion, Copula, FailureLaw, Scenario


@dataclass(frozen=True)
class Plan:
    draws: int
    chunk_size: int
    seed: int
    forced: np.ndarray  # (units,) bool: fails in every draw
    loss_rate: np.ndarray  # (units,) loss rate when the unit fails
    probability: np.ndarray  # (units,) marginal failure probability
    random_units: np.ndarray  # indices of the units that fail at random
    loadings: np.ndarray  # (random, random): latent = loadings @ standard normals
    thresholds: np.ndarray  # (random,): a unit fails when its latent falls below
    copula: Copula
    degrees_of_freedom: float
    shock_sectors: np.ndarray  # (shocks, sectors) bool: which sectors each shock moves
    shock_mean: np.ndarray  # (shocks,)
    shock_volatility: np.ndarray  # (shocks,)
    shock_triggers: np.ndarray  # (shocks, units) bool: the units whose failure sets it off; none: always
    shock_per_failure: np.ndarray  # (shocks,) bool: scaled by how many of them failed
    fallback_recovery: float
    contagion: Contagion
    fire_sales: FireSalePlan | None = None

    @property
    def chunks(self) -> int:
        return -(-self.draws // self.chunk_size)

    def chunk_draws(self, chunk: int) -> int:
        return min(self.chunk_size, self.draws - chunk * self.chunk_size)


def _locate(layer: Layer, name: str, entry: str) -> int:
    try:
        return layer.lookup[name]
    except KeyError:
        raise InvalidInput(
            "the scenario names an unknown node", evidence={"entry": entry, "value": name}
        ) from None


def _unit(network: Network, name: str, entry: str) -> int:
    if name in network.providers.lookup:
        return network.providers.lookup[name]
    return len(network.providers) + _locate(network.models, name, entry)


def _random_laws(network: Network, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    providers, models = len(network.providers), len(network.models)
    probability, rate = np.zeros(providers + models), np.zeros(providers + models)
    failures = scenario.correlated_failures
    if failures is None:
        return probability, rate
    layers: tuple[tuple[str, Layer, FailureLaw, int], ...] = (
        ("providers", network.providers, failures.providers, 0),
        ("models", network.models, failures.models, providers),
    )
    for label, layer, law, offset in layers:
        probability[offset : offset + len(layer)] = law.probability
        rate[offset : offset + len(layer)] = law.loss_rate
        for name, value in law.overrides.items():
            probability[offset + _locate(layer, name, f"correlated_failures.{label}.overrides")] = value
    return probability, rate


def _correlation(network: Network, scenario: Scenario, units: np.ndarray) -> np.ndarray:
    failures = scenario.correlated_failures
    assert failures is not None  # only called when some unit fails at random
    if failures.correlation is None:
        profiles = dependency_profiles(network)[units]
        return dependency_correlation(profiles, failures.base_correlation, failures.dependency_correlation)
    given = failures.correlation
    named = [
        _unit(network, name, f"correlated_failures.correlation.nodes[{k}]")
        for k, name in enumerate(given.nodes)
    ]
    if len(set(named)) != len(named):
        raise InvalidInput("a node appears twice in the correlation matrix", evidence={"nodes": given.nodes})
    rows = [len(row) for row in given.matrix]
    if any(length != len(named) for length in rows) or len(rows) != len(named):
        raise InvalidInput(
            "the correlation matrix must be square, one row and column per node",
            evidence={"nodes": len(named), "rows": rows},
        )
    matrix = np.asarray(given.matrix, dtype=np.float64)
    check_correlation(matrix, given.nodes)
    position = {unit: k for k, unit in enumerate(units)}
    full = np.eye(units.size)
    for a, unit_a in enumerate(named):
        for b, unit_b in enumerate(named):
            if unit_a in position and unit_b in position:
                full[position[unit_a], position[unit_b]] = matrix[a, b]
    return full


@dataclass(frozen=True)
class _Shocks:
    sectors: np.ndarray
    mean: np.ndarray
    volatility: np.ndarray
    triggers: np.ndarray
    per_failure: np.ndarray


def _asset_shocks(network: Network, scenario: Scenario) -> _Shocks:
    sectors = {name: k for k, name in enumerate(network.sectors)}
    shocks = scenario.asset_shocks
    order = sorted(range(len(shocks)), key=lambda k: bool(shocks[k].on_failure_of))  # stable
    moved = np.zeros((len(shocks), len(network.sectors)), dtype=bool)
    triggers = np.zeros((len(shocks), len(network.failure_units)), dtype=bool)
    for row, k in enumerate(order):
        shock = shocks[k]
        if shock.sector == "all":
            moved[row] = True
        elif shock.sector in sectors:
            moved[row, sectors[shock.sector]] = True
        else:
            raise InvalidInput(
                "the scenario names an unknown sector",
                evidence={
                    "entry": f"asset_shocks[{k}].sector",
                    "value": shock.sector,
                    "sectors": list(sectors),
                },
            )
        for n, name in enumerate(shock.on_failure_of):
            triggers[row, _unit(network, name, f"asset_shocks[{k}].on_failure_of[{n}]")] = True
    ordered = [shocks[k] for k in order]
    return _Shocks(
        sectors=moved,
        mean=np.asarray([shock.mean for shock in ordered], dtype=np.float64),
        volatility=np.asarray([shock.volatility for shock in ordered], dtype=np.float64),
        triggers=triggers,
        per_failure=np.asarray([shock.per_failure for shock in ordered], dtype=bool),
    )


def compile_plan(network: Network, scenario: Scenario) -> Plan:
    """Resolve the scenario's names against the network; refuse unknown nodes and bad matrices."""
    probability, rate = _random_laws(network, scenario)
    forced = np.zeros(probability.size, dtype=bool)
    for k, outage in enumerate(scenario.outages):
        unit = _locate(network.providers, outage.provider, f"outages[{k}].provider")
        forced[unit], rate[unit] = True, outage.loss_rate
    for k, compromise in enumerate(scenario.compromises):
        unit = len(network.providers) + _locate(network.models, compromise.model, f"compromises[{k}].model")
        forced[unit], rate[unit] = True, compromise.loss_rate
    random_units = np.flatnonzero((probability > 0) & ~forced)
    failures = scenario.correlated_failures
    copula = failures.copula if failures else Copula.GAUSSIAN
    df = failures.degrees_of_freedom if failures else 4.0
    if random_units.size:
        loadings = factor(_correlation(network, scenario, random_units))
        law = stats.norm() if copula is Copula.GAUSSIAN else stats.t(df)
        thresholds = np.asarray(law.ppf(probability[random_units]), dtype=np.float64)
    else:
        loadings, thresholds = np.zeros((0, 0)), np.zeros(0)
    shocks = _asset_shocks(network, scenario)
    return Plan(
        draws=scenario.draws,
        chunk_size=min(scenario.chunk_size, scenario.draws),
        seed=scenario.seed,
        forced=forced,
        loss_rate=rate,
        probability=np.where(forced, 1.0, probability),
        random_units=random_units,
        loadings=loadings,
        thresholds=thresholds,
        copula=copula,
        degrees_of_freedom=df,
        shock_sectors=shocks.sectors,
        shock_mean=shocks.mean,
        shock_volatility=shocks.volatility,
        shock_triggers=shocks.triggers,
        shock_per_failure=shocks.per_failure,
        fallback_recovery=scenario.fallback_recovery,
        contagion=scenario.contagion,
        fire_sales=compile_fire_sales(network, scenario.fire_sales),
    )
