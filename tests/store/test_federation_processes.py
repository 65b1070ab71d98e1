"""Federation between real ``custos serve`` processes on loopback: notices delivered, verified
and acknowledged; logs witnessed both ways; a receiver that restarts; a peer whose log forks.

Every installation is its own process with its own home, origin and port, rounds every half
second, and knows its peers only by what their public identity and API say.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from typer.testing import CliRunner

from custos.cli.app import app
from custos.core.settings import Settings
from custos.federation.notices import notice_note, shown_to_peer
from custos.installation import composition
from custos.ledger import Note, Verifier
from custos.store import Store
from tests.servers import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KINDS = ["incident.reported", "licence.suspended"]
DEADLINE = 30.0
T = TypeVar("T")


def cli(*arguments: str) -> Any:
    """Run ``custos ARGUMENTS --json`` and return what it printed."""
    result = CliRunner().invoke(app, [*arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def until(what: str, probe: Callable[[], T | None], deadline: float = DEADLINE) -> T:
    """Poll ``probe`` until it returns something (not None, False, 0 or empty)."""
    end = time.monotonic() + deadline
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline:.0f} s: {what}")
        time.sleep(0.1)


@dataclass
class Installation:
    """One installation: its home, a supervisor's token, and its server while it runs."""

    name: str
    home: Path
    token: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    providers: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.name}.example/log"

    @property
    def database(self) -> Path:
        return self.home / "custos.db"

    def start(self) -> None:
        """Serve on the same port every time, so peers find it again after a restart."""
        self.launch()
        self.ready()

    def launch(self) -> None:
        """Start the server without waiting for it to answer."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
        log = (self.home / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "custos.cli",
                "--home",
                str(self.home),
                "serve",
                "--port",
                str(self.port),
                "--federation-interval",
                "0.5",
                "--checkpoint-interval",
                "0.3",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=log,
        )
        log.close()

    def ready(self) -> None:
        """Wait until the server answers."""
        process = self.process
        assert process is not None

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{self.name} exited: {(self.home / 'serve.log').read_text()[-2000:]}")
            try:
                return httpx.get(f"{self.url}/v1/ledger/status", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        until(f"{self.name} serves on {self.port}", answers, deadline=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def get(self, path: str, **params: object) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, headers=self._auth(), timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: object, expect: int = 201) -> Any:
        response = httpx.post(f"{self.url}{path}", json=body, headers=self._auth(), timeout=10)
        assert response.status_code == expect, response.text
        return response.json()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def recognise(self, other: Installation) -> str:
        """Recognise ``other`` as a peer from its public identity; the peer's id here."""
        identity = httpx.get(f"{other.url}/v1/federation/identity", timeout=5).json()
        peer = self.post(
            "/v1/federation/peers",
            {"name": other.name, "url": other.url, "scope": {"kinds": KINDS}, **identity},
        )
        return str(peer["id"])

    def suspend_a_licence(self) -> str:
        """Register a provider and its model, grant it a licence and suspend it; the suspension's id."""
        self.providers += 1
        name = f"Provider {self.providers} SA"
        provider = self.post(
            "/v1/organisations",
            {
                "content": {
                    "name": name,
                    "jurisdiction": "FR",
                    "country": "FR",
                    "kinds": ["model_provider"],
                }
            },
        )
        model = self.post("/v1/models", {"content": {"name": "M", "provider_id": provider["id"]}})
        licence = self.post(
            "/v1/licences",
            {
                "content": {
                    "applicant_id": provider["id"],
                    "model_id": model["id"],
                    "scope": {"jurisdictions": ["EU"]},
                    "term_months": 12,
                }
            },
        )
        self.post(f"/v1/licences/{licence['id']}/grant", {})
        suspended = self.post(f"/v1/licences/{licence['id']}/suspend", {"reason": "unsafe"})
        return str(suspended["filing_id"])

    def outbox_entry(self, filing_id: str, peer_id: str) -> dict[str, Any] | None:
        entries = self.get("/v1/federation/outbox", peer=peer_id, limit=500)
        return next((entry for entry in entries if entry["filing_id"] == filing_id), None)

    def acknowledged(self, filing_id: str, peer_id: str) -> dict[str, Any] | None:
        entry = self.outbox_entry(filing_id, peer_id)
        return entry if entry is not None and entry["status"] == "acknowledged" else None

    def received(self, filing_id: str) -> list[dict[str, Any]]:
        return [
            notice
            for notice in self.get("/v1/federation/inbox", limit=500)
            if notice["filing_id"] == filing_id
        ]

    def status_of(self, peer_id: str) -> dict[str, Any]:
        return next(status for status in self.get("/v1/federation/status") if status["peer"]["id"] == peer_id)

    def size(self) -> int:
        return int(self.get("/v1/ledger/status")["size"])


def installation(root: Path, name: str) -> Installation:
    """A fresh installation with its own origin and a supervisor's token, not yet served."""
    home = root / name
    authority = f"{name} authority"
    cli("--home", str(home), "init", "--origin", f"{name}.example/log", "--authority", authority)
    actor = cli(
        "--home", str(home), "actors", "add", "Supervisor", "--role", "supervisor", "--org", authority
    )
    token = cli("--home", str(home), "actors", "token", actor["id"])["token"]
    return Installation(name, home, token)


Start = Callable[..., list[Installation]]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Start]:
    """Start installations by name, each the peer of every other; all are stopped at the end."""
    with ExitStack() as stack:

        def start(*names: str) -> list[Installation]:
            nodes = [installation(tmp_path, name) for name in names]
            for node in nodes:
                stack.callback(node.stop)
                node.launch()
            for node in nodes:
                node.ready()
            return nodes

        yield start


def peers(*nodes: Installation) -> dict[tuple[str, str], str]:
    """Make every node the peer of every other; the peer id of (holder, peer)."""
    return {
        (holder.name, other.name): holder.recognise(other)
        for holder in nodes
        for other in nodes
        if other is not holder
    }


def test_a_filing_reaches_two_peers_verified_and_all_three_witness_each_other(served: Start) -> None:
    a, b, c = served("a", "b", "c")
    ids = peers(a, b, c)
    filing = a.suspend_a_licence()
    for other in (b, c):
        (notice,) = until(f"{other.name} receives the suspension", lambda other=other: other.received(filing))
        assert notice["origin"] == a.origin and notice["kind"] == "licence.suspended"
        assert notice["content"]["envelope"]["kind"] == "licence.suspended"
        entry = until(
            f"{other.name} acknowledges", lambda other=other: a.acknowledged(filing, ids[("a", other.name)])
        )
        assert entry["received_as"] == notice["id"]

    # each log is cosigned by both its peers, and keeps being cosigned as it grows
    for holder in (a, b, c):
        for other in (a, b, c):
            if other is not holder:
                until(
                    f"{other.name} cosigns {holder.name}'s log",
                    lambda holder=holder, other=other: (
                        holder.status_of(ids[(holder.name, other.name)])["our_size_cosigned"] > 0
                    ),
                )
    before = {name: a.status_of(ids[("a", name)])["our_size_cosigned"] for name in ("b", "c")}
    grown = a.suspend_a_licence()
    for other in (b, c):
        until(
            f"{other.name} cosigns a's grown log",
            lambda other=other: a.status_of(ids[("a", other.name)])["our_size_cosigned"] > before[other.name],
        )
        until(f"{other.name} receives the second suspension", lambda other=other: other.received(grown))
    # what a says b cosigned is what b says it cosigned of a
    until(
        "b's witness memory matches a's record",
        lambda: (
            b.status_of(ids[("b", "a")])["their_size_cosigned"]
            == a.status_of(ids[("a", "b")])["our_size_cosigned"]
        ),
    )

    witnesses = [
        Verifier.from_vkey(httpx.get(f"{n.url}/v1/federation/identity").json()["witness_key"]) for n in (b, c)
    ]
    log_key = Verifier.from_vkey(httpx.get(f"{a.url}/v1/federation/identity").json()["log_key"])

    def cosigned_by_both() -> Note | None:
        note = Note.parse(httpx.get(f"{a.url}/checkpoint").text)
        names = {signature.name for signature in note.signatures}
        return note if {w.name for w in witnesses} <= names else None

    checkpoint = until("a's checkpoint carries b's and c's cosignatures", cosigned_by_both)
    checkpoint.verify(log_key)
    for witness in witnesses:
        assert checkpoint.verify(witness) is not None  # a cosignature, with its timestamp

    report = cli("--home", str(a.home), "ledger", "verify")
    assert report["ok"] is True and report["cosignatures"] >= 2


def test_a_notice_survives_the_receiver_restarting_and_arrives_once(served: Start) -> None:
    a, b = served("a", "b")
    ids = peers(a, b)
    until("b cosigns a's log", lambda: a.status_of(ids[("a", "b")])["our_size_cosigned"] > 0)
    b.stop()
    filing = a.suspend_a_licence()
    until("a's round with b fails", lambda: a.status_of(ids[("a", "b")])["last_error"])
    waiting = a.outbox_entry(filing, ids[("a", "b")])
    assert waiting is not None and waiting["status"] == "pending"
    time.sleep(1.0)  # a few more failed rounds
    b.start()
    entry = until("a's notice is acknowledged", lambda: a.acknowledged(filing, ids[("a", "b")]))
    time.sleep(1.5)  # rounds after the acknowledgement send nothing again
    (notice,) = b.received(filing)
    assert entry["received_as"] == notice["id"]
    assert [e["status"] for e in a.get("/v1/federation/outbox") if e["filing_id"] == filing] == [
        "acknowledged"
    ]
    assert a.status_of(ids[("a", "b")])["last_error"] is None
    assert a.status_of(ids[("a", "b")])["pending"] == 0


def test_a_peer_whose_log_forks_is_refused_flagged_and_shut_out(served: Start, tmp_path: Path) -> None:
    a, b = served("a", "b")
    ids = peers(a, b)
    until("b cosigns a's log", lambda: a.status_of(ids[("a", "b")])["our_size_cosigned"] > 0)
    older = tmp_path / "a-older.db"
    with sqlite3.connect(a.database) as source, sqlite3.connect(older) as copy:
        source.backup(copy)
    first = a.suspend_a_licence()
    until("b acknowledges a's first suspension", lambda: a.acknowledged(first, ids[("a", "b")]))
    cosigned = until(
        "b cosigns a's log past the copy",
        lambda: b.status_of(ids[("b", "a")])["their_size_cosigned"] or None,
    )
    assert cosigned > 0

    # a goes back to the older copy of its database and files something else in its place
    a.stop()
    for stale in (a.database, a.home / "custos.db-wal", a.home / "custos.db-shm"):
        stale.unlink(missing_ok=True)
    shutil.copyfile(older, a.database)
    a.start()
    assert a.size() < cosigned
    other = a.suspend_a_licence()
    while a.size() < cosigned:
        other = a.suspend_a_licence()

    flagged = until(
        "b flags a",
        lambda: next(
            (
                p
                for p in b.get("/v1/federation/peers")
                if p["id"] == ids[("b", "a")] and p["status"] == "flagged"
            ),
            None,
        ),
    )
    assert (
        f"size {cosigned}" in flagged["flag"]
    )  # the checkpoint it cosigned, which a's log no longer extends
    error = until("a hears b refuse to cosign", lambda: a.status_of(ids[("a", "b")])["last_error"])
    assert "refused to cosign" in error and (" 409 " in error or " 422 " in error), error
    assert b.status_of(ids[("b", "a")])["their_size_cosigned"] == cosigned  # b's memory is untouched
    assert b.received(other) == []

    # a notice a signs now, proved against its forked log, is refused
    flagged_for_b = a.outbox_entry(other, ids[("a", "b")])
    assert flagged_for_b is not None and flagged_for_b["status"] == "pending"
    store = Store.open(Settings(home=a.home, database_url=f"sqlite:///{a.database}"), composition())
    try:
        size, checkpoint = store.publish_checkpoint()
        with store.read() as conn:
            found = store.filing(conn, other)
        assert found is not None
        filing, index = found
        text = notice_note(
            store.log_signer,
            to=b.origin,
            notice_id=flagged_for_b["id"],
            view=shown_to_peer(filing, ()),
            index=index,
            proof=store.tiles.reader.inclusion_proof(index, size),
            checkpoint=checkpoint,
        )
    finally:
        store.close()
    (result,) = b.post("/v1/federation/notices", {"notices": [text]}, expect=200)["results"]
    assert result["status"] == "refused" and result["reason"] == "peer_not_active"
    refusals = b.get("/v1/federation/refusals")
    assert refusals[0]["origin"] == a.origin and refusals[0]["reason"] in ("peer_not_active", "fork")
    assert b.received(other) == []
