"""The engine end to end on the sample network, against figures worked out by hand and the
accounting identities every run must keep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from custos.core.errors import InvalidInput
from custos.risk.adapters.network_files import load_network
from custos.risk.engine.metrics import risk_measure
from custos.risk.engine.montecarlo import Aggregate, Progress, Tails, run_chunks, tail_size
from custos.risk.engine.network import Network
from custos.risk.engine.plan import Plan, compile_plan
from custos.risk.engine.simulate import draw_shocks, propagate
from custos.risk.engine.stress_test import run_stress_test
from tests.unit.risk.sample import copy_sample, sample_network, scenario

NORTH_OUTAGE = "draws: 1\noutages: [{provider: cloud-north, loss_rate: 0.15}]\n"


def test_a_north_cloud_outage_costs_what_hand_arithmetic_says() -> None:
    # credit-llm: 0.8 of it on North, a quarter of that fails over: 0.8 × 0.75 × 0.15 = 0.09 lost.
    # advisor-gpt: 0.6 on North, no failover: 0.6 × 0.15 = 0.09 lost.
    # Fund E's advice falls back to credit-llm, which works 91%: keeps 1 − 0.8 × 0.91 = 0.272.
    expected = {
        "a-credit": 300 * 0.09,
        "b-credit": 250 * 0.09,
        "b-advice": 120 * 0.09,
        "e-advice": 160 * 0.09 * 0.272,
        "r-support": 90 * 0.09,
    }
    result = run_stress_test(sample_network(), scenario(NORTH_OUTAGE))
    deployments = {row["id"]: row["expected_loss"] for row in result.metrics["deployments"]}
    for deployment, loss in expected.items():
        assert deployments[deployment] == pytest.approx(loss, rel=1e-12)
    assert deployments["a-fraud"] == deployments["c-fraud"] == deployments["d-claims"] == 0
    system = result.metrics["system"]
    # Eisenberg–Noe conserves value and nobody defaults: the system loses exactly the shock.
    assert system["expected_loss"] == pytest.approx(sum(expected.values()), rel=1e-12)
    assert system["expected_real_economy_loss"] == pytest.approx(90 * 0.09)
    assert system["expected_defaults"] == 0
    north = next(row for row in result.metrics["providers"] if row["id"] == "cloud-north")
    assert north["expected_shortfall_contribution"] == pytest.approx(system["expected_loss"])


RANDOM = """
draws: 3000
chunk_size: 700
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
"""


@pytest.fixture(scope="module")
def random_run():  # type: ignore[no-untyped-def]
    return run_stress_test(
        sample_network(), scenario(RANDOM + "contagion: {model: rogers-veraart, alpha: 0.5, beta: 0.7}\n")
    )


def test_allocations_add_up_to_the_system_loss(random_run) -> None:  # type: ignore[no-untyped-def]
    run, metrics = random_run.aggregate, random_run.metrics
    tail = tail_size(run.draws, 0.99)
    sample = run.sample  # every draw: the run has fewer than the sample holds
    order = np.lexsort((sample.draws, -sample.system))[: run.tail_institutions.shape[0]]
    # in every kept tail draw, institutions and the real economy bear the whole loss; deployments
    # bear what their failures caused, the asset moves' part aside
    held = run.tail_institutions.sum(axis=1) + sample.real_economy[order]
    assert np.allclose(held, sample.system[order], rtol=1e-9, atol=1e-9)
    assert (run.tail_deployments.sum(axis=1) <= sample.system[order] + 1e-9).all()
    es = metrics["system"]["expected_shortfall"]["0.99"]
    real = sample.real_economy[order[:tail]].mean()
    institutions = sum(row["capital"] for row in metrics["institutions"])
    assert institutions + real == pytest.approx(es, rel=1e-9)
    pool = sum(row["pool_contribution"] for row in metrics["institutions"])
    assert pool == pytest.approx(metrics["pool"]["size"], rel=1e-9)


def test_each_layer_is_priced_and_shared_from_the_same_tail(random_run) -> None:  # type: ignore[no-untyped-def]
    metrics = random_run.metrics
    rows = metrics["institutions"]
    # no institution's tail reaches beyond its capital and an equal layer; deployments' tails do
    assert metrics["pool"]["shared_by"] == {"institutions": "capital", "deployments": "pool requirement"}
    assert not any(row["pool_requirement"] for row in rows)
    assert sum(row["pool_requirement"] for row in metrics["deployments"]) > 0
    capital = sum(max(row["capital"], 0.0) for row in rows)
    for row in rows:
        assert row["insurance_limit"] == pytest.approx(max(row["capital"], 0.0))  # one layer of capital
        assert 0 <= row["insurance_requirement"] <= row["insurance_limit"] + 1e-9
        payout = row["expected_insurance_payout"]
        assert 0 <= payout <= row["insurance_requirement"] + row["premium_error"]
        loading = 0.06 * max(row["insurance_requirement"] - payout, 0.0)
        assert row["premium"] == pytest.approx(payout + loading)
        share = metrics["pool"]["size"] * max(row["capital"], 0.0) / capital
        assert row["pool_contribution"] == pytest.approx(share)
    beyond = sum(row["pool_requirement"] for row in metrics["deployments"])
    for row in metrics["deployments"]:
        share = metrics["pool"]["size"] * row["pool_requirement"] / beyond
        assert row["pool_contribution"] == pytest.approx(share)


def test_default_costs_make_losses_larger_than_eisenberg_noe() -> None:
    network = sample_network()
    shocks = RANDOM + "asset_shocks: []\n"
    en = run_stress_test(
        network,
        scenario(shocks.replace("asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]\n", "")),
    )
    rv = run_stress_test(
        network,
        scenario(
            shocks.replace("asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]\n", "")
            + "contagion: {model: rogers-veraart, alpha: 0.5, beta: 0.5}\n"
        ),
    )
    assert np.allclose(en.aggregate.sample.system, en.aggregate.sample.direct, rtol=1e-9)  # conservation
    assert np.all(rv.aggregate.sample.system >= en.aggregate.sample.system - 1e-9)


def test_the_same_seed_gives_the_same_numbers_whatever_the_chunking_of_work() -> None:
    network = sample_network()
    plan = compile_plan(network, scenario(RANDOM))
    tails = Tails(30, 30)
    first = run_chunks(plan, network, tails)
    again = run_chunks(plan, network, tails)
    assert np.array_equal(first.sample.system, again.sample.system)
    assert np.array_equal(first.tail_draws, again.tail_draws)
    other_seed = run_chunks(
        compile_plan(network, scenario(RANDOM).model_copy(update={"seed": 2})), network, tails
    )
    assert not np.array_equal(first.sample.system, other_seed.sample.system)


def test_value_at_risk_and_expected_shortfall_of_a_known_sample() -> None:
    largest = np.arange(1.0, 101.0)[::-1].copy()
    measure = risk_measure(largest, 100, 0.95)
    assert measure.value_at_risk == 96 and measure.expected_shortfall == 98
    assert risk_measure(largest, 100, 0.999).expected_shortfall == 100


def test_a_lone_failure_above_the_insurance_capacity_is_a_linchpin() -> None:
    text = (
        "draws: 10\ncorrelated_failures: {providers: {probability: 0.01, loss_rate: 0.15}}\n"
        "buffers: {insurance_capacity: 50}\n"
    )
    metrics = run_stress_test(sample_network(), scenario(text)).metrics
    alone = {row["id"]: row["loss_alone"] for row in metrics["providers"]}
    assert alone["cloud-north"] == pytest.approx(
        300 * 0.09 + 250 * 0.09 + 120 * 0.09 + 160 * 0.09 * 0.272 + 90 * 0.09
    )
    assert metrics["linchpins"] == [u for u, loss in alone.items() if loss > 50]
    assert "cloud-north" in metrics["linchpins"]


@pytest.mark.parametrize("model", ["debtrank", "debtrank-single-hit", "threshold"])
def test_every_contagion_model_runs_and_losses_stay_within_equity_and_shock(model: str) -> None:
    result = run_stress_test(
        sample_network(),
        scenario(RANDOM.replace("3000", "400") + f"contagion: {{model: {model}, lgd: 0.6}}\n"),
    )
    network = sample_network()
    per_draw_cap = network.equity.sum() + network.external_liabilities.sum()
    assert np.all(result.aggregate.sample.system <= per_draw_cap + 90)
    assert result.metrics["system"]["expected_loss"] >= 0


def test_a_deployment_with_its_own_host_depends_on_that_host_only(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
    table = directory / "deployments.csv"
    rows = table.read_text().splitlines()
    rows[0] += ",host"
    rows[1:] = [row + (",gpu-east" if row.startswith("a-credit,") else ",") for row in rows[1:]]
    table.write_text("\n".join(rows) + "\n")
    result = run_stress_test(load_network(directory), scenario(NORTH_OUTAGE))
    deployments = {row["id"]: row["expected_loss"] for row in result.metrics["deployments"]}
    assert deployments["a-credit"] == 0  # on East GPU, untouched by North Cloud's outage
    assert deployments["b-credit"] == pytest.approx(250 * 0.09)  # still on the model's hosts
    east = run_stress_test(load_network(directory), scenario(NORTH_OUTAGE.replace("cloud-north", "gpu-east")))
    # a-credit fully down on its own host; claims-vision 0.7 on East, advisor-gpt 0.4
    assert {r["id"]: r["expected_loss"] for r in east.metrics["deployments"]}["a-credit"] == pytest.approx(
        300 * 0.15
    )


@pytest.mark.parametrize("model", ["eisenberg-noe", "rogers-veraart", "debtrank", "threshold"])
def test_causes_add_up_to_the_system_loss_when_sectors_move_apart(model: str) -> None:
    text = (
        "draws: 50\nasset_shocks: [{sector: banking, mean: -0.01, volatility: 0.02}, "
        "{sector: insurance, mean: 0.06}]\n"
        "correlated_failures: {models: {probability: 0.2, loss_rate: 0.3}}\n"
        f"contagion: {{model: {model}, alpha: 0.5, beta: 0.5, lgd: 0.7}}\n"
    )
    network = sample_network()
    plan = compile_plan(network, scenario(text))
    failed, moves = draw_shocks(plan, network, np.random.default_rng(5), 50)
    outcome = propagate(plan, network, failed, moves)
    assert np.allclose(outcome.causes.sum(axis=0), outcome.system, rtol=1e-9, atol=1e-9)


def test_a_threshold_cascade_refuses_an_institution_without_equity(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
    table = directory / "institutions.csv"
    table.write_text(
        table.read_text().replace(
            "fund-e,Fund E,asset-management,300,250", "fund-e,Fund E,asset-management,300,305"
        )
    )
    with pytest.raises(InvalidInput, match="positive equity") as caught:
        run_stress_test(load_network(directory), scenario("draws: 1\ncontagion: {model: threshold}\n"))
    assert caught.value.evidence["entry"] == "fund-e"


def test_the_tail_is_exact_at_a_hundred_million_draws() -> None:
    assert tail_size(100_000_000, 0.95) == 5_000_000
    assert tail_size(1_000, 0.999) == 1


def test_the_chunks_are_drawn_by_the_runner_the_caller_gives() -> None:
    calls: list[tuple[int, Tails]] = []
    told: list[tuple[int, int]] = []

    def elsewhere(plan: Plan, network: Network, tails: Tails, progress: Progress | None) -> Aggregate:
        calls.append((plan.chunks, tails))
        return run_chunks(plan, network, tails, progress)

    text = RANDOM.replace("3000", "1400")  # two chunks of 700
    here = run_stress_test(sample_network(), scenario(text))
    there = run_stress_test(
        sample_network(), scenario(text), lambda done, total: told.append((done, total)), elsewhere
    )
    # two chunks of 700; tails of 5% of 1,400 draws (the lowest level, 0.95) and 1% (capital, 0.99)
    assert calls == [(2, Tails(70, 14))]
    assert told == [(1, 2), (2, 2)]
    assert there.metrics == here.metrics
