"""Federation between installations in one process: recognising peers, witnessing each other's
logs, sending notices, and refusing what should be refused."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from custos.core.clock import FixedClock
from custos.federation.notices import notice_note, shown_to_peer
from custos.federation.sync import Reply
from custos.ledger import Signer
from custos.licensing.model import LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import ledger_sql
from tests.conftest import TEST_NOW
from tests.functional.federation_pair import Node, granted_licence, installations


def suspend_a_licence(node: Node) -> None:
    """Grant a licence and suspend it: a filing a peer in the scope is sent."""
    licence = granted_licence(node.store)
    LicensingService(node.store).decide(licence, Transition.SUSPEND, LicenceStep(reason="unsafe"), by=node.by)


@pytest.fixture
def pair(tmp_path: Path):  # type: ignore[no-untyped-def]
    with installations(tmp_path, FixedClock(TEST_NOW), "a", "b") as nodes:
        nodes["a"].recognise(nodes["b"])
        nodes["b"].recognise(nodes["a"])
        yield nodes


def test_a_suspension_reaches_the_peer_verified_and_is_acknowledged(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    suspend_a_licence(a)
    (outgoing,) = a.federation.outgoing(by=a.by)
    assert outgoing.kind == "licence.suspended" and outgoing.status == "pending"
    (peer_round,) = a.sender.run()
    assert peer_round.error is None, peer_round
    assert (peer_round.sent, peer_round.acknowledged) == (1, 1)
    (received,) = b.federation.incoming(by=b.by)
    assert received.filing_id == outgoing.filing_id and received.origin == "a.example/log"
    (acknowledged,) = a.federation.outgoing(by=a.by)
    assert acknowledged.status == "acknowledged" and acknowledged.received_as == received.id
    (status,) = a.federation.status(by=a.by)
    with a.store.read() as conn:
        size = ledger_sql.latest_checkpoint(conn)
    assert status.our_size_cosigned == size[1]  # type: ignore[index]
    (their,) = b.federation.status(by=b.by)
    assert their.their_size_cosigned == status.our_size_cosigned
    # a second round sends nothing again
    (again,) = a.sender.run()
    assert again.sent == 0


# --- what a receiver refuses -------------------------------------------------------------------


def witnessed_notice(
    a: Node,
    b: Node,
    *,
    signer: Signer | None = None,
    proof_tamper: bool = False,
    to: str | None = None,
    notice_id: str | None = None,
    fields: tuple[str, ...] = (),
) -> tuple[str, str]:
    """A notice from A to B of A's newest flagged filing, against the checkpoint B has cosigned;
    (notice, filing id)."""
    a.sender.run(deliver=False)  # publishes a checkpoint and has B cosign it
    with a.store.read() as conn:
        size, note = ledger_sql.latest_checkpoint(conn)[1:]  # type: ignore[index]
        flagged = a.federation.outgoing(by=a.by)[0]
        filing, index = a.store.filing(conn, flagged.filing_id)  # type: ignore[misc]
    proof = a.store.tiles.reader.inclusion_proof(index, size)
    if proof_tamper:
        proof = [bytes(32), *proof[1:]] if proof else [bytes(32)]
    text = notice_note(
        signer or a.store.log_signer,
        to=to or b.federation.identity().origin,
        notice_id=notice_id or flagged.id,
        view=shown_to_peer(filing, fields),
        index=index,
        proof=proof,
        checkpoint=note,
    )
    return text, filing.id


def refusals_of(node: Node) -> list[str]:
    return [refusal.reason for refusal in node.federation.refusals(by=node.by)]


def test_a_retransmitted_notice_is_answered_with_the_same_receipt_and_filed_once(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    suspend_a_licence(a)
    notice, _ = witnessed_notice(a, b)
    answer = b.federation.receive([notice, notice])
    first, second = answer.results
    again = b.federation.receive([notice])
    (third,) = again.results
    assert (first.status, second.status, third.status) == ("accepted", "duplicate", "duplicate")
    assert first.received_as == second.received_as == third.received_as
    assert answer.receipt is not None and again.receipt is not None
    assert first.received_as in answer.receipt and first.received_as in again.receipt
    assert len(b.federation.incoming(by=b.by)) == 1


def test_a_forged_notice_is_refused_and_recorded_and_the_peer_is_not_blamed(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    suspend_a_licence(a)
    forger = Signer.generate("a.example/log")  # a's origin, someone else's key
    notice, _ = witnessed_notice(a, b, signer=forger)
    (result,) = b.federation.receive([notice]).results
    assert (result.status, result.reason) == ("refused", "bad_signature")
    assert refusals_of(b) == ["bad_signature"]
    assert b.federation.peers(by=b.by)[0].status == "active"
    assert b.federation.incoming(by=b.by) == []


def test_a_notice_from_an_unknown_installation_is_refused(tmp_path: Path) -> None:
    with installations(tmp_path, FixedClock(TEST_NOW), "a", "b", "c") as nodes:
        a, b, c = nodes["a"], nodes["b"], nodes["c"]
        a.recognise(c)
        c.recognise(a)
        b.recognise(a)  # b knows a but c does not know b, nor b c
        suspend_a_licence(a)
        notice, _ = witnessed_notice(a, c, to="b.example/log")  # a's notice to c, replayed to b
        (misdirected,) = b.federation.receive([notice]).results
        assert misdirected.reason in ("misdirected", "unwitnessed")
        text, _ = witnessed_notice(a, c)
        (unknown,) = c.federation.receive([text.replace("a.example/log", "z.example/log")]).results
        assert unknown.reason == "unknown_peer"


def test_a_notice_addressed_to_another_installation_is_refused_as_misdirected(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    suspend_a_licence(a)
    notice, _ = witnessed_notice(a, b, to="c.example/log")
    (result,) = b.federation.receive([notice]).results
    assert result.reason == "misdirected"


def test_a_notice_whose_proof_fails_is_refused_and_flags_the_peer(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    suspend_a_licence(a)
    notice, _ = witnessed_notice(a, b, proof_tamper=True, notice_id="tampered")
    (result,) = b.federation.receive([notice]).results
    assert result.reason == "bad_proof"
    (peer,) = b.federation.peers(by=b.by)
    assert peer.status == "flagged" and "not proved" in (peer.flag or "")
    honest, _ = witnessed_notice(a, b)
    (after,) = b.federation.receive([honest]).results
    assert after.reason == "peer_not_active"  # nothing more is taken from a flagged peer
    assert refusals_of(b) == ["peer_not_active", "bad_proof"]
    b.federation.clear(peer.id, "the proof was a transmission fault", by=b.by)
    (cleared,) = b.federation.receive([honest]).results
    assert cleared.status in ("accepted", "duplicate")


def test_the_same_filing_under_another_notice_id_is_a_replay(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    suspend_a_licence(a)
    (delivered,) = a.sender.run()
    assert delivered.acknowledged == 1
    notice, _ = witnessed_notice(a, b, notice_id="another-id")
    (result,) = b.federation.receive([notice]).results
    assert result.reason == "replay"


def test_a_notice_outside_the_scope_granted_is_refused(tmp_path: Path) -> None:
    with installations(tmp_path, FixedClock(TEST_NOW), "a", "b") as nodes:
        a, b = nodes["a"], nodes["b"]
        a.recognise(b, kinds=("licence.suspended",), fields=["reason"])
        b.recognise(a, kinds=("incident.reported",))
        suspend_a_licence(a)
        (round_,) = a.sender.run()
        assert round_.acknowledged == 0 and "out_of_scope" in round_.refused[0]
        assert refusals_of(b) == ["out_of_scope"]
        assert b.federation.incoming(by=b.by) == []
        b.recognise(a, kinds=("licence.suspended",))  # the scopes now agree
        (waiting,) = a.sender.run()
        assert waiting.sent == 0  # the refused notice waits before it is sent again
        a.store.clock.advance(timedelta(minutes=10))
        (round_,) = a.sender.run()
        assert round_.acknowledged == 1


def test_an_unreachable_peer_is_retried_until_it_acknowledges_once(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    transport = a.sender.transport
    transport.down.add(b.url)  # type: ignore[attr-defined]
    suspend_a_licence(a)
    (failed,) = a.sender.run()
    assert failed.error is not None and "could not be reached" in failed.error
    (status,) = a.federation.status(by=a.by)
    assert status.last_error == failed.error and status.pending == 1
    transport.down.clear()  # type: ignore[attr-defined]
    (delivered,) = a.sender.run()
    assert delivered.acknowledged == 1
    assert len(b.federation.incoming(by=b.by)) == 1
    (acknowledged,) = a.federation.outgoing(by=a.by)
    assert acknowledged.status == "acknowledged"


def test_a_checkpoint_that_does_not_extend_the_one_cosigned_is_refused_and_flags_the_peer(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    a.sender.run()  # b cosigns a's checkpoint
    with b.store.read() as conn:
        from custos.store import federation_views

        head = federation_views.head(conn, "a.example/log")
    assert head is not None
    from custos.ledger import Checkpoint, render_add_checkpoint

    forked = Checkpoint("a.example/log", int(head["size"]), bytes(32)).sign(a.store.log_signer)
    response = b.client.post(
        "/v1/federation/add-checkpoint",
        content=render_add_checkpoint(int(head["size"]), [], forked),
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 409 and "forked" in response.text
    (peer,) = b.federation.peers(by=b.by)
    assert peer.status == "flagged"
    flagged = b.client.get(f"/v1/filings/{peer.id}")  # the peer's subject is not a filing
    assert flagged.status_code == 404


def report_an_incident(node: Node, affected: tuple[str, ...]) -> str:
    """A serious incident about a newly registered model, affecting ``affected``; its id."""
    from custos.oversight.incidents import IncidentService
    from custos.oversight.model import IncidentReported

    registry, by = RegistryService(node.store), node.by
    provider = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Lab Inc", "jurisdiction": "US", "country": "US", "kinds": ["model_provider"]}
        ),
        by=by,
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Frontier", "provider_id": provider.id}), by=by
    )
    incident = IncidentService(node.store).report(
        IncidentReported.model_validate(
            {
                "model_ids": [model.id],
                "severity": "serious",
                "occurred_at": "2026-10-30T08:00:00Z",
                "harm_types": ["economic_property"],
                "affected_jurisdictions": list(affected),
                "summary": "confidential: weights copied to an unknown host",
            }
        ),
        by=by,
    )
    return incident.id


def test_an_incident_reaches_only_the_peers_whose_jurisdictions_it_affects(tmp_path: Path) -> None:
    with installations(tmp_path, FixedClock(TEST_NOW), "a", "b", "c") as nodes:
        a, b, c = nodes["a"], nodes["b"], nodes["c"]
        a.recognise(b, kinds=("incident.reported",), jurisdictions=["GB"])
        a.recognise(c, kinds=("incident.reported",), jurisdictions=["US-CA"])
        b.recognise(a, kinds=("incident.reported",), jurisdictions=["GB"], fields=["summary"])
        c.recognise(a, kinds=("incident.reported",))
        incident = report_an_incident(a, affected=("GB", "FR"))
        rounds = {peer_round.name: peer_round for peer_round in a.sender.run()}
        assert (rounds["b"].acknowledged, rounds["c"].sent) == (1, 0)
        (received,) = b.federation.incoming(by=b.by)
        assert received.filing_id == incident and received.content is not None
        assert received.content["affected_jurisdictions"] == ["GB", "FR"]
        assert "summary" not in received.content  # confidential; a grants b no field
        with b.store.read() as conn:
            notice = b.store.filing(conn, received.id)[0].content["notice"]  # type: ignore[index]
        assert "weights copied" not in notice
        assert c.federation.incoming(by=c.by) == []


def test_a_receipt_that_does_not_verify_acknowledges_nothing_and_the_notice_is_sent_again(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair["a"], pair["b"]
    honest = a.sender.transport

    class Tampering:
        def post(self, url: str, content: str, media_type: str) -> Reply:
            reply = honest.post(url, content, media_type)
            if not url.endswith("/notices"):
                return reply
            answer = json.loads(reply.text)
            answer["receipt"] = answer["receipt"].replace('"received_as":"', '"received_as":"X')
            return Reply(reply.status, reply.media_type, json.dumps(answer))

    a.sender.transport = Tampering()
    suspend_a_licence(a)
    (tampered,) = a.sender.run()
    assert tampered.acknowledged == 0 and "bad receipt" in tampered.refused[0]
    assert a.federation.outgoing(by=a.by)[0].status == "pending"
    a.sender.transport = honest
    a.store.clock.advance(timedelta(minutes=10))
    (resent,) = a.sender.run()
    assert resent.acknowledged == 1
    assert len(b.federation.incoming(by=b.by)) == 1  # held once, acknowledged once


def test_what_follows_an_incident_reaches_the_peers_its_incident_reached(tmp_path: Path) -> None:
    """An update names no jurisdiction of its own: it concerns those its incident affects, on
    both sides, so a peer granted those jurisdictions hears of it as it heard of the incident."""
    from custos.oversight.incidents import IncidentService
    from custos.oversight.model import IncidentUpdated

    with installations(tmp_path, FixedClock(TEST_NOW), "a", "b") as nodes:
        a, b = nodes["a"], nodes["b"]
        kinds = ("incident.reported", "incident.updated")
        a.recognise(b, kinds=kinds, jurisdictions=["GB"])
        b.recognise(a, kinds=kinds, jurisdictions=["GB"])
        incident = report_an_incident(a, affected=("GB",))
        learned = IncidentUpdated(incident_id=incident, stage="follow_up", learned="the host was found")
        IncidentService(a.store).update(learned, by=a.by)
        (round_,) = a.sender.run()
        assert (round_.sent, round_.acknowledged, round_.refused) == (2, 2, [])
        assert sorted(notice.kind for notice in b.federation.incoming(by=b.by)) == list(kinds)
