"""Drawing to a target error: rounds grow by the square-root law, stop at the target or the limit,
and a round is the very run its draws would give alone."""

from __future__ import annotations

import itertools

import pytest

from custos.risk.engine.precision import most_draws, next_draws, relative_error, run_to_precision
from custos.risk.engine.stress_test import run_stress_test
from tests.unit.risk.sample import sample_network, scenario

RANDOM = """
chunk_size: 500
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
levels: [0.95]
buffers: {capital_level: 0.95}
"""


def test_rounds_until_the_target_then_stop() -> None:
    chosen = scenario("draws: 4000\nprecision: {target_se: 0.02, max_draws: 200000}\n" + RANDOM)
    result = run_to_precision(sample_network(), chosen)
    precision = result.metrics["precision"]
    rounds = precision["rounds"]
    assert precision["reached"] and "reason" not in precision
    errors = [r["relative_standard_error"] for r in rounds]
    assert errors[-1] <= 0.02 < min(errors[:-1], default=1.0)
    draws = [r["draws"] for r in rounds]
    assert draws[0] == 4000 and all(b >= 2 * a for a, b in itertools.pairwise(draws))
    assert all(d % 500 == 0 for d in draws)
    # the final round is exactly the run of the scenario with its draws, nothing carried over
    alone = run_stress_test(sample_network(), chosen.model_copy(update={"draws": draws[-1]}))
    assert alone.metrics["system"] == result.metrics["system"]


def test_a_limit_stops_the_rounds_with_the_reason() -> None:
    chosen = scenario("draws: 2000\nprecision: {target_se: 0.0001, max_draws: 9000}\n" + RANDOM)
    precision = run_to_precision(sample_network(), chosen).metrics["precision"]
    assert not precision["reached"]
    assert [r["draws"] for r in precision["rounds"]][-1] == 9000
    assert "9,000 draws" in precision["reason"]


def test_without_precision_one_run_and_no_rounds() -> None:
    chosen = scenario("draws: 1000\n" + RANDOM)
    assert "precision" not in run_to_precision(sample_network(), chosen).metrics
    assert most_draws(chosen) == 1000


def test_the_square_root_law_and_its_floor() -> None:
    chosen = scenario("draws: 10000\nprecision: {target_se: 0.01}\n" + RANDOM)
    # an error of 3% against 1% asks for 9 times the draws; 1.1% would ask for less than double
    assert next_draws(chosen, 0.03, 0.01, 10**7) == 90_000
    assert next_draws(chosen, 0.011, 0.01, 10**7) == 20_000
    assert next_draws(chosen, 0.5, 0.01, 123_456) == 123_456
    # no error yet (batch tails too thin): enough draws for every batch's tail at the capital level
    assert (
        next_draws(scenario("draws: 100\nprecision: {target_se: 0.01}\n" + RANDOM), None, 0.01, 10**7) == 4000
    )
    assert most_draws(chosen) == 10_000_000


def test_relative_error_reads_the_capital_level() -> None:
    metrics = {
        "system": {"monte_carlo": {"expected_shortfall": {"0.95": {"standard_error": 2.0, "estimate": 50.0}}}}
    }
    assert relative_error(metrics, scenario("draws: 10\n" + RANDOM)) == pytest.approx(0.04)
