"""The stress-test engine's entry point: a network and a scenario in, metrics and the folded draws out.

Where the chunks are drawn is the caller's choice (a :data:`ChunkRunner`): in this process by
default, or on a cluster through ``custos.risk.adapters.dask_runner``. Either way the numbers are
the same, so the engine's version, not where it ran, is what a filed run records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from custos.risk.engine.attribution import shapley_attribution
from custos.risk.engine.fire_sale_metrics import fire_sale_metrics, second_round_system
from custos.risk.engine.graph import chart_graph
from custos.risk.engine.metrics import entity_metrics, importance_metrics, system_metrics
from custos.risk.engine.montecarlo import Aggregate, ChunkRunner, Progress, check_tail_memory, run_chunks
from custos.risk.engine.network import Network
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.scenario import Scenario
from custos.risk.engine.simulate import losses_alone

#: Bumped whenever a change to the engine can change a run's numbers.
ENGINE_VERSION = "custos-risk/4"


@dataclass(frozen=True)
class RunResult:
    """Every metric (what results.json holds) and the folded draws the charts and files are drawn from."""

    metrics: dict[str, Any]
    aggregate: Aggregate


def run_stress_test(
    network: Network,
    scenario: Scenario,
    progress: Progress | None = None,
    chunks: ChunkRunner = run_chunks,
) -> RunResult:
    """Compile, draw every chunk (with ``chunks``), and measure; the same inputs give the same numbers."""
    plan = compile_plan(network, scenario)
    tails = check_tail_memory(scenario, network)
    aggregate = chunks(plan, network, tails, progress)
    alone = losses_alone(plan, network)
    attribution = shapley_attribution(plan, network, aggregate, scenario.buffers.capital_level)
    metrics: dict[str, Any] = {
        "engine": ENGINE_VERSION,
        "scenario": scenario.name,
        "seed": scenario.seed,
        "contagion": scenario.contagion.model_dump(mode="json"),
        "network": network.summary(),
        "system": {**system_metrics(aggregate, scenario), **second_round_system(aggregate, scenario)},
        **entity_metrics(aggregate, network, scenario),
        "providers": importance_metrics(
            aggregate, network, scenario, plan.probability, alone, attribution.units
        ),
        "attribution": attribution.summary(),
        "convergence": {
            "iterations": aggregate.iterations,
            "residual": aggregate.residual,
            "tolerance": scenario.contagion.tolerance,
            "max_iterations": scenario.contagion.max_iterations,
        },
    }
    if plan.fire_sales is not None:
        metrics["fire_sales"] = fire_sale_metrics(aggregate, network, plan.fire_sales)
    if scenario.buffers.insurance_capacity is not None:
        metrics["insurance_capacity"] = scenario.buffers.insurance_capacity
    metrics["linchpins"] = [row["id"] for row in metrics["providers"] if row["uninsurable_linchpin"]]
    metrics["graph"] = chart_graph(network, metrics)
    return RunResult(metrics=metrics, aggregate=aggregate)
