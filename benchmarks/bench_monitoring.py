"""Continuous monitoring: OTLP telemetry into ``custos serve`` from a separate process, with
detection running on every request, and the latency from a host outage's first degraded point
to its systemic alert.

The registry holds 1,250 deployments of 125 firms, spread over 5 hosts and 10 models. Each
request is one minute of every deployment's 8 figures (10,000 points, protobuf, as a Collector
batches them, each deployment's figures as ``custos monitor simulate`` makes them), sent by 2
client threads from their own process to the server's single uvicorn worker on the embedded
SQLite store. The first minute is sent before the clock starts: it loads the compiled detector
and the server's route table, which a running server has done long before. The first 30 minutes
build the baselines; at minute 40 one host fails. The alert
latency is the time from sending the request that carries the outage's first points to the
moment a reader polling ``/v1/monitoring/alerts`` every 20 ms sees the systemic alert.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx

from benchmarks.common import free_port, row, scratch_store
from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.monitoring.simulation import Outage, Simulated, day
from custos.registry.model import DeploymentRegistration, ModelRegistration, Money, OrganisationRegistered
from custos.registry.service import RegistryService

FIRMS, PER_FIRM, HOSTS, MODELS = 125, 10, 5, 10
MINUTES, OUTAGE_AT = 60, 40
INGEST = "OTLP ingestion into custos serve (1,250 deployments x 8 figures a request, 2 client threads)"
LATENCY = "alert latency: a host outage's first point to its systemic alert"


def _world(home: Path) -> tuple[list[Simulated], str, str]:
    """The registry, a supervisor's token and the failing host."""
    store = scratch_store(home.name)
    by = operator(store)
    registry = RegistryService(store)

    def organisation(name: str) -> str:
        payload = OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"})
        return registry.register_organisation(payload, by=by).id

    hosts = [organisation(f"Host {i}") for i in range(HOSTS)]
    lab = organisation("Lab")
    models = [
        registry.register_model(ModelRegistration(name=f"Model {i}", provider_id=lab), by=by).id
        for i in range(MODELS)
    ]
    deployments = []
    for firm in range(FIRMS):
        deployer = organisation(f"Firm {firm}")
        for copy in range(PER_FIRM):
            host, model = hosts[(firm + copy) % HOSTS], models[(firm * 3 + copy) % MODELS]
            registered = registry.register_deployment(
                DeploymentRegistration(
                    name=f"Firm {firm} use {copy}",
                    deployer_id=deployer,
                    model_id=model,
                    jurisdictions=("FR",),
                    sector="finance",  # type: ignore[arg-type]
                    economic_exposure=Money(amount=Decimal("5000000"), currency="EUR"),
                    hosting_provider_id=host,
                ),
                by=by,
            )
            deployments.append(Simulated(registered.id, deployer, model, host, 5e6))
    access = AccessService(store)
    authority = by.organisation_id or ""
    token = access.issue_token(access.add_actor("Bench", Role.SUPERVISOR, authority, by=by).id)
    store.close()
    return deployments, token, hosts[0]


def _requests(deployments: list[Simulated], host: str, now: int) -> list[bytes]:
    """One request a minute with every deployment's figures; the host fails from OUTAGE_AT."""
    start = now - MINUTES * 60
    outage = Outage(host, start + OUTAGE_AT * 60, MINUTES - OUTAGE_AT)
    return [minute.requests["all"] for minute in day(deployments, start, MINUTES, outage, batched=True)]


def _serving(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "custos.cli", "--home", str(home), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{url}/v1/ledger/status", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return server, url


def _drive(url: str, token: str, bodies: list[bytes]) -> tuple[float, float]:
    """Send every request from two threads; the seconds it took and the alert latency."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-protobuf"}
    seen: dict[str, float] = {}
    outage_sent = threading.Event()

    def watch() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": headers["Authorization"]}) as client:
            while "systemic" not in seen:
                params = {"open": "true", "kind": "systemic"}
                if outage_sent.is_set() and client.get("/v1/monitoring/alerts", params=params).json():
                    seen["systemic"] = time.perf_counter()
                time.sleep(0.02)

    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        client.post("/v1/metrics", content=bodies[0]).raise_for_status()
    queue = list(enumerate(bodies))[1:]
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    minute, body = queue.pop(0)
                    if minute == OUTAGE_AT:
                        seen["outage"] = time.perf_counter()
                        outage_sent.set()
                client.post("/v1/metrics", content=body).raise_for_status()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    senders = [threading.Thread(target=send) for _ in range(2)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    elapsed = time.perf_counter() - started
    watcher.join(timeout=30)
    return elapsed, seen.get("systemic", float("nan")) - seen.get("outage", float("nan"))


def main() -> None:
    home = Path(scratch_store("monitoring").settings.home)
    deployments, token, host = _world(home)
    bodies = _requests(deployments, host, int(time.time()))
    server, url = _serving(home)
    try:
        elapsed, latency = _drive(url, token, bodies)
    finally:
        server.terminate()
        server.wait(timeout=30)
    points = (MINUTES - 1) * len(deployments) * 8
    row(
        INGEST,
        f"{points / elapsed:,.0f} points/s ({points:,} points in {elapsed:.1f} s)",
        ">= 100,000 points/s",
    )
    row(LATENCY, f"{latency:.2f} s", "<= 5 s")


if __name__ == "__main__":
    main()
