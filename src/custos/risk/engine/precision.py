"""Draw until a run is precise enough: the scenario's ``precision`` asks for a relative standard
error of the expected shortfall at the capital level, the figure capital is set from.

A run's Monte Carlo error falls as one over the square root of its draws, so a run whose error is
``s`` with ``n`` draws needs about ``n·(s/target)²`` to reach the target. Each new round runs the
whole scenario again with that many draws (at least twice as many as the round before, since the
error is itself estimated, rounded up to whole chunks, never more than ``max_draws``); the seed
is the scenario's, so the result depends only on the scenario, never on the rounds' timing. A
round repeats the earlier rounds' first draws (chunk seeds do not depend on how many chunks
there are), which costs at most as much again as the final round: the draws double at least.
The rounds, each with its draws and error, are kept in the run's metrics.
"""

from __future__ import annotations

import math
from typing import Any

from custos.core.units import count, percent
from custos.risk.engine.metrics import draws_for_batch_tails
from custos.risk.engine.montecarlo import ChunkRunner, Progress, run_chunks
from custos.risk.engine.network import Network
from custos.risk.engine.scenario import Scenario
from custos.risk.engine.stress_test import RunResult, run_stress_test


def most_draws(scenario: Scenario) -> int:
    """The most draws the scenario's run may make: its own, or its precision's limit."""
    return scenario.draws if scenario.precision is None else max(scenario.draws, scenario.precision.max_draws)


def relative_error(metrics: dict[str, Any], scenario: Scenario) -> float | None:
    """The run's relative standard error of the expected shortfall at the capital level, or None
    when batch means cannot give one (too few draws in each batch's tail)."""
    level = f"{scenario.buffers.capital_level:g}"
    figure = metrics["system"]["monte_carlo"]["expected_shortfall"][level]
    error, estimate = figure["standard_error"], figure["estimate"]
    if error is None:
        return None
    return float(error / estimate) if estimate > 0 else 0.0


def next_draws(scenario: Scenario, error: float | None, target: float, limit: int) -> int:
    """The draws of the next round: what the error's square-root law asks for, at least double,
    in whole chunks, at most ``limit``."""
    draws = scenario.draws
    wanted = 2 * draws
    if error is None:
        wanted = max(wanted, draws_for_batch_tails(scenario.buffers.capital_level))
    else:
        wanted = max(wanted, math.ceil(draws * (error / target) ** 2))
    chunk = scenario.chunk_size
    return min(-(-wanted // chunk) * chunk, limit)


def run_to_precision(
    network: Network,
    scenario: Scenario,
    progress: Progress | None = None,
    chunks: ChunkRunner = run_chunks,
) -> RunResult:
    """The scenario's run; with ``precision``, rounds with more draws until the target is met."""
    precision = scenario.precision
    result = run_stress_test(network, scenario, progress, chunks)
    if precision is None:
        return result
    rounds = []
    while True:
        error = relative_error(result.metrics, scenario)
        rounds.append({"draws": scenario.draws, "relative_standard_error": error})
        reached = error is not None and error <= precision.target_se
        if reached or scenario.draws >= precision.max_draws:
            break
        scenario = scenario.model_copy(
            update={"draws": next_draws(scenario, error, precision.target_se, precision.max_draws)}
        )
        result = run_stress_test(network, scenario, progress, chunks)
    summary: dict[str, Any] = {
        "target_relative_standard_error": precision.target_se,
        "figure": f"expected shortfall at {percent(scenario.buffers.capital_level)}",
        "max_draws": precision.max_draws,
        "reached": reached,
        "rounds": rounds,
    }
    if not reached:
        summary["reason"] = (
            f"the target was not reached within {count(precision.max_draws)} draws: raise max_draws "
            "or loosen the target"
        )
    result.metrics["precision"] = summary
    return result
