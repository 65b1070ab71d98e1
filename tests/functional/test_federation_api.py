"""Federation over HTTP: a supervisor recognises a peer, flags filings for it and follows the
exchange; no other role may manage peers; and anyone, the public included, may deliver notices
and offer checkpoints, since a peer is known by its signature, which garbage never has: it is
answered with refusals, never a server error."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from custos.access.model import Role
from custos.access.service import operator
from custos.client import CustosClient
from custos.client.errors import ConflictError, ForbiddenError
from custos.federation.model import PeerRecognised
from custos.federation.service import FederationService
from custos.ledger import (
    ALG_COSIGNATURE_V1,
    SIZE_MEDIA_TYPE,
    Checkpoint,
    Note,
    Signer,
    Verifier,
    WitnessRefusal,
    render_add_checkpoint,
)
from custos.store import Store
from tests.functional.conftest import Api

PEER_ORIGIN = "peer.example/log"
#: The log key of the sample peer: fixed, so its checkpoints can be signed in any test.
PEER_LOG = Signer.generate(PEER_ORIGIN)
PEER_WITNESS = Signer.generate(f"{PEER_ORIGIN}/witness", ALG_COSIGNATURE_V1)
#: Where the sample peer "answers": a port nothing listens on, so a round fails at once.
PEER_URL = "http://127.0.0.1:9"

MANAGE_ROUTES = [
    ("GET", "/v1/federation/peers"),
    ("POST", "/v1/federation/peers"),
    ("POST", "/v1/federation/peers/{peer_id}/withdraw"),
    ("POST", "/v1/federation/peers/{peer_id}/clear"),
    ("GET", "/v1/federation/status"),
    ("POST", "/v1/federation/outbox"),
    ("GET", "/v1/federation/outbox"),
    ("GET", "/v1/federation/inbox"),
    ("GET", "/v1/federation/refusals"),
    ("POST", "/v1/federation/sync"),
]


def peer_terms(kinds: tuple[str, ...] = ("incident.reported",), **scope: Any) -> dict[str, Any]:
    return {
        "name": "Peer authority",
        "origin": PEER_ORIGIN,
        "log_key": PEER_LOG.verifier.vkey,
        "witness_key": PEER_WITNESS.verifier.vkey,
        "url": PEER_URL,
        "scope": {"kinds": list(kinds), **scope},
    }


def recognise_peer(store: Store, kinds: tuple[str, ...] = ("incident.reported",)) -> str:
    """The sample peer, recognised by the installation's operator; its id."""
    terms = PeerRecognised.model_validate(peer_terms(kinds))
    return FederationService(store).recognise(terms, by=operator(store)).id


def checkpoint_offer(size: int, seed: bytes = b"", old: int = 0) -> str:
    """An ``add-checkpoint`` request for a checkpoint of the sample peer's log."""
    root = hashlib.sha256(seed + str(size).encode()).digest()
    return render_add_checkpoint(old, [], Checkpoint(PEER_ORIGIN, size, root).sign(PEER_LOG))


def flagged_peer(store: Store) -> str:
    """The sample peer, flagged after showing two checkpoints of one size with different roots."""
    peer_id = recognise_peer(store)
    service = FederationService(store)
    service.add_checkpoint(checkpoint_offer(3))
    with pytest.raises(WitnessRefusal):
        service.add_checkpoint(checkpoint_offer(3, seed=b"forked", old=3))
    return peer_id


def incident_filing(api: Api) -> str:
    """The filing of an incident reported about the sample model."""
    answer = api.client.post(
        "/v1/incidents",
        headers=api.headers(Role.SUPERVISOR),
        json={
            "model_id": api.samples["model"],
            "severity": "minor",
            "summary": "test",
            "occurred_at": "2026-01-01T00:00:00Z",
        },
    )
    assert answer.status_code == 201, answer.text
    with api.store.read() as conn:
        found = conn.exec_driver_sql(
            "SELECT id FROM filings WHERE kind = 'incident.reported' ORDER BY id DESC LIMIT 1"
        ).scalar_one()
    return str(found)


def test_the_identity_is_public_and_is_the_installations_own(api: Api) -> None:
    answer = api.client.get("/v1/federation/identity")
    assert answer.status_code == 200
    own = api.store.log_signer
    assert answer.json()["origin"] == own.name == "test.custos/log"
    assert answer.json()["log_key"] == own.verifier.vkey
    assert Verifier.from_vkey(answer.json()["witness_key"]).algorithm == ALG_COSIGNATURE_V1


def test_a_supervisor_recognises_a_peer_flags_a_filing_and_withdraws_it(api: Api) -> None:
    supervisor = api.headers(Role.SUPERVISOR)
    earlier = incident_filing(api)  # before the peer: not flagged for it by itself
    answer = api.client.post("/v1/federation/peers", headers=supervisor, json=peer_terms())
    assert answer.status_code == 201, answer.text
    peer = answer.json()
    assert (peer["origin"], peer["status"], peer["scope"]["kinds"]) == (
        PEER_ORIGIN,
        "active",
        ["incident.reported"],
    )
    assert [p["id"] for p in api.client.get("/v1/federation/peers", headers=supervisor).json()] == [
        peer["id"]
    ]

    flag = {"peer_id": peer["id"], "filing_id": earlier}
    flagged = api.client.post("/v1/federation/outbox", headers=supervisor, json=flag)
    assert flagged.status_code == 201, flagged.text
    assert (flagged.json()["filing_id"], flagged.json()["status"]) == (earlier, "pending")
    again = api.client.post("/v1/federation/outbox", headers=supervisor, json=flag)
    assert again.status_code == 409 and "already flagged" in again.json()["detail"]
    outside = {"peer_id": peer["id"], "filing_id": api.samples["passport_filing"]}
    refused = api.client.post("/v1/federation/outbox", headers=supervisor, json=outside)
    assert refused.status_code == 422 and "outside the scope granted" in refused.json()["detail"]

    later = incident_filing(api)  # within the scope of an active peer: flagged by itself
    outbox = api.client.get("/v1/federation/outbox", headers=supervisor, params={"peer": peer["id"]}).json()
    assert sorted(n["filing_id"] for n in outbox) == sorted([earlier, later])
    (status,) = api.client.get("/v1/federation/status", headers=supervisor).json()
    assert (status["peer"]["id"], status["pending"], status["our_size_cosigned"]) == (peer["id"], 2, 0)
    assert api.client.get("/v1/federation/inbox", headers=supervisor).json() == []

    withdrawn = api.client.post(
        f"/v1/federation/peers/{peer['id']}/withdraw", headers=supervisor, json={"reason": "treaty ended"}
    )
    assert withdrawn.status_code == 201 and withdrawn.json()["status"] == "withdrawn"
    cleared = api.client.post(
        f"/v1/federation/peers/{peer['id']}/clear", headers=supervisor, json={"reason": "nothing to clear"}
    )
    assert cleared.status_code == 409
    assert api.client.post("/v1/federation/sync", headers=supervisor).json() == []  # no active peer


def test_a_round_with_an_unreachable_peer_says_so(api: Api) -> None:
    peer_id = recognise_peer(api.store)
    answer = api.client.post("/v1/federation/sync", headers=api.headers(Role.SUPERVISOR))
    assert answer.status_code == 200
    (peer_round,) = answer.json()
    assert peer_round["peer_id"] == peer_id and "could not be reached" in peer_round["error"]


def test_a_supervisor_clears_a_flagged_peer(api: Api) -> None:
    peer_id = flagged_peer(api.store)
    supervisor = api.headers(Role.SUPERVISOR)
    (peer,) = api.client.get("/v1/federation/peers", headers=supervisor).json()
    assert peer["status"] == "flagged" and "forked" in peer["flag"]
    cleared = api.client.post(
        f"/v1/federation/peers/{peer_id}/clear", headers=supervisor, json={"reason": "explained"}
    )
    assert cleared.status_code == 201 and cleared.json()["status"] == "active"


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.SUPERVISOR])
def test_no_other_role_may_manage_peers(api: Api, role: Role) -> None:
    peer_id = recognise_peer(api.store)
    for method, path in MANAGE_ROUTES:
        body = {"reason": "x"} if path.endswith(("withdraw", "clear")) else None
        if path.endswith(("/peers", "/outbox")) and method == "POST":
            body = peer_terms() if path.endswith("/peers") else {"peer_id": peer_id, "filing_id": "X"}
        url = path.replace("{peer_id}", peer_id)
        answer = api.client.request(method, url, headers=api.headers(role), json=body)
        assert answer.status_code == (401 if role is Role.PUBLIC else 403), (method, path, answer.text)
    (peer,) = FederationService(api.store).peers(by=operator(api.store))
    assert peer.status == "active"  # nothing was withdrawn


GARBAGE = [
    "",
    "not a note",
    "custos.notice/v1\n{}\n\n— peer.example/log AAAA\n",
    "custos.notice/v1\n" + "{" * 10_000 + "\n\n— x y\n",
    "\x00\x01\x02",
    Checkpoint(PEER_ORIGIN, 1, b"\0" * 32).sign(PEER_LOG),  # a checkpoint is no notice
]


@pytest.mark.parametrize("role", list(Role))
def test_anyone_may_deliver_notices_and_garbage_is_refused_with_reasons(api: Api, role: Role) -> None:
    recognise_peer(api.store)
    answer = api.client.post("/v1/federation/notices", headers=api.headers(role), json={"notices": GARBAGE})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert len(results) == len(GARBAGE)
    assert all(r["status"] == "refused" and r["reason"] and r["received_as"] is None for r in results), (
        results
    )
    recorded = api.client.get("/v1/federation/refusals", headers=api.headers(Role.SUPERVISOR)).json()
    assert len(recorded) == len(GARBAGE)
    assert api.client.get("/v1/federation/inbox", headers=api.headers(Role.SUPERVISOR)).json() == []


@pytest.mark.parametrize(
    "body", [{}, {"notices": []}, {"notices": "x"}, {"notices": [1]}, [], {"notices": ["x"], "more": 1}]
)
def test_a_delivery_that_is_not_a_list_of_notes_is_a_422(api: Api, body: Any) -> None:
    answer = api.client.post("/v1/federation/notices", json=body)
    assert answer.status_code == 422, answer.text


def test_anyone_may_offer_a_recognised_peers_checkpoint_for_cosigning(api: Api) -> None:
    recognise_peer(api.store)
    offer = checkpoint_offer(5)
    answer = api.client.post(
        "/v1/federation/add-checkpoint", content=offer, headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 200, answer.text
    witness = Verifier.from_vkey(api.client.get("/v1/federation/identity").json()["witness_key"])
    note = offer.split("\n\n", 1)[1]
    Note.parse(note + answer.text).verify(witness)  # raises if the cosignature is not the witness's
    stale = api.client.post("/v1/federation/add-checkpoint", content=checkpoint_offer(7))
    assert stale.status_code == 409 and stale.headers["content-type"] == SIZE_MEDIA_TYPE
    assert stale.text.strip() == "5"


@pytest.mark.parametrize(
    ("offer", "status"),
    [
        ("nonsense", 400),
        ("old 0\n\nnot a checkpoint", 404),
        (
            render_add_checkpoint(
                0,
                [],
                Checkpoint("stranger.example/log", 1, b"\0" * 32).sign(
                    Signer.generate("stranger.example/log")
                ),
            ),
            404,
        ),
        (
            render_add_checkpoint(
                0, [], Checkpoint(PEER_ORIGIN, 1, b"\0" * 32).sign(Signer.generate(PEER_ORIGIN))
            ),
            403,
        ),
    ],
)
def test_a_bad_offer_is_refused_with_the_witness_protocols_status(api: Api, offer: str, status: int) -> None:
    recognise_peer(api.store)
    answer = api.client.post("/v1/federation/add-checkpoint", content=offer.encode())
    assert answer.status_code == status, answer.text


def client_of(api: Api, role: Role) -> CustosClient:
    """``CustosClient`` as ``role``, its requests answered by the app under test."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = api.client.request(
            request.method, str(request.url), content=request.content, headers=dict(request.headers)
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    token = None if role is Role.PUBLIC else api.tokens[role]
    return CustosClient("http://testserver", token, transport=httpx.MockTransport(forward))


def test_the_python_client_speaks_every_federation_route(api: Api) -> None:
    earlier = incident_filing(api)
    with client_of(api, Role.SUPERVISOR) as supervisor, client_of(api, Role.PUBLIC) as public:
        assert public.federation_identity().log_key == api.store.log_signer.verifier.vkey
        peer = supervisor.recognise_peer(PeerRecognised.model_validate(peer_terms()))
        assert [p.id for p in supervisor.peers()] == [peer.id]
        flagged = supervisor.send_to_peer(peer.id, earlier)
        assert [n.id for n in supervisor.outgoing_notices(peer=peer.id)] == [flagged.id]
        with pytest.raises(ConflictError):
            supervisor.send_to_peer(peer.id, earlier)
        (result,) = public.deliver_notices(["not a notice"]).results
        assert (result.status, result.reason) == ("refused", "malformed")
        assert [r.reason for r in supervisor.notice_refusals()] == ["malformed"]
        assert supervisor.incoming_notices() == []
        offer = checkpoint_offer(2)
        line = public.add_checkpoint(offer)
        witness = Verifier.from_vkey(public.federation_identity().witness_key)
        Note.parse(offer.split("\n\n", 1)[1] + line).verify(witness)
        with pytest.raises(ConflictError) as stale:
            public.add_checkpoint(checkpoint_offer(4))
        assert stale.value.detail == "2"
        (status,) = supervisor.peer_status()
        assert (status.pending, status.their_size_cosigned) == (1, 2)
        (peer_round,) = supervisor.sync_peers()
        assert peer_round["peer_id"] == peer.id and "could not be reached" in peer_round["error"]
        with pytest.raises(ConflictError):
            supervisor.clear_peer(peer.id, "not flagged")
        assert supervisor.withdraw_peer(peer.id, "treaty ended").status == "withdrawn"
    with client_of(api, Role.PROVIDER) as provider, pytest.raises(ForbiddenError):
        provider.peers()
