"""The stress-test engine's entry point: a network and a scenario in, metrics and the folded draws out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from custos.risk.graph import chart_graph
from custos.risk.metrics import entity_metrics, importance_metrics, system_metrics
from custos.risk.montecarlo import Aggregate, Progress, check_tail_memory, run_chunks
from custos.risk.network import Network
from custos.risk.plan import compile_plan
from custos.risk.scenario import Scenario
from custos.risk.simulate import losses_alone

#: Bumped whenever a change to the engine can change a run's numbers.
ENGINE_VERSION = "custos-risk/2"


@dataclass(frozen=True)
class RunResult:
    metrics: dict[str, Any]
    aggregate: Aggregate


def run_stress_test(
    network: Network, scenario: Scenario, scheduler: str | None = None, progress: Progress | None = None
) -> RunResult:
    """Compile, draw every chunk (here or on Dask), and measure; the same inputs give the same numbers."""
    plan = compile_plan(network, scenario)
    tails = check_tail_memory(scenario, network)
    aggregate = run_chunks(plan, network, tails, scheduler, progress)
    alone = losses_alone(plan, network)
    metrics: dict[str, Any] = {
        "engine": ENGINE_VERSION,
        "scenario": scenario.name,
        "seed": scenario.seed,
        "contagion": scenario.contagion.model_dump(mode="json"),
        "network": network.summary(),
        "system": system_metrics(aggregate, scenario),
        **entity_metrics(aggregate, network, scenario),
        "providers": importance_metrics(aggregate, network, scenario, plan.probability, alone),
        "convergence": {
            "iterations": aggregate.iterations,
            "residual": aggregate.residual,
            "tolerance": scenario.contagion.tolerance,
            "max_iterations": scenario.contagion.max_iterations,
        },
    }
    if scenario.buffers.insurance_capacity is not None:
        metrics["insurance_capacity"] = scenario.buffers.insurance_capacity
    metrics["linchpins"] = [row["id"] for row in metrics["providers"] if row["uninsurable_linchpin"]]
    metrics["graph"] = chart_graph(network, metrics)
    return RunResult(metrics=metrics, aggregate=aggregate)
