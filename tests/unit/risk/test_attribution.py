"""Shapley attribution of the expected shortfall, against games worked out by hand and the axioms
(efficiency, symmetry, null player, additivity where losses are linear)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from custos.risk.engine import attribution
from custos.risk.engine.attribution import shapley_attribution, tail_shocks
from custos.risk.engine.montecarlo import tail_size
from custos.risk.engine.network import Network
from custos.risk.engine.network_build import Columns, assemble
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.scenario import Scenario
from custos.risk.engine.simulate import propagate
from custos.risk.engine.stress_test import RunResult, run_stress_test
from tests.unit.risk.sample import sample_network, scenario


def bank_on_two_clouds(equity: float = 10.0) -> Network:
    """One bank (external assets 100, owes 100 − equity outside) with one deployment of exposure
    100 on a model hosted half on each of two clouds, and a third cloud nobody uses."""
    return assemble(
        Columns(
            name="two clouds",
            currency="EUR",
            provider_ids=["p1", "p2", "idle"],
            provider_names=["P1", "P2", "Idle"],
            model_ids=["m"],
            model_names=["M"],
            model_developers=["lab"],
            hosting_model=["m", "m"],
            hosting_provider=["p1", "p2"],
            hosting_share=[0.5, 0.5],
            hosting_failover=[0.0, 0.0],
            deployment_ids=["d"],
            deployment_names=["D"],
            deployment_owner=["bank"],
            deployment_model=["m"],
            deployment_exposure=[100.0],
            deployment_fallback=[None],
            deployment_host=[None],
            institution_ids=["bank"],
            institution_names=["Bank"],
            institution_sector=["banks"],
            external_assets=[100.0],
            external_liabilities=[100.0 - equity],
        )
    )


def outages(extra: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "every cloud down",
            "seed": 7,
            "draws": 1,
            "outages": [
                {"provider": "p1", "loss_rate": 0.15},
                {"provider": "p2", "loss_rate": 0.15},
                {"provider": "idle", "loss_rate": 0.15},
            ],
            **extra,
        }
    )


def contributions(result: RunResult) -> dict[str, float]:
    return {row["id"]: row["expected_shortfall_contribution"] for row in result.metrics["providers"]}


def es(result: RunResult) -> float:
    level = result.metrics["system"]["monte_carlo"]["expected_shortfall"]
    capital: float = level[f"{0.99:g}"]["estimate"]
    return capital


def test_two_clouds_that_default_the_bank_together_share_the_default_cost_equally() -> None:
    # Rogers–Veraart with α = 0.5: one cloud down costs the bank 0.5 × 0.15 × 100 = 7.5 of its 10
    # equity. Both: 15 lost, assets 85 < 90 owed, so it defaults and pays 0.5 × 85 = 42.5: the
    # system loses its 10 equity and 90 − 42.5 = 47.5 of its creditors', 57.5 in all.
    # v(P1) = v(P2) = 7.5, v(P1, P2) = 57.5: each cloud's Shapley value is
    # ½ × 7.5 + ½ × (57.5 − 7.5) = 28.75; the idle cloud changes nothing and gets 0.
    result = run_stress_test(
        bank_on_two_clouds(), outages({"contagion": {"model": "rogers-veraart", "alpha": 0.5}})
    )
    assert result.metrics["system"]["expected_loss"] == pytest.approx(57.5, rel=1e-12)
    shares = contributions(result)
    assert shares["p1"] == pytest.approx(28.75, rel=1e-12)
    assert shares["p2"] == pytest.approx(28.75, rel=1e-12)
    assert shares["idle"] == 0.0
    assert shares["m"] == 0.0  # the model did not fail
    summary = result.metrics["attribution"]
    assert summary["markets"] == 0.0 and summary["baseline"] == 0.0
    assert (summary["draws"], summary["exact_draws"], summary["sampled_draws"]) == (1, 1, 0)
    assert "Shapley" in summary["method"]


def test_where_losses_are_linear_shapley_is_the_direct_loss_and_the_proportional_share() -> None:
    # Ample equity and Eisenberg–Noe: nobody defaults and the system loses exactly the shocks, so
    # each cloud's marginal loss is the same in every coalition: its loss alone (7.5), which is
    # also its share in proportion to direct losses; the markets' is the asset fall, 0.02 × 100.
    result = run_stress_test(
        bank_on_two_clouds(equity=60.0), outages({"asset_shocks": [{"sector": "all", "mean": -0.02}]})
    )
    shares = contributions(result)
    alone = {row["id"]: row["loss_alone"] for row in result.metrics["providers"]}
    assert shares["p1"] == pytest.approx(7.5, rel=1e-12) == alone["p1"]
    assert shares["p2"] == pytest.approx(7.5, rel=1e-12) == alone["p2"]
    assert result.metrics["attribution"]["markets"] == pytest.approx(2.0, rel=1e-12)
    network = bank_on_two_clouds(equity=60.0)
    plan = compile_plan(network, outages({"asset_shocks": [{"sector": "all", "mean": -0.02}]}))
    failed, moves = tail_shocks(plan, network, result.aggregate.tail_draws[:1])
    proportional = propagate(plan, network, failed, moves).causes[:, 0]  # in proportion to direct losses
    assert proportional[:3] == pytest.approx([7.5, 7.5, 0.0], rel=1e-12)
    assert proportional[-1] == pytest.approx(2.0, rel=1e-12)


RANDOM = """
draws: 3000
chunk_size: 700
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
contagion: {model: rogers-veraart, alpha: 0.5, beta: 0.7}
buffers: {capital_level: 0.98}
"""


@pytest.fixture(scope="module")
def random_run() -> tuple[Network, Scenario, RunResult]:
    network, run = sample_network(), scenario(RANDOM)
    return network, run, run_stress_test(network, run)


def test_the_tail_draws_drawn_again_are_exactly_the_runs(random_run: Any) -> None:
    network, run, result = random_run
    plan = compile_plan(network, run)
    tail = tail_size(run.draws, run.buffers.capital_level)
    draws = result.aggregate.tail_draws[:tail]
    assert len(set(draws // plan.chunk_size)) > 1  # the tail spans chunks
    failed, moves = tail_shocks(plan, network, draws)
    again = propagate(plan, network, failed, moves).system
    # the same shocks, propagated in other columns: equal up to the last bit BLAS may round apart
    np.testing.assert_allclose(again, result.aggregate.tail_losses[:tail], rtol=1e-14, atol=0)
    # while a draw's neighbour is another draw altogether
    shifted = propagate(plan, network, *tail_shocks(plan, network, (draws + 1) % run.draws)).system
    assert not np.allclose(shifted, result.aggregate.tail_losses[:tail], rtol=1e-6)


def test_contributions_and_the_markets_add_up_to_the_expected_shortfall(random_run: Any) -> None:
    result = random_run[2]
    summary = result.metrics["attribution"]
    total = sum(contributions(result).values()) + summary["markets"] + summary["baseline"]
    capital = result.metrics["system"]["monte_carlo"]["expected_shortfall"]["0.98"]["estimate"]
    assert total == pytest.approx(capital, rel=1e-12)
    assert summary["exact_draws"] == summary["draws"] == tail_size(3000, 0.98)
    assert summary["baseline"] == 0.0
    # contagion makes the game non-additive here, so Shapley differs from the proportional shares
    network, run, _ = random_run
    plan = compile_plan(network, run)
    failed, moves = tail_shocks(plan, network, result.aggregate.tail_draws[: summary["draws"]])
    proportional = propagate(plan, network, failed, moves).causes[:-1].mean(axis=1)
    assert not np.allclose(list(contributions(result).values()), proportional, rtol=1e-6)


def test_sampled_permutations_keep_efficiency_and_agree_with_exact_values_within_their_error(
    random_run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    network, run, result = random_run
    plan = compile_plan(network, run)
    exact = shapley_attribution(plan, network, result.aggregate, 0.98)
    monkeypatch.setattr(attribution, "budget", lambda plan, network: 60)  # two players exact at most
    monkeypatch.setattr(attribution, "MIN_PERMUTATIONS", 400)
    sampled = shapley_attribution(plan, network, result.aggregate, 0.98)
    again = shapley_attribution(plan, network, result.aggregate, 0.98)
    assert sampled.sampled_draws > 0 and sampled.permutations == 400
    np.testing.assert_array_equal(sampled.units, again.units)  # seeded: the same every time
    assert sampled.units.sum() + sampled.markets == pytest.approx(
        exact.units.sum() + exact.markets, rel=1e-12
    )
    error = sampled.standard_error
    assert (error > 0).any()
    assert np.all(np.abs(sampled.units - exact.units) <= 5 * error[:-1] + 1e-9)
    assert abs(sampled.markets - exact.markets) <= 5 * error[-1] + 1e-9
