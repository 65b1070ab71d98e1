"""The Monte Carlo error of the headline figures, by batch means: batches of whole chunks, figures
re-estimated on each, and 95% intervals that cover the exact figures of a network whose loss
has a closed form about as often as they claim."""

from __future__ import annotations

import math

import numpy as np
import pytest
from distributed import LocalCluster
from scipy import stats

from custos.risk.adapters.dask_runner import run_chunks_on_dask
from custos.risk.engine.metrics import draws_for_batch_tails, monte_carlo_error
from custos.risk.engine.montecarlo import BATCHES, Accumulator, Aggregate, Tails, chunk_seeds, run_chunks
from custos.risk.engine.network import Network
from custos.risk.engine.network_build import Columns, assemble
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.scenario import Scenario
from custos.risk.engine.simulate import simulate_chunk
from custos.risk.engine.stress_test import run_stress_test
from tests.unit.risk.sample import sample_network, scenario

# K independent providers, each failing with probability P and hosting one model whole (no
# failover), each model used by one deployment of EXPOSURE outside the financial layer (no
# contagion): a provider's failure loses LOSS_RATE × EXPOSURE, so the system loses
# LOSS_RATE × EXPOSURE × X with X ~ Binomial(K, P).
K, P, EXPOSURE, LOSS_RATE = 10, 0.1, 100.0, 0.5
STEP = LOSS_RATE * EXPOSURE
LEVEL = 0.95  # P(X ≥ 3) = 7.0%, P(X ≥ 4) = 1.3%: the 5% tail holds X = 3 in part and all of X ≥ 4


def binomial_network() -> Network:
    providers = [f"cloud-{k}" for k in range(K)]
    models = [f"model-{k}" for k in range(K)]
    deployments = [f"deployment-{k}" for k in range(K)]
    return assemble(
        Columns(
            name="binomial",
            currency="EUR",
            provider_ids=providers,
            provider_names=providers,
            model_ids=models,
            model_names=models,
            model_developers=providers,
            hosting_model=models,
            hosting_provider=providers,
            hosting_share=[1.0] * K,
            hosting_failover=[0.0] * K,
            deployment_ids=deployments,
            deployment_names=deployments,
            deployment_owner=["a-firm"] * K,
            deployment_model=models,
            deployment_exposure=[EXPOSURE] * K,
            deployment_fallback=[None] * K,
            deployment_host=[None] * K,
        )
    )


def binomial_scenario(seed: int, draws: int = 4000, chunk_size: int = 200) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "independent failures",
            "seed": seed,
            "draws": draws,
            "chunk_size": chunk_size,
            "correlated_failures": {
                "base_correlation": 0,  # no correlation at all: the failures are independent
                "dependency_correlation": 0,
                "providers": {"probability": P, "loss_rate": LOSS_RATE},
            },
            "levels": [LEVEL],
            "buffers": {"capital_level": 0.9, "pool_quantile": LEVEL},
        }
    )


def exact_expected_shortfall(level: float) -> float:
    """E[L | the worst 1 − α of outcomes], from the binomial law: every outcome above the value at
    risk in full, and the value at risk's atom for what the tail still needs."""
    failures = np.arange(K + 1)
    mass = stats.binom.pmf(failures, K, P)
    var = int(stats.binom.ppf(level, K, P))
    above = failures > var
    tail = 1 - level
    return float(STEP * ((failures[above] * mass[above]).sum() + var * (tail - mass[above].sum())) / tail)


def test_the_exact_figures_of_the_binomial_network() -> None:
    # X ~ Bin(10, 0.1): P(X ≥ 3) = 0.0702 > 5% ≥ P(X ≥ 4) = 0.0128, so VaR is 3 failures and
    # ES = 50 × (E[X; X ≥ 4] + 3 × (0.05 − 0.0128)) / 0.05.
    mass = [math.comb(K, k) * P**k * (1 - P) ** (K - k) for k in range(K + 1)]
    by_hand = STEP * (sum(k * mass[k] for k in range(4, K + 1)) + 3 * (0.05 - sum(mass[4:]))) / 0.05
    assert exact_expected_shortfall(LEVEL) == pytest.approx(by_hand, rel=1e-12)
    assert 150 < by_hand < 200  # inside the tail, between its two smallest outcomes
    # one run's draws follow the law: its expected loss is p × K × 50 within its own interval
    figures = run_stress_test(binomial_network(), binomial_scenario(seed=1, draws=40_000)).metrics["system"]
    low, high = figures["monte_carlo"]["expected_loss"]["interval"]
    assert low <= K * P * STEP <= high and figures["value_at_risk"]["0.95"] == 3 * STEP


def test_the_intervals_cover_the_exact_figures_about_as_often_as_they_claim() -> None:
    """R = 200 runs of 4,000 draws (20 batches of one chunk each, a tail of 10 draws per batch at
    95%), seeds 0 to 199, so the test gives the same answer every time.

    If each interval covered the exact figure with probability 95%, the number that do would be
    Binomial(200, 0.95): 190 ± 3.1. The band 176–198 (88%–99%) holds it with probability above
    99.9% (P(< 176) ≈ 2·10⁻⁵, P(> 198) ≈ 4·10⁻⁴), and leaves room for what batch means only
    approximate: a t interval on 20 batch estimates, of a figure that is not a mean (expected
    shortfall) and of a loss that takes six values. Intervals a factor √20 too narrow (the
    standard error taken over B rather than √B) cover about 35% of the time, and intervals from
    the batch estimates' own spread without √B always: both fall outside the band.
    """
    network, expected_loss, expected_shortfall = (
        binomial_network(),
        K * P * STEP,
        exact_expected_shortfall(LEVEL),
    )
    covered = {"expected_loss": 0, "expected_shortfall": 0}
    batch_errors, plain_errors = [], []
    for seed in range(200):
        run = binomial_scenario(seed)
        aggregate = run_chunks(compile_plan(network, run), network, Tails.of(run))
        error = monte_carlo_error(aggregate, run)
        low, high = error["expected_loss"]["interval"]
        covered["expected_loss"] += low <= expected_loss <= high
        low, high = error["expected_shortfall"]["0.95"]["interval"]
        covered["expected_shortfall"] += low <= expected_shortfall <= high
        batch_errors.append(error["expected_loss"]["standard_error"])
        plain_errors.append(
            math.sqrt(aggregate.system_squares / aggregate.draws) / math.sqrt(aggregate.draws)
        )
    for figure, hits in covered.items():
        assert 176 <= hits <= 198, (figure, hits)
    # The expected loss's error agrees with the usual σ/√N, on average over the runs.
    assert np.mean(batch_errors) == pytest.approx(np.mean(plain_errors), rel=0.1)
    assert np.mean(plain_errors) == pytest.approx(STEP * math.sqrt(K * P * (1 - P) / 4000), rel=0.05)


def draws_of(aggregate: Aggregate) -> np.ndarray:
    """Every draw's system loss, by draw number (the sample holds every draw of a small run)."""
    assert np.array_equal(aggregate.sample.draws, np.arange(aggregate.draws))
    return aggregate.sample.system


@pytest.mark.parametrize(
    ("draws", "chunk_size", "batches"),
    [(5000, 100, 20), (4930, 100, 20), (2100, 300, 7), (1000, 1000, 1)],
    ids=["even", "uneven batches and a short last chunk", "fewer chunks than batches", "one chunk"],
)
def test_each_batch_is_its_contiguous_chunks_with_their_own_largest_losses(
    draws: int, chunk_size: int, batches: int
) -> None:
    network = sample_network()
    run = scenario(
        f"draws: {draws}\nchunk_size: {chunk_size}\n"
        "correlated_failures: {providers: {probability: 0.05, loss_rate: 0.6}, models: {probability: 0.03}}\n"
        "asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]\n"
    )
    plan = compile_plan(network, run)
    aggregate = run_chunks(plan, network, Tails.of(run))
    system = draws_of(aggregate)
    chunk = np.arange(draws) // chunk_size
    batch = chunk * min(BATCHES, plan.chunks) // plan.chunks  # chunk i in batch i·B // chunks
    assert aggregate.batch_draws.size == batches == batch.max() + 1
    assert np.all(np.diff(batch) >= 0)  # contiguous
    assert np.array_equal(aggregate.batch_draws, np.bincount(batch))
    assert np.allclose(aggregate.batch_sums, np.bincount(batch, weights=system), rtol=1e-12)
    for b, kept in enumerate(aggregate.batch_tails):
        own = np.sort(system[batch == b])[::-1]
        assert kept.size >= math.ceil(0.05 * own.size)  # as far as the lowest level's tail reaches
        assert np.array_equal(kept, own[: kept.size])
    assert sum(kept.size for kept in aggregate.batch_tails) <= Tails.of(run).system + batches


def test_the_batch_estimates_are_each_batchs_own_figures() -> None:
    network = binomial_network()
    run = binomial_scenario(seed=3, draws=8000, chunk_size=400)
    aggregate = run_chunks(compile_plan(network, run), network, Tails.of(run))
    system = draws_of(aggregate).reshape(BATCHES, -1)  # 20 batches of one chunk of 400
    tails = np.sort(system, axis=1)[:, ::-1][:, :20]  # ⌈5% × 400⌉
    error = monte_carlo_error(aggregate, run)
    t = stats.t.ppf(0.975, BATCHES - 1)
    for figure, estimates, whole in [
        (error["expected_loss"], system.mean(axis=1), system.mean()),
        (error["value_at_risk"]["0.95"], tails[:, -1], np.sort(system, axis=None)[::-1][399]),
        (
            error["expected_shortfall"]["0.95"],
            tails.mean(axis=1),
            np.sort(system, axis=None)[::-1][:400].mean(),
        ),
    ]:
        se = estimates.std(ddof=1) / math.sqrt(BATCHES)
        assert figure["estimate"] == pytest.approx(whole, rel=1e-12)
        assert figure["standard_error"] == pytest.approx(se, rel=1e-9)
        assert figure["interval"] == pytest.approx([whole - t * se, whole + t * se], rel=1e-9)
    assert error["batches"] == BATCHES and "Student's t with 19 degrees of freedom" in error["method"]
    # the capital level (90%), not among the levels, has its expected shortfall too
    assert error["expected_shortfall"]["0.9"]["estimate"] == pytest.approx(
        np.sort(system, axis=None)[::-1][:800].mean(), rel=1e-12
    )
    assert list(error["value_at_risk"]) == ["0.95"]


@pytest.mark.parametrize(("draws", "chunk_size", "given"), [(4000, 200, True), (3600, 180, False)])
def test_a_tail_of_fewer_than_ten_draws_in_a_batch_gets_no_error_but_the_reason(
    draws: int, chunk_size: int, given: bool
) -> None:
    # 5% of a batch of 200 draws is 10; of 180, 9
    network = binomial_network()
    run = binomial_scenario(seed=1, draws=draws, chunk_size=chunk_size)
    error = monte_carlo_error(run_chunks(compile_plan(network, run), network, Tails.of(run)), run)
    assert error["expected_loss"]["standard_error"] is not None
    for figure in (error["value_at_risk"]["0.95"], error["expected_shortfall"]["0.95"]):
        if given:
            assert figure["standard_error"] is not None and "reason" not in figure
        else:
            assert figure["standard_error"] is None and figure["interval"] is None
            assert figure["reason"] == "too few draws in each batch's tail at 95%: make at least 4,000 draws"
    assert draws_for_batch_tails(0.95) == 4000 and draws_for_batch_tails(0.999) == 200_000


def test_a_run_of_one_chunk_has_no_batches_to_compare() -> None:
    network = binomial_network()
    run = binomial_scenario(seed=1, draws=4000, chunk_size=4000)
    error = monte_carlo_error(run_chunks(compile_plan(network, run), network, Tails.of(run)), run)
    assert error["batches"] == 1 and "one batch per chunk" in error["method"]
    for figure in (
        error["expected_loss"],
        error["value_at_risk"]["0.95"],
        error["expected_shortfall"]["0.95"],
    ):
        assert figure["standard_error"] is None and "one chunk" in figure["reason"]


def test_a_loss_without_chance_has_no_monte_carlo_error() -> None:
    certain = scenario("draws: 4000\nchunk_size: 100\noutages: [{provider: cloud-north, loss_rate: 0.15}]\n")
    figures = run_stress_test(sample_network(), certain).metrics["system"]
    error = figures["monte_carlo"]
    loss = figures["expected_loss"]
    assert error["expected_loss"]["standard_error"] < 1e-12 * loss  # rounding alone
    assert error["expected_loss"]["interval"] == pytest.approx([loss, loss], rel=1e-12)
    shortfall = figures["expected_shortfall"]["0.95"]
    assert error["expected_shortfall"]["0.95"]["interval"] == pytest.approx([shortfall, shortfall], rel=1e-12)


RANDOM = """
draws: 6100
chunk_size: 200
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
"""


def test_the_batches_do_not_depend_on_the_order_chunks_arrive_in() -> None:
    network, run = sample_network(), scenario(RANDOM)
    plan, tails = compile_plan(network, run), Tails.of(run)
    seeds = chunk_seeds(plan)
    results = [
        simulate_chunk(plan, network, c, seeds[c], tails.system, tails.capital) for c in range(plan.chunks)
    ]
    in_order = run_chunks(plan, network, tails)
    shuffled = Accumulator(plan, network, tails)
    for k in np.random.default_rng(4).permutation(plan.chunks):
        shuffled.add(results[k])
    other = shuffled.result()
    assert np.array_equal(other.batch_sums, in_order.batch_sums)  # summed in chunk order either way
    assert all(np.array_equal(a, b) for a, b in zip(other.batch_tails, in_order.batch_tails, strict=True))
    assert monte_carlo_error(other, run) == monte_carlo_error(in_order, run)


def test_a_dask_cluster_gives_the_same_monte_carlo_error_as_this_process() -> None:
    network, run = sample_network(), scenario(RANDOM)
    plan, tails = compile_plan(network, run), Tails.of(run)
    here = run_chunks(plan, network, tails)
    # Any free port for its HTTP server: 8787 may be taken by another cluster on the machine.
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        there = run_chunks_on_dask(cluster.scheduler_address, plan, network, tails)
    assert np.array_equal(there.batch_draws, here.batch_draws)
    assert np.array_equal(there.batch_sums, here.batch_sums)
    assert all(np.array_equal(a, b) for a, b in zip(there.batch_tails, here.batch_tails, strict=True))
    assert monte_carlo_error(there, run) == monte_carlo_error(here, run)
