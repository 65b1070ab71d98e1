"""Whole stress-test runs: draws per second through every layer, in-process and on Dask.

The network is the documented synthetic generator's (``custos.risk.engine.synthetic``): 1,000
institutions with about 10 interbank lenders each, 20 compute providers, 200 models and 5,000
deployments. The scenario draws correlated provider and model failures (Student-t copula) and
asset moves, and spreads losses by Rogers–Veraart clearing. Numba compilation is excluded (one
warm-up run); the Dask figure includes starting the local cluster.

Fire sales: the same run with and without a ``fire_sales`` section (two asset classes, their
holdings shares of each sector's external assets, rounds to Cont and Schaanning's fixed point),
so the figure is what the second round (the fire sale and a second clearing) costs a run.

Peak memory: a run of 10⁶ draws on the shipped sample network (the same scenario, chunks of
1,000), in a fresh process whose peak resident set is read with ``getrusage``, beside the same
process's peak after a run of 1,000 draws: the difference is what the draws cost.
"""

from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from benchmarks.common import row
from custos.risk import (
    EXAMPLES,
    Network,
    assemble,
    chunk_runner,
    load_network,
    load_scenario,
    run_stress_test,
    synthetic_columns,
)
from custos.risk.engine.montecarlo import check_tail_memory, run_chunks
from custos.risk.engine.plan import compile_plan

SCENARIO = """
name: benchmark
seed: 1
draws: {draws}
chunk_size: 2500
correlated_failures:
  copula: student-t
  providers: {{probability: 0.02, loss_rate: 0.3}}
  models: {{probability: 0.01, loss_rate: 0.3}}
asset_shocks: [{{sector: all, mean: -0.01, volatility: 0.02}}]
contagion: {{model: rogers-veraart, alpha: 0.9, beta: 0.95}}
"""
FIRE_SALES = """fire_sales:
  asset_classes:
    - {name: credit, market_depth: 200000, price_impact: 0.05, shares: {banking: 0.4, all: 0.1}}
    - {name: equities, market_depth: 100000, price_impact: 0.05, shares: {all: 0.2}}
"""


def peak_rss(draws: int) -> tuple[int, int]:
    """In a fresh process: peak resident bytes after 1,000 draws, then after ``draws`` more."""
    network = load_network(EXAMPLES / "sample-network")
    scenario = SCENARIO.replace("chunk_size: 2500", "chunk_size: 1000")
    run_stress_test(network, load_scenario(scenario.format(draws=1_000)))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    run_stress_test(network, load_scenario(scenario.format(draws=draws)))
    return before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory(draws: int) -> None:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        before, after = pool.submit(peak_rss, draws).result()
    row(
        f"stress run, peak memory at {draws:,} draws, sample network",
        f"{after / 2**20:,.0f} MiB peak resident ({(after - before) / 2**20:,.0f} MiB above 1,000 draws)",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=20_000)
    parser.add_argument("--memory-draws", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    memory(100_000 if args.quick else args.memory_draws)
    draws = 2_500 if args.quick else args.draws
    network = assemble(synthetic_columns())
    run_stress_test(network, load_scenario(SCENARIO.format(draws=100)))  # compile the kernels
    scenario = load_scenario(SCENARIO.format(draws=draws))
    start = time.perf_counter()
    local = run_stress_test(network, scenario)
    elapsed = time.perf_counter() - start
    label = "stress run, 1,000 institutions, 5,000 deployments"
    row(f"{label}, in-process", f"{draws / elapsed:,.0f} draws/s ({draws:,} in {elapsed:.2f} s)")
    start = time.perf_counter()
    remote = run_stress_test(network, scenario, chunks=chunk_runner("local"))
    elapsed = time.perf_counter() - start
    same = local.metrics == remote.metrics and np.array_equal(
        local.aggregate.tail_losses, remote.aggregate.tail_losses
    )
    row(
        f"{label}, Dask local cluster (2 workers)",
        f"{draws / elapsed:,.0f} draws/s incl. cluster start; identical results: {'yes' if same else 'NO'}",
    )
    fire_sales(network, draws, label)


def fire_sales(network: Network, draws: int, label: str) -> None:
    """Fire sales off, then on, alternately twice, the faster of each: the whole run, and its
    Monte Carlo chunks alone (the run adds the loss of each unit alone and the Shapley attribution
    of the tail, which evaluate the draws again, fire sales included)."""
    run_stress_test(network, load_scenario(SCENARIO.format(draws=100) + FIRE_SALES))  # warm up
    whole: dict[bool, list[float]] = {False: [], True: []}
    chunks: dict[bool, list[float]] = {False: [], True: []}
    result = None
    for on in (False, True, False, True):
        scenario = load_scenario(SCENARIO.format(draws=draws) + (FIRE_SALES if on else ""))
        start = time.perf_counter()
        run_chunks(compile_plan(network, scenario), network, check_tail_memory(scenario, network))
        chunks[on].append(time.perf_counter() - start)
        start = time.perf_counter()
        outcome = run_stress_test(network, scenario)
        whole[on].append(time.perf_counter() - start)
        result = outcome if on else result
    assert result is not None
    system = result.metrics["system"]
    for on in (False, True):
        detail = (
            f"; second round {system['second_round_share_of_expected_shortfall']:.1%} of ES at 99%, "
            f"at most {result.metrics['fire_sales']['convergence']['rounds']} rounds"
            if on
            else ""
        )
        row(
            f"{label}, fire sales {'on' if on else 'off'}, whole run, in-process",
            f"{draws / min(whole[on]):,.0f} draws/s ({draws:,} in {min(whole[on]):.2f} s){detail}",
        )
        row(
            f"{label}, fire sales {'on' if on else 'off'}, Monte Carlo chunks alone",
            f"{draws / min(chunks[on]):,.0f} draws/s ({draws:,} in {min(chunks[on]):.2f} s)",
        )


if __name__ == "__main__":
    main()
