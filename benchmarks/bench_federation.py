"""Federation throughput: notices from one installation verified, filed and acknowledged by another.

Two installations, A and B, each its own home and origin, peers of each other for licence
suspensions and reinstatements. A holds N such filings (a licence suspended and reinstated in
turn), each flagged for B by the federation hook as it was filed. Then:

1. both served by ``custos serve`` on loopback; A's rounds are run by ``POST /v1/federation/sync``
   on A's server until nothing is pending: the end-to-end figure, every notice built, sent,
   checked, filed, answered with a signed receipt, and acknowledged;
2. from copies of the same homes, B served again and A's rounds run in this process, timed by
   part: A building notices (reading each filing, its inclusion proof, signing), B checking and
   filing them (the HTTP request, as B answers it), and A verifying the receipts and filing the
   acknowledgements.

``--profile`` also profiles A's side of the second run and B's ``receive`` of the same batches
in this process (cProfile, 25 lines each).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import WORK, free_port, row
from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.core.settings import Settings
from custos.federation.model import PeerRecognised
from custos.federation.service import FederationService
from custos.federation.sync import BATCH, HttpTransport, Reply, Sender
from custos.installation import composition, create_installation
from custos.ledger import WitnessRefusal
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store

TITLE = "federation: {n:,} notices built by A, verified and filed by B, acknowledged by A ({how})"
TARGET = ">= 1,000 notices/s"
KINDS = ["licence.suspended", "licence.reinstated"]
PROFILE_LINES = 25
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Site:
    name: str
    home: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return f"bench-{self.name}.example/log"


def _settings(site: Site) -> Settings:
    return Settings(home=site.home, database_url=f"sqlite:///{site.home / 'custos.db'}")


def _open(site: Site) -> Store:
    return Store.open(_settings(site), composition())


def build(notices: int) -> tuple[Site, Site, str]:
    """A and B, peers of each other, A holding ``notices`` filings flagged for B; A's supervisor token."""
    sites = [Site(name, WORK / "federation" / name, free_port()) for name in ("a", "b")]
    stores = []
    for site in sites:
        shutil.rmtree(site.home, ignore_errors=True)
        site.home.mkdir(parents=True)
        stores.append(
            create_installation(
                _settings(site),
                origin=site.origin,
                authority=f"Authority {site.name}",
                jurisdiction_code="EU",
            )
        )
    for there, store, other in ((sites[1], stores[0], stores[1]), (sites[0], stores[1], stores[0])):
        identity = FederationService(other).identity()
        terms = PeerRecognised.model_validate(
            {
                "name": there.name,
                "url": there.url,
                "scope": {"kinds": KINDS},
                **identity.model_dump(),
            }
        )
        FederationService(store).recognise(terms, by=operator(store))
    a = stores[0]
    by = operator(a)
    registry, licensing = RegistryService(a), LicensingService(a)
    provider = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Provider SA", "jurisdiction": "FR", "country": "FR"}),
        by=by,
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "M", "provider_id": provider.id}), by=by
    )
    licence = licensing.apply(
        LicenceApplication.model_validate(
            {
                "applicant_id": provider.id,
                "model_id": model.id,
                "scope": {"jurisdictions": ["EU"]},
                "term_months": 12,
            }
        ),
        by=by,
    )
    licensing.decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
    for index in range(notices):
        step = Transition.SUSPEND if index % 2 == 0 else Transition.REINSTATE
        licensing.decide(licence.id, step, LicenceStep(reason=f"step {index}"), by=by)
    authority = by.organisation_id or ""
    supervisor = AccessService(a).add_actor("Supervisor", Role.SUPERVISOR, authority, by=by)
    token = AccessService(a).issue_token(supervisor.id)
    for store in stores:
        store.close()
    return sites[0], sites[1], token


@contextmanager
def serving(site: Site) -> Iterator[None]:
    """``custos serve`` for ``site``, with no rounds of its own: the benchmark runs them."""
    log = (site.home / "serve.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "custos.cli",
            "--home",
            str(site.home),
            "serve",
            "--port",
            str(site.port),
            "--federation-interval",
            "0",
            "--checkpoint-interval",
            "0",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{site.url}/v1/ledger/status", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"custos serve did not start for {site.name}") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def end_to_end(a: Site, b: Site, token: str, notices: int) -> tuple[float, int]:
    """Seconds until B acknowledged every notice, rounds run by A's server; the rounds it took."""
    headers = {"Authorization": f"Bearer {token}"}
    with serving(a), serving(b), httpx.Client(timeout=600, headers=headers) as client:
        start = time.perf_counter()
        rounds, acknowledged = 0, 0
        while acknowledged < notices:
            reply = client.post(f"{a.url}/v1/federation/sync")
            reply.raise_for_status()
            (peer_round,) = reply.json()
            if peer_round["error"] or peer_round["refused"]:
                raise RuntimeError(f"round {rounds}: {peer_round}")
            acknowledged += peer_round["acknowledged"]
            rounds += 1
        elapsed = time.perf_counter() - start
        (status,) = client.get(f"{a.url}/v1/federation/status").json()
        assert status["pending"] == 0, status
    return elapsed, rounds


class TimedTransport(HttpTransport):
    """HTTP to B, timing each request and keeping the batches sent."""

    def __init__(self) -> None:
        super().__init__(timeout=600)
        self.seconds: dict[str, float] = {}
        self.sent: list[tuple[str, str]] = []

    def post(self, url: str, content: str, media_type: str) -> Reply:
        start = time.perf_counter()
        reply = super().post(url, content, media_type)
        part = url.rsplit("/", 1)[-1]
        self.seconds[part] = self.seconds.get(part, 0.0) + time.perf_counter() - start
        self.sent.append((part, content))
        return reply


class TimedSender(Sender):
    """A's rounds, with the time of delivering batches and of acknowledging them kept apart."""

    def __init__(self, store: Store, transport: TimedTransport) -> None:
        super().__init__(store, transport)
        self.seconds = {"deliver": 0.0, "acknowledge": 0.0}

    def _deliver(self, *args: Any) -> int:
        start = time.perf_counter()
        try:
            return super()._deliver(*args)
        finally:
            self.seconds["deliver"] += time.perf_counter() - start

    def _acknowledge(self, *args: Any) -> None:
        start = time.perf_counter()
        try:
            super()._acknowledge(*args)
        finally:
            self.seconds["acknowledge"] += time.perf_counter() - start


def split(a: Site, b: Site, notices: int, profile: bool) -> dict[str, float]:
    """The same exchange with A's rounds in this process, timed by part."""
    transport = TimedTransport()
    store = _open(a)
    sender = TimedSender(store, transport)
    profiler = cProfile.Profile() if profile else None
    try:
        with serving(b):
            start = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            acknowledged = 0
            while acknowledged < notices:
                (peer_round,) = sender.run()
                if peer_round.error or peer_round.refused:
                    raise RuntimeError(f"{peer_round}")
                acknowledged += peer_round.acknowledged
            if profiler is not None:
                profiler.disable()
            total = time.perf_counter() - start
    finally:
        store.close()
    delivering = transport.seconds.get("notices", 0.0)
    parts = {
        "total": total,
        "b": delivering,
        "acknowledge": sender.seconds["acknowledge"],
        "build": sender.seconds["deliver"] - delivering - sender.seconds["acknowledge"],
        "witness": transport.seconds.get("add-checkpoint", 0.0),
    }
    if profiler is not None:
        _print_profile("A's rounds (building, sending, acknowledging)", profiler)
        _profile_receiver(b, transport.sent)
    return parts


def _profile_receiver(b: Site, sent: Sequence[tuple[str, str]]) -> None:
    """B's answers to the very requests A sent, in this process, on a fresh copy of B."""
    _restore(b)
    store = _open(b)
    try:
        service = FederationService(store)
        profiler = cProfile.Profile()
        profiler.enable()
        for part, content in sent:
            if part == "notices":
                service.receive(json.loads(content)["notices"])
                continue
            with contextlib.suppress(WitnessRefusal):  # a stale old size: the size to send from
                service.add_checkpoint(content)
        profiler.disable()
    finally:
        store.close()
    _print_profile("B's receive (checking, filing, receipts)", profiler)


def _print_profile(title: str, profiler: cProfile.Profile) -> None:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(PROFILE_LINES)
    print(f"\n{title}\n{out.getvalue()}", file=sys.stderr)


def _keep(site: Site) -> None:
    kept = site.home.with_name(site.home.name + "-pristine")
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(site.home, kept)


def _restore(site: Site) -> None:
    shutil.rmtree(site.home)
    shutil.copytree(site.home.with_name(site.home.name + "-pristine"), site.home)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    options, _ = parser.parse_known_args()
    n = options.notices
    start = time.perf_counter()
    a, b, token = build(n)
    built = time.perf_counter() - start
    _keep(a)
    _keep(b)
    elapsed, rounds = end_to_end(a, b, token, n)
    row(
        TITLE.format(n=n, how="two `custos serve` processes on loopback, rounds by A's server"),
        f"{n / elapsed:,.0f} notices/s ({elapsed:.2f} s, {rounds} round(s), batches of {BATCH}; "
        f"A's {n:,} filings built in {built:.0f} s beforehand)",
        TARGET,
    )
    _restore(a)
    _restore(b)
    parts = split(a, b, n, options.profile)
    total = parts["total"]
    row(
        TITLE.format(n=n, how="B served, A's rounds in the benchmark process, by part"),
        f"{n / total:,.0f} notices/s ({total:.2f} s): A building notices {parts['build']:.2f} s, "
        f"B checking and filing them (its HTTP answers) {parts['b']:.2f} s, A verifying receipts "
        f"and filing acknowledgements {parts['acknowledge']:.2f} s, witnessing {parts['witness']:.2f} s",
        TARGET,
    )


if __name__ == "__main__":
    main()
