"""Single points of failure and interoperability on a national-scale dependency network:
100,000 models from 2,000 developers, 300,000 deployments on 50 hosts, a tenth without a host,
some with fallbacks; and the uncertainty of concentration indices for 200 firms.

    python -m benchmarks.bench_markets
"""

from __future__ import annotations

import random
import time

import numpy as np

from benchmarks.common import row
from custos.markets.concentration import interval_indices
from custos.markets.dependencies import (
    DependencyNetwork,
    Deployment,
    Model,
    interoperability,
    single_points_of_failure,
)

MODELS, DEPLOYMENTS, HOSTS, DEVELOPERS = 100_000, 300_000, 50, 2_000


def network() -> tuple[tuple[Model, ...], tuple[Deployment, ...]]:
    rng = random.Random(7)
    hosts = [f"host{i}" for i in range(HOSTS)]
    models = tuple(Model(f"m{i}", f"dev{rng.randrange(DEVELOPERS)}") for i in range(MODELS))
    deployments = tuple(
        Deployment(
            id=f"d{i}",
            model_id=f"m{rng.randrange(MODELS)}",
            host_id=rng.choice(hosts) if rng.random() < 0.9 else None,
            deployer_id=f"inst{rng.randrange(50_000)}",
            exposure_eur=float(rng.randrange(1_000_000)),
            sector=f"s{rng.randrange(20)}",
            jurisdiction="DE",
            fallback_host_ids=(rng.choice(hosts),) if rng.random() < 0.3 else (),
            fallback_model_ids=(f"m{rng.randrange(MODELS)}",) if rng.random() < 0.2 else (),
        )
        for i in range(DEPLOYMENTS)
    )
    return models, deployments


def main() -> None:
    models, deployments = network()
    started = time.perf_counter()
    built = DependencyNetwork(models, deployments)
    checked = time.perf_counter()
    points = single_points_of_failure(built)
    counted = time.perf_counter()
    interoperability(built)
    done = time.perf_counter()
    row(
        f"single points of failure and interoperability, {MODELS:,} models, {DEPLOYMENTS:,} deployments "
        "(markets)",
        f"{done - started:.2f} s (input checked {checked - started:.2f} s, failures "
        f"{counted - checked:.2f} s, interoperability {done - counted:.2f} s; {len(points):,} providers)",
        "<= 10 s",
    )
    rng = np.random.default_rng(0)
    medians = {f"f{i}": float(size) for i, size in enumerate(rng.lognormal(3, 1, 200))}
    low = {name: size / 2 for name, size in medians.items()}
    high = {name: size * 3 for name, size in medians.items()}
    started = time.perf_counter()
    interval_indices(low, medians, high, draws=10_000)
    row(
        "concentration indices with 5th-95th percentiles, 200 firms, 10,000 draws (markets)",
        f"{time.perf_counter() - started:.2f} s",
        "",
    )


if __name__ == "__main__":
    main()
