"""Registry speed: the whole Epoch import, and list/search latency at 100,000 models and
300,000 deployments, measured over HTTP on loopback against ``custos serve``.

Requests come one at a time from this process (httpx) to a server in another process, so each
figure is the full latency a client sees: HTTP, authentication, query, redaction, JSON.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time

import httpx

from benchmarks.common import free_port, row, scratch_store
from benchmarks.synthetic_registry import WORDS, build
from custos.access.service import operator
from custos.passports.epoch import SHIPPED
from custos.registry.importers import import_text
from custos.registry.service import RegistryService


def epoch_import() -> None:
    store = scratch_store("epoch-import")
    text = SHIPPED.read_text(encoding="utf-8")
    started = time.perf_counter()
    report = import_text(RegistryService(store), "epoch", text, by=operator(store))
    elapsed = time.perf_counter() - started
    with store.read() as conn:
        filings = conn.exec_driver_sql("SELECT count(*) FROM filings").scalar_one()
    store.close()
    row(
        "import of Epoch's whole table, every filing logged (SQLite)",
        f"{elapsed:.2f} s ({len(report.models):,} models, {filings:,} filings; "
        f"{len(report.data_quality)} data-quality flags)",
        "<= 5 s",
    )


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def queries(models: int, deployments: int, requests: int) -> None:
    settings = build(models, deployments)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "custos.cli",
            "--home",
            str(settings.home),
            "serve",
            "--port",
            str(port),
            "--checkpoint-interval",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    chance = random.Random(7)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    client.get("/v1/ledger/status")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            first = client.get("/v1/models", params={"limit": 50}).json()
            kinds = {
                "models: first page": lambda: ("/v1/models", {"limit": 50}),
                "models: next page (cursor)": lambda: ("/v1/models", {"limit": 50, "cursor": first["next"]}),
                "models: by country": lambda: ("/v1/models", {"country": chance.choice(["US", "FR", "CN"])}),
                "models: by accessibility": lambda: ("/v1/models", {"accessibility": "api"}),
                "models: compute >= 1e25 FLOP": lambda: ("/v1/models", {"min_flop": 1e25}),
                "models: name search": lambda: (
                    "/v1/models",
                    {"q": f"{chance.choice(WORDS)}-{chance.choice(WORDS)}"},
                ),
                "deployments: by sector": lambda: ("/v1/deployments", {"sector": "finance"}),
                "deployments: name search": lambda: (
                    "/v1/deployments",
                    {"q": f"{chance.choice(WORDS)} service 12"},
                ),
                "organisations: name search": lambda: ("/v1/organisations", {"q": chance.choice(WORDS)}),
            }
            every: list[float] = []
            for name, make in kinds.items():
                for _ in range(10):  # warm the server and the page cache
                    path, params = make()
                    client.get(path, params=params)
                samples = []
                for _ in range(requests):
                    path, params = make()
                    started = time.perf_counter()
                    response = client.get(path, params=params)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                every += samples
                median, p95 = _percentiles(samples)
                row(
                    f"{name} ({models:,} models, {deployments:,} deployments, HTTP)",
                    f"median {median:.1f} ms, p95 {p95:.1f} ms",
                    "p95 <= 50 ms",
                )
            median, p95 = _percentiles(every)
            row(
                "all list and search requests above",
                f"median {median:.1f} ms, p95 {p95:.1f} ms",
                "p95 <= 50 ms",
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--deployments", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    epoch_import()
    queries(args.models, args.deployments, args.requests)


if __name__ == "__main__":
    main()
