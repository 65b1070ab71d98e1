"""Shared standards between installations in one process: a peer's pack version and its auditor
accreditations taken over as recognised, with their origin, and refused when the peer's server
alters what its log holds or shows a log other than the one this installation cosigned."""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from securesystemslib.signer import CryptoSigner

from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.api import create_app
from custos.assurance.model import AuditEngaged, AuditorAccredited
from custos.assurance.service import AssuranceService
from custos.assurance.signing import sign_statement
from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement
from custos.core.clock import FixedClock
from custos.core.errors import Conflict, InvalidInput
from custos.core.settings import Settings
from custos.federation.model import PeerRecognised
from custos.federation.service import FederationService
from custos.federation.standards import StandardsService
from custos.installation import create_installation
from custos.ledger.witness_protocol import render_add_checkpoint
from custos.passports.model import Passport
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store, federation_views, ledger_sql
from tests.conftest import TEST_NOW
from tests.functional.federation_pair import Node, Routed, installations
from tests.functional.test_incidents import run
from tests.unit.assurance.audits import public, signer
from tests.unit.policy.test_pack import GOOD

SCOPE = "custos-systemic-risk-audit"
A_ORIGIN = "a.example/log"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[dict[str, Node]]:
    with installations(tmp_path, FixedClock(TEST_NOW), "a", "b") as nodes:
        nodes["a"].recognise(nodes["b"])
        nodes["b"].recognise(nodes["a"])
        yield nodes


def peer_a(b: Node) -> str:
    (peer,) = b.federation.peers(by=b.by)
    return peer.id


def fetch_of(node: Node) -> Callable[[str], tuple[int, str]]:
    return node.sender.transport.fetch  # type: ignore[attr-defined,no-any-return]


def witnessed(a: Node) -> None:
    """``a`` has its peers cosign its newest checkpoint (and so b records a's head)."""
    (peer_round,) = a.sender.run(deliver=False)
    assert peer_round.error is None, peer_round


def log_size(node: Node) -> int:
    with node.store.read() as conn:
        return ledger_sql.tree_size(conn)


def proved_index(node: Node, filing_id: str) -> int:
    with node.store.read() as conn:
        proved = node.store.proved(conn, filing_id)
    assert proved is not None
    return proved.index


def load_pack(node: Node, text: str = GOOD) -> str:
    """Load a pack at ``node``; the id of the filing that loaded it."""
    PolicyService(node.store).load(text, origin="test", by=node.by)
    (loaded,) = [p for p in PolicyService(node.store).packs() if p.active and p.pack == "test-pack"]
    return loaded.filing_id


def accredit_auditor(store: Store, name: str = "Audit Firm GmbH") -> tuple[str, str, CryptoSigner]:
    """An audit firm accredited at ``store``: its organisation's id, the accreditation's, its key."""
    firm = RegistryService(store).register_organisation(
        OrganisationRegistered.model_validate(
            {"name": name, "jurisdiction": "DE", "country": "DE", "kinds": ["auditor"]}
        ),
        by=operator(store),
    )
    key = signer()
    accredited = AssuranceService(store).accredit(
        AuditorAccredited.model_validate(
            {
                "organisation_id": firm.id,
                "keys": [public(key)],
                "scopes": [SCOPE],
                "valid_from": "2026-01-01",
                "valid_until": "2028-12-31",
                "note": "confidential to a's supervisors",
            }
        ),
        by=operator(store),
    )
    return firm.id, accredited.id, key


def tampering(fetch: Callable[[str], tuple[int, str]], change: Callable[[dict[str, Any]], None]) -> Any:
    """A fetch whose peer alters each filing it serves with ``change`` (its proof left as it was)."""

    def altered(url: str) -> tuple[int, str]:
        status, text = fetch(url)
        if "/v1/filings/" in url and status == 200:
            served = json.loads(text)
            change(served)
            return status, json.dumps(served)
        return status, text

    return altered


# --- packs -------------------------------------------------------------------------------------


def test_a_peers_pack_loads_here_with_where_it_came_from(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    remote = load_pack(a)
    witnessed(a)
    imported = StandardsService(b.store, fetch_of(b)).import_pack(peer_a(b), "test-pack", by=b.by)
    assert (imported.pack, imported.version) == ("test-pack", "1.0.0")
    provenance = imported.recognised_from
    assert (provenance.origin, provenance.filing_id) == (A_ORIGIN, remote)
    assert provenance.index == proved_index(a, remote)
    with a.store.read() as conn:
        assert provenance.tree_size == ledger_sql.latest_checkpoint(conn)[1]  # type: ignore[index]
    (here,) = PolicyService(b.store).packs()
    assert (here.pack, here.version, here.active) == ("test-pack", "1.0.0", True)
    assert here.filing_id == imported.filing_id != remote
    assert here.recognised_from == provenance
    with b.store.read() as conn:
        found = b.store.filing(conn, imported.filing_id)
    assert found is not None
    filing = found[0]
    assert filing.kind == "policy.pack_loaded" and filing.content["text"] == GOOD
    assert filing.content["recognised_from"] == provenance.model_dump()
    assert filing.visibility["recognised_from"] == "public"
    # a pack loaded here directly says nothing of a peer
    PolicyService(b.store).load(GOOD.replace("test-pack", "own-pack"), origin="test", by=b.by)
    own = [p for p in PolicyService(b.store).packs() if p.pack == "own-pack"]
    assert own[0].recognised_from is None


def test_the_same_version_again_is_refused_and_nothing_is_filed(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    witnessed(a)
    standards = StandardsService(b.store, fetch_of(b))
    standards.import_pack(peer_a(b), "test-pack", "1.0.0", by=b.by)
    size = log_size(b)
    with pytest.raises(Conflict, match=r"test-pack@1\.0\.0 is already loaded here"):
        standards.import_pack(peer_a(b), "test-pack", by=b.by)
    assert log_size(b) == size


def test_a_version_filed_after_the_cosigned_head_is_proved_consistent_with_it(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    witnessed(a)
    with b.store.read() as conn:
        cosigned = federation_views.head(conn, A_ORIGIN)
    assert cosigned is not None
    newer = load_pack(a, GOOD.replace("1.0.0", "2.0.0"))
    standards = StandardsService(b.store, fetch_of(b))
    with pytest.raises(Conflict, match="not yet published a checkpoint"):
        standards.import_pack(peer_a(b), "test-pack", "2.0.0", by=b.by)
    a.store.publish_checkpoint()  # a's newest checkpoint is now past the head b cosigned
    imported = standards.import_pack(peer_a(b), "test-pack", "2.0.0", by=b.by)
    assert imported.recognised_from.filing_id == newer
    assert imported.recognised_from.tree_size > int(cosigned["size"])


def test_a_pack_the_peers_server_altered_is_refused(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    witnessed(a)

    def lower_the_threshold(served: dict[str, Any]) -> None:
        text = served["view"]["disclosed"]["text"]
        text["value"] = text["value"].replace("threshold: 1e25", "threshold: 1e20")

    standards = StandardsService(b.store, tampering(fetch_of(b), lower_the_threshold))
    size = log_size(b)
    with pytest.raises(InvalidInput, match="was altered"):
        standards.import_pack(peer_a(b), "test-pack", by=b.by)
    assert log_size(b) == size and PolicyService(b.store).packs() == []
    # the same import, untouched, goes through: the refusal was the alteration's
    StandardsService(b.store, fetch_of(b)).import_pack(peer_a(b), "test-pack", by=b.by)


def test_a_proof_that_does_not_lead_to_the_signed_checkpoint_is_refused(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    witnessed(a)

    def another_entry(served: dict[str, Any]) -> None:
        served["index"] = served["index"] + 1 if served["index"] == 0 else served["index"] - 1

    with pytest.raises(InvalidInput, match="is not proved at entry"):
        StandardsService(b.store, tampering(fetch_of(b), another_entry)).import_pack(
            peer_a(b), "test-pack", by=b.by
        )


def _cosigned(b: Node, size: int, root: bytes) -> None:
    """Make b's memory of a's head ``size`` and ``root``: what it cosigned, as if a had shown it then."""
    with b.store.transaction() as uow:
        head = federation_views.head(uow.conn, A_ORIGIN)
        assert head is not None
        federation_views.save_head(
            uow.conn, A_ORIGIN, size, base64.b64encode(root).decode(), head["note"], head["cosigned_at"]
        )


def test_a_checkpoint_forking_from_the_cosigned_head_is_refused(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    witnessed(a)
    with b.store.read() as conn:
        head = federation_views.head(conn, A_ORIGIN)
    assert head is not None
    _cosigned(b, int(head["size"]), bytes(32))  # the same size, another root
    size = log_size(b)
    with pytest.raises(Conflict, match="forked"):
        StandardsService(b.store, fetch_of(b)).import_pack(peer_a(b), "test-pack", by=b.by)
    assert log_size(b) == size and PolicyService(b.store).packs() == []


def test_a_checkpoint_inconsistent_with_the_cosigned_head_is_refused(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    witnessed(a)
    _cosigned(b, 2, bytes(32))  # an earlier head the peer's log does not extend
    with pytest.raises(Conflict, match="not consistent with its head of size 2"):
        StandardsService(b.store, fetch_of(b)).import_pack(peer_a(b), "test-pack", by=b.by)
    # with the true root at that size, the same proof passes
    true_root = a.store.tiles.reader.root(2)
    _cosigned(b, 2, true_root)
    StandardsService(b.store, fetch_of(b)).import_pack(peer_a(b), "test-pack", by=b.by)


def test_a_withdrawn_peer_and_an_unwitnessed_one_are_refused(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    standards = StandardsService(b.store, fetch_of(b))
    with pytest.raises(Conflict, match="not cosigned a checkpoint"):
        standards.import_pack(peer_a(b), "test-pack", by=b.by)
    witnessed(a)
    b.federation.withdraw(peer_a(b), "the agreement ended", by=b.by)
    with pytest.raises(Conflict, match="is withdrawn"):
        standards.import_pack(peer_a(b), "test-pack", by=b.by)
    with pytest.raises(Conflict, match="is withdrawn"):
        standards.import_accreditations(peer_a(b), by=b.by)
    assert PolicyService(b.store).packs() == []


# --- accreditations ----------------------------------------------------------------------------


def _audit_at(b: Node, auditor_id: str, key: CryptoSigner) -> dict[str, Any]:
    """At b: a provider's model with a passport, an engagement of the auditor about it, and the
    auditor's Statement signed with ``key``."""
    registry = RegistryService(b.store)
    provider = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Provider SA", "jurisdiction": "FR", "kinds": ["model_provider"]}
        ),
        by=b.by,
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "M", "provider_id": provider.id}), by=b.by
    )
    registry.file_passport(model.id, Passport.model_validate({"provenance": {"source": "manual"}}), by=b.by)
    engagement = AssuranceService(b.store).engage(
        AuditEngaged(subject_id=model.id, scope=SCOPE, auditor_id=auditor_id), by=b.by
    )
    now = b.store.clock.now()
    statement = Statement(
        subject=(ResourceDescriptor.model_validate(engagement.statement_subject),),
        predicate=AuditPredicate.model_validate(
            {
                "engagement": engagement.id,
                "auditor": auditor_id,
                "scope": SCOPE,
                "standard": "Custos baseline, Assurance",
                "method": "Review",
                "findingsSummary": "None.",
                "opinion": "pass",
                "issuedAt": now.isoformat(),
                "validFrom": now.date().isoformat(),
                "validUntil": (now.date() + timedelta(days=365)).isoformat(),
            }
        ),
    )
    return sign_statement(statement, key)


def test_a_peers_accreditation_registers_its_auditor_and_verifies_what_its_key_signs(
    pair: dict[str, Node],
) -> None:
    a, b = pair["a"], pair["b"]
    firm_at_a, accreditation_at_a, key = accredit_auditor(a.store)
    (listed,) = AssuranceService(a.store).accreditations()
    witnessed(a)
    imported = StandardsService(b.store, fetch_of(b)).import_accreditations(peer_a(b), by=b.by)
    (organisation,) = imported.organisations
    assert organisation.peer_organisation_id == firm_at_a and organisation.registered
    assert organisation.name == "Audit Firm GmbH" and organisation.id != firm_at_a
    (accredited,) = imported.accredited
    assert accredited.organisation_id == organisation.id and accredited.id != accreditation_at_a
    assert [k.keyid for k in accredited.keys] == [public(key)["keyid"]]
    assert (accredited.scopes, accredited.valid_until.isoformat()) == ((SCOPE,), "2028-12-31")
    assert accredited.recognised_from is not None
    assert (accredited.recognised_from.origin, accredited.recognised_from.filing_id) == (
        A_ORIGIN,
        listed.filing_id,
    )
    assert accredited.recognised_from.index == proved_index(a, listed.filing_id)
    (shown,) = AssuranceService(b.store).accreditations()  # the listing flags it as recognised
    assert shown.recognised_from == accredited.recognised_from
    with b.store.read() as conn:
        found = b.store.filing(conn, accredited.filing_id)
    assert found is not None and found[0].content["note"] is None  # a's confidential note stayed there

    envelope = _audit_at(b, organisation.id, key)
    verification = AssuranceService(b.store).verify(envelope)
    assert verification.verified, verification.reason
    assert verification.accreditation_id == accredited.id
    forged = sign_statement(_statement_of(envelope), signer())  # the same Statement, another key
    assert not AssuranceService(b.store).verify(forged).verified

    again = StandardsService(b.store, fetch_of(b)).import_accreditations(peer_a(b), by=b.by)
    assert (again.accredited, again.already) == ([], [listed.filing_id])


def _statement_of(envelope: dict[str, Any]) -> Statement:
    from custos.assurance.verification import read_envelope, read_statement

    return read_statement(read_envelope(envelope)[0])


def test_an_auditor_whose_name_is_registered_here_is_not_registered_again(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    firm_at_a, _, _ = accredit_auditor(a.store)
    accredit_auditor(a.store, "Second Firm")
    witnessed(a)
    same_name = RegistryService(b.store).register_organisation(
        OrganisationRegistered.model_validate({"name": "Audit Firm GmbH", "jurisdiction": "DE"}), by=b.by
    )
    imported = StandardsService(b.store, fetch_of(b)).import_accreditations(
        peer_a(b), organisation=firm_at_a, by=b.by
    )
    (organisation,) = imported.organisations
    assert (organisation.id, organisation.registered) == (same_name.id, False)
    assert [acc.organisation_id for acc in imported.accredited] == [same_name.id]


def test_an_accreditation_the_peers_server_altered_is_refused(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    accredit_auditor(a.store)
    witnessed(a)

    def extend_validity(served: dict[str, Any]) -> None:
        if served["view"]["envelope"]["kind"] == "auditor.accredited":
            served["view"]["disclosed"]["valid_until"]["value"] = "2099-12-31"

    size = log_size(b)
    with pytest.raises(InvalidInput, match="was altered"):
        StandardsService(b.store, tampering(fetch_of(b), extend_validity)).import_accreditations(
            peer_a(b), by=b.by
        )
    assert log_size(b) == size and AssuranceService(b.store).accreditations() == []


def test_a_key_accredited_here_already_refuses_the_import_before_anything_is_filed(
    pair: dict[str, Node],
) -> None:
    a, b = pair["a"], pair["b"]
    _, _, key = accredit_auditor(a.store)
    witnessed(a)
    local = RegistryService(b.store).register_organisation(
        OrganisationRegistered.model_validate({"name": "Local Firm", "jurisdiction": "DE"}), by=b.by
    )
    AssuranceService(b.store).accredit(
        AuditorAccredited.model_validate(
            {
                "organisation_id": local.id,
                "keys": [public(key)],
                "scopes": [SCOPE],
                "valid_from": "2026-01-01",
                "valid_until": "2027-12-31",
            }
        ),
        by=b.by,
    )
    size = log_size(b)
    with pytest.raises(Conflict, match="is held here"):
        StandardsService(b.store, fetch_of(b)).import_accreditations(peer_a(b), by=b.by)
    assert log_size(b) == size  # the auditor's organisation was not registered either


# --- over HTTP ---------------------------------------------------------------------------------


def test_the_routes_take_over_a_pack_and_accreditations(pair: dict[str, Node]) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    accredit_auditor(a.store)
    witnessed(a)
    b.client.app.state.peer_fetch = fetch_of(b)  # type: ignore[attr-defined]
    by = b.by
    actor = AccessService(b.store).add_actor("Supervisor", Role.SUPERVISOR, str(by.organisation_id), by=by)
    headers = {"Authorization": f"Bearer {AccessService(b.store).issue_token(actor.id)}"}
    peer = peer_a(b)
    refused = b.client.post(f"/v1/federation/peers/{peer}/packs", json={"pack_id": "test-pack"})
    assert refused.status_code == 401
    response = b.client.post(
        f"/v1/federation/peers/{peer}/packs", json={"pack_id": "test-pack"}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["recognised_from"]["origin"] == A_ORIGIN
    listed = b.client.get("/v1/policy/packs").json()
    assert listed[0]["recognised_from"]["origin"] == A_ORIGIN
    again = b.client.post(
        f"/v1/federation/peers/{peer}/packs", json={"pack_id": "test-pack"}, headers=headers
    )
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    response = b.client.post(f"/v1/federation/peers/{peer}/accreditations", json={}, headers=headers)
    assert response.status_code == 201, response.text
    (auditor,) = b.client.get("/v1/auditors").json()
    assert auditor["recognised_from"]["origin"] == A_ORIGIN
    missing = b.client.post(
        f"/v1/federation/peers/{peer}/packs", json={"pack_id": "no-such-pack"}, headers=headers
    )
    assert missing.status_code == 404


# --- on the command line ------------------------------------------------------------------------


def test_the_commands_take_over_over_http_and_refuse_a_withdrawn_peer(
    pair: dict[str, Node], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair["a"], pair["b"]
    load_pack(a)
    accredit_auditor(a.store)
    witnessed(a)
    fetch = fetch_of(b)

    def get(url: str, timeout: float) -> SimpleNamespace:  # what the peer's server answers over HTTP
        status, text = fetch(url)
        return SimpleNamespace(status_code=status, text=text)

    monkeypatch.setattr(httpx, "get", get)
    home = b.store.settings.home
    imported = json.loads(run(home, "peers", "import-pack", "a", "test-pack", "--version", "1.0.0", "--json"))
    assert imported["recognised_from"]["origin"] == A_ORIGIN
    shown = run(home, "peers", "import-accreditations", "a.example/log")
    assert "registered now" in shown and A_ORIGIN in shown
    b.federation.withdraw(peer_a(b), "the agreement ended", by=b.by)
    refused = run(home, "peers", "import-pack", "a", "test-pack", code=2)
    assert "is withdrawn" in refused


# --- a peer for the route table's samples ------------------------------------------------------

#: Per process: the peer installation the route table's samples take over from, and its client.
_SAMPLE_PEER: list[tuple[Store, TestClient]] = []


def _sample_peer() -> tuple[Store, TestClient]:
    """A peer installation (made once per process) with a pack loaded, an auditor accredited, and
    a checkpoint published covering both."""
    if not _SAMPLE_PEER:
        home = Path(tempfile.mkdtemp(prefix="custos-sample-peer-")) / "home"
        settings = Settings(home=home, database_url=f"sqlite:///{home.parent / 'custos.db'}")
        store = create_installation(
            settings, origin="peer.example/log", authority="Peer authority", jurisdiction_code="EU"
        )
        PolicyService(store).load(GOOD.replace("test-pack", "shared-pack"), origin="test", by=operator(store))
        accredit_auditor(store)
        store.publish_checkpoint()
        _SAMPLE_PEER.append((store, TestClient(create_app(store))))
    return _SAMPLE_PEER[0]


def route_sample(store: Store, client: TestClient, path: str) -> tuple[str, dict[str, Any]]:
    """A request to a standards route that a supervisor of ``store`` may make: the peer of
    :func:`_sample_peer` recognised there, its checkpoint cosigned, and reached in-process."""
    peer_store, peer_client = _sample_peer()
    identity = FederationService(peer_store).identity()
    terms = PeerRecognised.model_validate(
        {
            "name": "Sample peer",
            "origin": identity.origin,
            "log_key": identity.log_key,
            "witness_key": identity.witness_key,
            "url": "http://peer.example",
            "scope": {"kinds": ["licence.suspended"]},
        }
    )
    peer = FederationService(store).recognise(terms, by=operator(store))
    with peer_store.read() as conn:
        latest = ledger_sql.latest_checkpoint(conn)
    assert latest is not None
    FederationService(store).add_checkpoint(render_add_checkpoint(0, [], latest[2]))
    client.app.state.peer_fetch = Routed({"http://peer.example": peer_client}).fetch  # type: ignore[attr-defined]
    url = path.replace("{peer_id}", peer.id)
    return url, {"json": {"pack_id": "shared-pack"} if path.endswith("/packs") else {}}
