"""Market structure at two scales.

- The demonstration's world, through the service as the API answers it (store reads included):
  concentration of every market of every layer, then single points of failure with the
  dominator tree and counterweights. Target: 1 s.
- A national-scale registry: 100,000 models from 2,000 developers, 300,000 deployments on 50 hosts
  started over three years (a tenth without a host, some with fallbacks), as the store's rows:
  every market of every layer over time, then the network, its single points of failure and
  interoperability. Target: 10 s.
- The uncertainty of concentration indices for 200 firms.

    python -m benchmarks.bench_markets
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import row
from custos.access.model import OPERATOR_ID, Principal, Role
from custos.core.settings import Settings
from custos.demo import seed
from custos.installation import create_installation
from custos.markets.compute_shares import owners_by_quarter
from custos.markets.concentration import interval_indices
from custos.markets.dependencies import (
    DependencyNetwork,
    Deployment,
    Model,
    interoperability,
    single_points_of_failure,
)
from custos.markets.layers import compute_owners, registry_markets
from custos.markets.network import registry_network
from custos.markets.service import MarketsService

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


def registry_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The national-scale registry as ``markets_views`` reads it."""
    rng = random.Random(11)
    hosts = [f"host{i}" for i in range(HOSTS)]
    first = date(2023, 1, 1)
    models = [
        {
            "id": f"m{i}",
            "name": f"model {i}",
            "provider_id": f"dev{rng.randrange(DEVELOPERS)}",
            "release_date": first + timedelta(days=rng.randrange(1_000)),
            "training_flop": 10 ** rng.uniform(20, 26),
        }
        for i in range(MODELS)
    ]
    deployments = [
        {
            "id": f"d{i}",
            "deployer_id": f"inst{rng.randrange(50_000)}",
            "model_id": f"m{rng.randrange(MODELS)}",
            "hosting_provider_id": rng.choice(hosts) if rng.random() < 0.9 else None,
            "sector": f"s{rng.randrange(20)}",
            "start_date": first + timedelta(days=rng.randrange(1_090)),
            "jurisdictions": ["DE"],
            "economic_exposure": {"amount": str(rng.randrange(1_000_000)), "currency": "EUR"},
            "fallback_model_ids": [f"m{rng.randrange(MODELS)}"] if rng.random() < 0.2 else [],
            "fallback_hosting_provider_ids": [rng.choice(hosts)] if rng.random() < 0.3 else [],
        }
        for i in range(DEPLOYMENTS)
    ]
    return models, deployments


def demo_world() -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        settings = Settings(home=home, database_url=f"sqlite:///{folder}/custos.db")
        store = create_installation(
            settings, origin="bench.custos/log", authority="Authority", jurisdiction_code="EU"
        )
        by = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, "EU")
        seed.seed_registry(store, by, lambda _: None)
        seed.seed_world(store, by, lambda _: None)
        service = MarketsService(store)
        service.concentration(by=by)  # the first call reads Epoch's chip files and imports the engine
        started = time.perf_counter()
        markets = service.concentration(by=by)
        concentrated = time.perf_counter()
        found = service.dependencies(by=by)
        done = time.perf_counter()
        store.close()
    row(
        f"concentration and single points of failure, the demo world ({found.deployments:,} deployments, "
        "service with store reads) (markets)",
        f"{done - started:.3f} s (concentration {concentrated - started:.3f} s for {len(markets.markets)} "
        f"markets; dependencies {done - concentrated:.3f} s with the dominator tree)",
        "<= 1 s",
    )


def registry_scale() -> None:
    models, deployments = registry_rows()
    names = {f"dev{i}": f"Developer {i}" for i in range(DEVELOPERS)}
    started = time.perf_counter()
    markets = [compute_owners(owners_by_quarter(), date(2025, 12, 31), {})]
    markets += registry_markets(models, deployments, names, as_of=date(2025, 12, 31))
    concentrated = time.perf_counter()
    built = registry_network(models, deployments, [])
    points = single_points_of_failure(built)
    interoperability(built)
    done = time.perf_counter()
    quarters = max(len(market.points) for market in markets)
    row(
        f"concentration and single points of failure, {MODELS:,} models, {DEPLOYMENTS:,} deployments "
        "(from the store's rows) (markets)",
        f"{done - started:.2f} s (concentration {concentrated - started:.2f} s, {len(markets)} markets up to "
        f"{quarters} points; network and failures {done - concentrated:.2f} s, {len(points):,} providers)",
        "<= 10 s",
    )


def main() -> None:
    demo_world()
    registry_scale()
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
