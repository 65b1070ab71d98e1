"""``custos peers`` as a supervisor runs it: the identity handed to another supervisor, peers
recognised with keys given or fetched (and refused when the fetched key is not the one given),
filings sent within scope only, and the exchange with a real peer shown in notices, refusals
and the status table."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from custos.access.service import operator
from custos.api import create_app
from custos.cli import peers_cmds, remote
from custos.cli.output import console
from custos.client import CustosClient
from custos.core.settings import Settings
from custos.federation.model import PeerRecognised
from custos.federation.service import FederationService
from custos.federation.sync import Sender
from custos.installation import open_store
from custos.licensing.model import LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.store import Store, ledger_sql
from tests.functional.federation_pair import Routed, granted_licence
from tests.functional.test_cli import run, run_json


def installation(root: Path, name: str) -> Path:
    """A fresh installation made by ``custos init``, with an origin of its own."""
    home = root / name
    run(home, "init", "--origin", f"{name}.example/log", "--authority", f"{name} authority", "-j", "EU")
    return home


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return installation(tmp_path, "a")


def identity_of(home: Path) -> dict[str, str]:
    found = run_json(home, "peers", "identity")
    assert isinstance(found, dict)
    return found


def fingerprint(vkey: str) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(vkey.encode()).digest()).decode().rstrip("=")


def keys_of(home: Path) -> list[str]:
    """``--origin``, ``--log-key`` and ``--witness-key`` as another supervisor would type them."""
    found = identity_of(home)
    return ["--origin", found["origin"], "--log-key", found["log_key"], "--witness-key", found["witness_key"]]


def add(home: Path, url: str, *args: str, code: int = 0) -> str:
    return run(home, "peers", "add", "--url", url, *args, code=code)


def no_fetching(url: str) -> Any:
    raise AssertionError(f"{url} was asked for its identity")


@contextmanager
def opened(home: Path) -> Iterator[Store]:
    store = open_store(Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"))
    try:
        yield store
    finally:
        store.close()


@contextmanager
def served(home: Path) -> Iterator[TestClient]:
    """The installation's API in process, without background rounds."""
    with opened(home) as store:
        app = create_app(store, checkpoint_interval=None, federation_interval=None)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client


def forwarded(client: TestClient) -> httpx.MockTransport:
    """A transport answering the Python client's requests with the app behind ``client``."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = client.request(
            request.method,
            request.url.path,
            params=dict(request.url.params),
            content=request.content,
            headers=dict(request.headers),
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return httpx.MockTransport(forward)


@contextmanager
def commands_served(
    home: Path, monkeypatch: pytest.MonkeyPatch, commands: ModuleType, url: str
) -> Iterator[TestClient]:
    """The installation's API in process, reached by the ``--url URL`` commands of ``commands``."""
    with served(home) as client:

        def connect(at: str, token: str) -> CustosClient:
            assert at == url
            return CustosClient(at, token, transport=forwarded(client))

        # Commands reach an API through ``remote.acting`` (or, for some, their own ``connect``).
        for module in (commands, remote):
            if hasattr(module, "connect"):
                monkeypatch.setattr(module, "connect", connect)
        yield client


def fetching_from(client: TestClient) -> Callable[[str], Any]:
    """``fetch_identity`` answered by the app behind ``client``, through the Python client."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = client.request(request.method, request.url.path, headers=dict(request.headers))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def fetch(url: str) -> Any:
        with CustosClient(url, transport=httpx.MockTransport(forward)) as peer:
            return peer.federation_identity()

    return fetch


def test_identity_is_the_logs_origin_and_keys_with_their_fingerprints(home: Path) -> None:
    found = identity_of(home)
    status = run_json(home, "ledger", "status")
    assert isinstance(status, dict)
    assert (found["origin"], found["log_key"]) == ("a.example/log", status["log_key"])
    assert found["witness_key"].startswith("a.example/log/witness+")
    assert found["log_key_fingerprint"] == fingerprint(found["log_key"])
    assert found["witness_key_fingerprint"] == fingerprint(found["witness_key"])
    shown = run(home, "peers", "identity")
    assert fingerprint(found["log_key"]) in shown and found["witness_key"] in shown


def test_add_with_every_key_given_asks_the_peer_nothing(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = installation(tmp_path, "b")
    monkeypatch.setattr(peers_cmds, "fetch_identity", no_fetching)
    given = keys_of(other)
    add(
        home,
        "http://b.example",
        "--kinds",
        "incident.reported, licence.suspended",
        "--jurisdiction",
        "FR",
        *given,
    )
    (peer,) = run_json(home, "peers", "list")  # type: ignore[misc]
    assert peer["name"] == "b.example/log"  # the origin, when no name is given
    assert peer["log_key"] == identity_of(other)["log_key"] and peer["status"] == "active"
    assert peer["scope"] == {
        "kinds": ["incident.reported", "licence.suspended"],
        "jurisdictions": ["FR"],
        "fields": [],
    }
    out = add(home, "http://b.example", "--kinds", "model.registered", *given, code=2)
    assert "not shareable with a peer: model.registered" in out
    out = add(home, "http://a.example", "--kinds", "incident.reported", *keys_of(home), code=2)
    assert "this installation's own log" in out
    assert len(run_json(home, "peers", "list")) == 1  # type: ignore[arg-type]


def test_add_fetches_what_is_missing_and_refuses_a_key_the_peer_does_not_answer_with(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other, stranger = installation(tmp_path, "b"), installation(tmp_path, "c")
    theirs, impostor = identity_of(other), identity_of(stranger)
    with served(other) as client:
        monkeypatch.setattr(peers_cmds, "fetch_identity", fetching_from(client))
        out = add(
            home, "http://b.example", "--kinds", "incident.reported", "--log-key", impostor["log_key"], code=2
        )
        assert fingerprint(theirs["log_key"]) in out and fingerprint(impostor["log_key"]) in out
        assert "out of band" in out
        assert run_json(home, "peers", "list") == []  # nothing recognised
        out = add(
            home,
            "http://b.example",
            "--name",
            "Bee",
            "--kinds",
            "incident.reported",
            "--log-key",
            theirs["log_key"],
        )
    assert f"log key     {fingerprint(theirs['log_key'])}" in out
    assert f"witness key {fingerprint(theirs['witness_key'])}" in out
    (peer,) = run_json(home, "peers", "list")  # type: ignore[misc]
    assert (peer["name"], peer["origin"], peer["witness_key"]) == (
        "Bee",
        "b.example/log",
        theirs["witness_key"],
    )


def test_an_unreachable_peer_cannot_be_added_without_its_keys(home: Path) -> None:
    out = add(home, "http://127.0.0.1:9", "--kinds", "incident.reported", code=2)
    assert "could not fetch the identity of http://127.0.0.1:9" in out and "--log-key" in out


def test_send_refuses_a_filing_outside_the_peers_scope(home: Path, tmp_path: Path) -> None:
    add(
        home,
        "http://b.example",
        "--name",
        "Bee",
        "--kinds",
        "incident.reported",
        *keys_of(installation(tmp_path, "b")),
    )
    registered = run_json(home, "orgs", "add", "Bank AG", "-j", "DE")
    assert isinstance(registered, dict)
    out = run(home, "peers", "send", "bee", registered["filing_id"], code=2)
    assert "organisation.registered filing concerning EU is outside the scope granted to Bee" in out
    assert run_json(home, "peers", "notices", "--out") == {"outgoing": []}
    assert "no peer 'Wasp'" in run(home, "peers", "send", "Wasp", registered["filing_id"], code=2)


def test_a_name_two_peers_share_is_refused_with_both(home: Path, tmp_path: Path) -> None:
    for name in ("b", "c"):
        add(
            home,
            f"http://{name}.example",
            "--name",
            "Twin",
            "--kinds",
            "incident.reported",
            *keys_of(installation(tmp_path, name)),
        )
    out = run(home, "peers", "withdraw", "Twin", "--reason", "which?", code=2)
    assert "names more than one peer" in out and "b.example/log" in out and "c.example/log" in out
    withdrawn = run_json(home, "peers", "withdraw", "c.example/log", "--reason", "treaty ended")
    assert isinstance(withdrawn, dict) and withdrawn["status"] == "withdrawn"
    assert "is withdrawn" in run(home, "peers", "clear", "c.example/log", "--reason", "no flag", code=2)


def test_sync_with_no_peers_does_nothing(home: Path) -> None:
    assert run_json(home, "peers", "sync") == []
    assert "no active peers" in run(home, "peers", "sync")
    assert run_json(home, "peers", "status") == []


def test_sync_reports_an_unreachable_peer_and_status_keeps_the_error(home: Path, tmp_path: Path) -> None:
    add(
        home,
        "http://127.0.0.1:9",
        "--name",
        "Bee",
        "--kinds",
        "incident.reported",
        *keys_of(installation(tmp_path, "b")),
    )
    (peer_round,) = run_json(home, "peers", "sync")  # type: ignore[misc]
    assert peer_round["name"] == "Bee" and "could not be reached" in peer_round["error"]
    (status,) = run_json(home, "peers", "status")  # type: ignore[misc]
    assert "could not be reached" in status["last_error"] and status["our_size_cosigned"] == 0


def suspend_and_revoke(store: Store) -> None:
    """A licence granted, suspended, then revoked, at the installation of ``store``."""
    licence, licensing, by = granted_licence(store), LicensingService(store), operator(store)
    licensing.decide(licence, Transition.SUSPEND, LicenceStep(reason="unsafe"), by=by)
    licensing.decide(licence, Transition.REVOKE, LicenceStep(reason="still unsafe"), by=by)


def moment(text: str) -> str:
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M UTC")


def test_a_peers_notices_refusals_and_status_after_a_real_exchange(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B sends a suspension (within the scope A granted it) and a revocation (outside it): A
    lists the first as received, the second as refused, and the checkpoint of B's it cosigned."""
    monkeypatch.setattr(console, "width", 240)  # a cell's text on one line, as in a wide terminal
    other = installation(tmp_path, "b")
    add(home, "http://b.example", "--name", "Bee", "--kinds", "licence.suspended", *keys_of(other))
    ours = identity_of(home)
    with opened(other) as store:
        terms = {key: ours[key] for key in ("origin", "log_key", "witness_key")}
        terms |= {
            "name": "Ay",
            "url": "http://a.example",
            "scope": {"kinds": ["licence.suspended", "licence.revoked"]},
        }
        FederationService(store).recognise(PeerRecognised.model_validate(terms), by=operator(store))
        suspend_and_revoke(store)
        with served(home) as client:
            (peer_round,) = Sender(store, Routed({"http://a.example": client})).run()
        with store.read() as conn:
            checkpoint = ledger_sql.latest_checkpoint(conn)
    assert peer_round.error is None and (peer_round.sent, peer_round.acknowledged) == (2, 1), peer_round
    assert checkpoint is not None
    bee = run_json(home, "peers", "list")[0]["id"]  # type: ignore[index]

    found = run_json(home, "peers", "notices", "--in", "--peer", "Bee")
    assert isinstance(found, dict) and list(found) == ["incoming"]
    (received,) = found["incoming"]
    assert (received["kind"], received["peer_id"], received["origin"]) == (
        "licence.suspended",
        bee,
        "b.example/log",
    )
    table = run(home, "peers", "notices")
    assert "Received" in table and "Sent" in table and "licence.suspended" in table and "Bee" in table

    (refused,) = run_json(home, "peers", "refusals", "--peer", "b.example/log")  # type: ignore[misc]
    assert (refused["reason"], refused["peer_id"]) == ("out_of_scope", bee)
    assert "licence.revoked" in refused["detail"]
    assert "out_of_scope" in run(home, "peers", "refusals")

    (status,) = run_json(home, "peers", "status")  # type: ignore[misc]
    assert status["their_size_cosigned"] == checkpoint[1]
    shown = run(home, "peers", "status")
    assert f"{checkpoint[1]:,} at {moment(status['their_cosigned_at'])}" in shown
    assert moment(status["last_received_at"]) in shown
    assert "—" in shown  # this side sent nothing, so B cosigned nothing of it
