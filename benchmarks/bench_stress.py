"""Whole stress-test runs: draws per second through every layer, in-process and on Dask.

The network is the documented synthetic generator's (``custos.risk.engine.synthetic``): 1,000
institutions with about 10 interbank lenders each, 20 compute providers, 200 models and 5,000
deployments. The scenario draws correlated provider and model failures (Student-t copula) and
asset moves, and spreads losses by Rogers–Veraart clearing. Numba compilation is excluded (one
warm-up run); the Dask figure includes starting the local cluster.

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
    assemble,
    chunk_runner,
    load_network,
    load_scenario,
    run_stress_test,
    synthetic_columns,
)

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


if __name__ == "__main__":
    main()
