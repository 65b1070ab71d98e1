"""The labour Monte Carlo: 10,000 draws over every occupation of the shipped table (all joined
O*NET occupations, BLS May 2021) and the scenario's ten years, with the safety nets' costs,
their percentiles and the distribution tables by wage quintile and major group. Numba
compilation is excluded (one warm-up run); the figure is the fastest of three runs. Target: 2 s.

    python -m benchmarks.bench_labour
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import row
from custos.labor.montecarlo import simulate
from custos.labor.safety_nets import PROGRAMMES, load_programmes
from custos.labor.scenario import SCENARIOS, load_scenario
from custos.labor.sources import load_crosswalk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=10_000)
    args = parser.parse_args()
    table = load_crosswalk().table
    design = load_programmes(PROGRAMMES / "us-baseline.yaml")
    for name in ("gradual", "rapid"):
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        simulate(table, scenario, design, draws=100)  # compile the kernel
        times = []
        for _ in range(3):
            start = time.perf_counter()
            result = simulate(table, scenario, design, draws=args.draws, seed=1)
            result.summary()
            result.by_group.rows()
            result.by_quintile.rows()
            times.append(time.perf_counter() - start)
        elapsed = min(times)
        row(
            f"labour Monte Carlo, {name}, {len(table):,} occupations x {len(scenario.years)} years, "
            "costs, percentiles and tables",
            f"{args.draws / elapsed:,.0f} draws/s ({args.draws:,} in {elapsed:.2f} s)",
            "10,000 draws in 2 s",
        )


if __name__ == "__main__":
    main()
