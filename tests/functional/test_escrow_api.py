"""Escrow over HTTP, with real shares and signatures: a provider deposits its own model only; a
custodian is served its own share and nobody else's; the public and other organisations never
see where a deposit is stored, its digests or any share envelope; confirmations are checked
before anything is stored; a release is opened only at quorum, and its package holds the k
shares the approvals sent, which put back together give the deposit's key."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from securesystemslib.signer import CryptoSigner

from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.assurance.keys import generate_key, signer_from_file
from custos.core.canonical import canonical_json, sha256_hex
from custos.escrow import custody
from custos.escrow.model import (
    CustodianAppointed,
    EscrowDeposited,
    EscrowOpened,
    OpenOutcome,
    ReleaseApproved,
    ReleaseRequested,
)
from custos.escrow.shares import combine_shares, new_release_identity, open_share, reseal_share, split_key
from custos.ledger.hashing import leaf_hash, reference_root
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from tests.functional.conftest import Api
from tests.functional.test_federation_api import client_of
from tests.functional.test_findings_api import log_size
from tests.functional.test_registry_api import provider_elsewhere

ARMOR = "-----BEGIN AGE"
#: Where the made-up deposits say they are stored: an empty in-memory store, so audits fail.
VAULT = "memory://custos-escrow-tests"
#: Fields of a deposit for supervisors only.
CONFIDENTIAL = {"vault", "reference", "digests"}
COMPONENTS = (
    {"name": "model-00001.safetensors", "role": "weights", "format": "safetensors", "size": 2_500_000},
    {"name": "tokenizer.json", "role": "tokenizer", "format": "json", "size": 4_096},
)
CHUNKS = (3, 1)


@dataclass(frozen=True)
class Keeper:
    """A custodian appointment, with the secrets only that custodian holds."""

    appointment_id: str
    organisation_id: str
    identity: str
    recipient: str
    signer: CryptoSigner
    headers: dict[str, str]


@dataclass(frozen=True)
class Deposited:
    """A filed deposit and what its provider knew when it sealed it."""

    id: str
    key: bytes
    reference: str
    commitments: dict[str, str]
    envelopes: dict[str, str]


def signing_key() -> tuple[CryptoSigner, dict[str, Any]]:
    """A custodian's signing key as ``custos`` makes one on disk, loaded back as a signer."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "custodian.pem"
        public = generate_key(path)
        return signer_from_file(path), public


def custodian_token(api: Api, organisation_id: str) -> dict[str, str]:
    access = AccessService(api.store)
    actor = access.add_actor("Key keeper", Role.CUSTODIAN, organisation_id, by=operator(api.store))
    return {"Authorization": f"Bearer {access.issue_token(actor.id)}"}


def appointment(organisation_id: str, recipient: str, key: dict[str, Any]) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "recipient": recipient,
        "keys": [key],
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
    }


def appoint(api: Api, organisation_id: str, headers: dict[str, str]) -> Keeper:
    identity, recipient = new_release_identity()
    signer, public = signing_key()
    answer = api.client.post(
        "/v1/escrow/custodians",
        json=appointment(organisation_id, recipient, public),
        headers=api.headers(Role.SUPERVISOR),
    )
    assert answer.status_code == 201, answer.text
    return Keeper(answer.json()["id"], organisation_id, identity, recipient, signer, headers)


def keepers(api: Api) -> list[Keeper]:
    """Three custodians of three organisations; the first is the sample custodian actor's."""
    trust = RegistryService(api.store).register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Keeper Trust", "jurisdiction": "NL", "kinds": ["custodian"]}
        ),
        by=operator(api.store),
    )
    other = api.organisations["other"]["id"]
    return [
        appoint(api, api.organisations["provider"]["id"], api.headers(Role.CUSTODIAN)),
        appoint(api, other, custodian_token(api, other)),
        appoint(api, trust.id, custodian_token(api, trust.id)),
    ]


def passport_version(api: Api) -> int:
    versions = api.client.get(f"/v1/models/{api.samples['model']}/passports").json()
    return max(int(version["version"]) for version in versions)


def deposit_body(
    api: Api, holders: list[Keeper], *, threshold: int = 2, key: bytes | None = None
) -> tuple[dict[str, Any], bytes]:
    """A deposit as the sealing pipeline would file it: the shares real, the chunks made up."""
    key = key or secrets.token_bytes(32)
    reference = f"deposit-{secrets.token_hex(4)}"
    sealed = split_key(key, reference, [(k.appointment_id, k.recipient) for k in holders], threshold)
    components, first = [], 0
    for component, chunks in zip(COMPONENTS, CHUNKS, strict=True):
        components.append({**component, "first_chunk": first, "chunks": chunks})
        first += chunks
    digests = {c["name"]: hashlib.sha256(str(c["name"]).encode()).hexdigest() for c in components}
    body = {
        "model_id": api.samples["model"],
        "passport_version": passport_version(api),
        "vault": VAULT,
        "reference": reference,
        "components": components,
        "digests": digests,
        "manifest_digest": sha256_hex(canonical_json({"components": components, "digests": digests})),
        "chunks": first,
        "chunk_root": reference_root([leaf_hash(f"chunk {i}".encode()) for i in range(first)]).hex(),
        "threshold": threshold,
        "holders": [{"appointment_id": s.custodian_id, "commitment": s.commitment} for s in sealed],
        "shares": [{"appointment_id": s.custodian_id, "envelope": s.envelope} for s in sealed],
        "exportability": {"shards": 1, "parameters": 1_000_000, "tolerance": 0.05},
    }
    return body, key


def deposit(api: Api, holders: list[Keeper], *, threshold: int = 2) -> Deposited:
    body, key = deposit_body(api, holders, threshold=threshold)
    answer = api.client.post("/v1/escrow/deposits", json=body, headers=api.headers(Role.PROVIDER))
    assert answer.status_code == 201, answer.text
    return Deposited(
        answer.json()["id"],
        key,
        body["reference"],
        {h["appointment_id"]: h["commitment"] for h in body["holders"]},
        {s.appointment_id: s.envelope for s in EscrowDeposited.model_validate(body).shares},  # as filed
    )


def confirmation(api: Api, keeper: Keeper, deposited: Deposited, **changes: str) -> dict[str, Any]:
    statement = custody.confirmation(
        deposited.id,
        keeper.appointment_id,
        deposited.commitments[keeper.appointment_id],
        api.store.clock.now(),
    )
    return custody.sign({**statement, **changes}, keeper.signer)


def release_body(deposit_id: str, recipient: str) -> dict[str, Any]:
    return {
        "deposit_id": deposit_id,
        "grounds": "insolvency",
        "statement": "The provider is in liquidation.",
        "reference": "Tribunal de commerce 2026/123",
        "recipient": recipient,
    }


def request_release(api: Api, deposit_id: str) -> tuple[str, str]:
    """A release requested to a fresh one-time recipient: its id, and the recipient's identity."""
    identity, recipient = new_release_identity()
    answer = api.client.post(
        "/v1/escrow/releases", json=release_body(deposit_id, recipient), headers=api.headers(Role.SUPERVISOR)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], identity


def approval(api: Api, keeper: Keeper, deposited: Deposited, release_id: str) -> dict[str, Any]:
    """The keeper opens its share and reseals it to the release's recipient, signing the approval."""
    release = api.client.get(f"/v1/escrow/releases/{release_id}").json()
    share = open_share(
        deposited.envelopes[keeper.appointment_id],
        keeper.identity,
        deposit=deposited.reference,
        custodian_id=keeper.appointment_id,
        commitment=deposited.commitments[keeper.appointment_id],
    )
    # Signed as the payload files it: payload models strip surrounding whitespace, armor's last newline too.
    envelope = reseal_share(share, release["recipient"]).strip()
    statement = custody.approval(release_id, keeper.appointment_id, envelope, api.store.clock.now())
    return {
        "release_id": release_id,
        "appointment_id": keeper.appointment_id,
        "envelope": envelope,
        "statement": custody.sign(statement, keeper.signer),
    }


def readable(api: Api, deposit_id: str, release_id: str, headers: dict[str, str]) -> list[Any]:
    """Every escrow answer a reader without the supervisors' rights gets about the deposit."""
    paths = [
        "/v1/escrow/custodians",
        "/v1/escrow/deposits",
        f"/v1/escrow/deposits?model={api.samples['model']}",
        f"/v1/escrow/deposits/{deposit_id}",
        "/v1/escrow/releases",
        f"/v1/escrow/releases/{release_id}",
    ]
    answers = []
    for path in paths:
        answer = api.client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        assert ARMOR not in answer.text
        answers.append(answer.json())
    return answers


# --- the flow ---------------------------------------------------------------------------------


def test_a_deposit_is_released_at_quorum_and_its_shares_give_back_the_key(api: Api) -> None:
    first, second, third = keepers(api)
    deposited = deposit(api, [first, second, third])
    supervisor = api.headers(Role.SUPERVISOR)

    seen = api.client.get(f"/v1/escrow/deposits/{deposited.id}", headers=supervisor).json()
    assert seen["reference"] == deposited.reference and seen["vault"] == VAULT
    assert [h["organisation_id"] for h in seen["holders"]] == [
        k.organisation_id for k in (first, second, third)
    ]
    assert (seen["threshold"], seen["chunks"], seen["size"]) == (2, 4, 2_504_096)

    confirmed = api.client.post(
        f"/v1/escrow/deposits/{deposited.id}/confirmations",
        json={"envelope": confirmation(api, first, deposited)},
        headers=first.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    when = {h["appointment_id"]: h["confirmed_at"] for h in confirmed.json()["holders"]}
    assert when[first.appointment_id] is not None and when[second.appointment_id] is None

    release_id, identity = request_release(api, deposited.id)
    second_request = api.client.post(
        "/v1/escrow/releases", json=release_body(deposited.id, new_release_identity()[1]), headers=supervisor
    )
    assert second_request.status_code == 409 and "pending already" in second_request.json()["detail"]

    opening = {"release_id": release_id, "outcome": "opened", "verified": ["model-00001.safetensors"]}
    before = log_size(api)
    early = api.client.post(f"/v1/escrow/releases/{release_id}/opening", json=opening, headers=supervisor)
    assert early.status_code == 422 and "0 approvals of the 2 needed" in early.json()["detail"]
    assert log_size(api) == before

    quorum = []
    for keeper in (first, second):
        answer = api.client.post(
            f"/v1/escrow/releases/{release_id}/approvals",
            json=approval(api, keeper, deposited, release_id),
            headers=keeper.headers,
        )
        assert answer.status_code == 200, answer.text
        quorum.append(answer.json()["quorum"])
    assert quorum == [False, True]

    package = api.client.get(f"/v1/escrow/releases/{release_id}/package", headers=supervisor).json()
    assert package["deposit"]["reference"] == deposited.reference
    assert sorted(s["appointment_id"] for s in package["shares"]) == sorted(
        [first.appointment_id, second.appointment_id]
    )
    opened = [
        open_share(
            share["envelope"],
            identity,
            deposit=deposited.reference,
            custodian_id=share["appointment_id"],
            commitment=share["commitment"],
        )
        for share in package["shares"]
    ]
    assert combine_shares(opened) == deposited.key

    done = api.client.post(f"/v1/escrow/releases/{release_id}/opening", json=opening, headers=supervisor)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "opened"
    assert api.client.get(f"/v1/escrow/deposits/{deposited.id}").json()["opened_at"] is not None


def test_an_audit_of_a_store_that_lost_the_deposit_fails_on_every_chunk_asked(api: Api) -> None:
    deposited = deposit(api, keepers(api)[:2])
    answer = api.client.post(
        f"/v1/escrow/deposits/{deposited.id}/audits", headers=api.headers(Role.SUPERVISOR)
    )
    assert answer.status_code == 201, answer.text
    audit = answer.json()
    assert audit["passed"] is False
    assert sorted(f["index"] for f in audit["failures"]) == sorted(audit["indices"])
    assert set(audit["indices"]) <= set(range(4))
    shown = api.client.get(f"/v1/escrow/deposits/{deposited.id}").json()
    assert shown["last_audit"]["id"] == audit["id"]


# --- who may see and do what -------------------------------------------------------------------


def test_the_public_and_other_organisations_see_no_storage_digest_or_share(api: Api) -> None:
    first, second, third = keepers(api)
    deposited = deposit(api, [first, second, third])
    release_id, _ = request_release(api, deposited.id)
    answer = api.client.post(
        f"/v1/escrow/releases/{release_id}/approvals",
        json=approval(api, first, deposited, release_id),
        headers=first.headers,
    )
    assert answer.status_code == 200, answer.text
    for headers in ({}, provider_elsewhere(api), api.headers(Role.DEPLOYER), api.headers(Role.PROVIDER)):
        answers = readable(api, deposited.id, release_id, headers)
        shown = answers[3]
        assert CONFIDENTIAL.isdisjoint(shown)
        assert shown["chunk_root"] and shown["manifest_digest"]
        for listed in (answers[1], answers[2]):
            assert [d["id"] for d in listed] == [deposited.id]
            assert all(CONFIDENTIAL.isdisjoint(d) for d in listed)
        text = json.dumps(answers)
        assert '"envelope"' not in text and '"shares"' not in text
    supervisor = api.client.get(f"/v1/escrow/deposits/{deposited.id}", headers=api.headers(Role.SUPERVISOR))
    assert set(supervisor.json()) >= CONFIDENTIAL


def test_a_provider_cannot_deposit_another_providers_model(api: Api) -> None:
    body, _ = deposit_body(api, keepers(api)[:2])
    stranger = provider_elsewhere(api)
    before = log_size(api)
    answer = api.client.post("/v1/escrow/deposits", json=body, headers=stranger)
    assert answer.status_code == 403
    assert "model's provider" in answer.json()["detail"]
    assert log_size(api) == before
    assert api.client.get("/v1/escrow/deposits").json() == []


def test_a_custodian_is_served_its_own_share_and_nobody_elses(api: Api) -> None:
    first, second, outsider = keepers(api)
    deposited = deposit(api, [first, second])
    for keeper in (first, second):
        answer = api.client.get(f"/v1/escrow/deposits/{deposited.id}/share", headers=keeper.headers)
        assert answer.status_code == 200, answer.text
        share = answer.json()
        assert share["appointment_id"] == keeper.appointment_id
        assert share["envelope"] == deposited.envelopes[keeper.appointment_id]
        open_share(  # it opens with the keeper's own identity, to the share committed for it
            share["envelope"],
            keeper.identity,
            deposit=deposited.reference,
            custodian_id=keeper.appointment_id,
            commitment=share["commitment"],
        )
    for headers in (outsider.headers, api.headers(Role.SUPERVISOR)):
        refused = api.client.get(f"/v1/escrow/deposits/{deposited.id}/share", headers=headers)
        assert refused.status_code == 403, refused.text
        assert ARMOR not in refused.text


# --- refusals -------------------------------------------------------------------------------------


def _tampered(envelope: dict[str, Any]) -> dict[str, Any]:
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["confirmedAt"] = "2026-11-02T08:00:00+00:00"
    payload = base64.b64encode(json.dumps(statement, sort_keys=True).encode()).decode()
    return {**envelope, "payload": payload}


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("tampered payload", "does not verify"),
        ("another custodian's key", "signed by no key of the custodian's appointment"),
        ("wrong commitment", "commitment is"),
        ("another deposit", "deposit is"),
        ("stale", "not within a day of now"),
    ],
)
def test_a_bad_confirmation_is_422_and_stores_nothing(api: Api, case: str, reason: str) -> None:
    first, second, _ = keepers(api)
    deposited = deposit(api, [first, second])
    envelope = {
        "tampered payload": lambda: _tampered(confirmation(api, first, deposited)),
        "another custodian's key": lambda: custody.sign(
            json.loads(base64.b64decode(confirmation(api, first, deposited)["payload"])), second.signer
        ),
        "wrong commitment": lambda: confirmation(api, first, deposited, commitment="0" * 64),
        "another deposit": lambda: confirmation(api, first, deposited, deposit=api.samples["model"]),
        "stale": lambda: confirmation(api, first, deposited, confirmedAt="2026-10-01T00:00:00+00:00"),
    }[case]()
    before = log_size(api)
    answer = api.client.post(
        f"/v1/escrow/deposits/{deposited.id}/confirmations",
        json={"envelope": envelope},
        headers=first.headers,
    )
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]
    assert log_size(api) == before
    shown = api.client.get(f"/v1/escrow/deposits/{deposited.id}").json()
    assert all(holder["confirmed_at"] is None for holder in shown["holders"])


def test_a_custodian_cannot_confirm_for_another_organisations_appointment(api: Api) -> None:
    first, second, _ = keepers(api)
    deposited = deposit(api, [first, second])
    answer = api.client.post(
        f"/v1/escrow/deposits/{deposited.id}/confirmations",
        json={"envelope": confirmation(api, first, deposited)},
        headers=second.headers,
    )
    assert answer.status_code == 403, answer.text


def _deposit_changes(api: Api, holders: list[Keeper], case: str) -> dict[str, Any]:
    body, _ = deposit_body(api, holders)
    if case == "threshold above holders":
        body["threshold"] = 3
    elif case == "share in the clear":
        body["shares"][0]["envelope"] = "abandon " * 20
    elif case == "threshold as text":
        body["threshold"] = "2"
    elif case == "chunks that do not add up":
        body["chunks"] = 5
    elif case == "no weights":
        body["components"][0]["role"] = "code"
    elif case == "one organisation twice":
        body = deposit_body(api, [holders[0], appoint(api, holders[0].organisation_id, holders[0].headers)])[
            0
        ]
    elif case == "a passport version not current":
        body["passport_version"] += 1
    return body


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("threshold above holders", "a threshold of 3 needs at least as many custodians"),
        ("share in the clear", "ASCII-armored age ciphertext"),
        ("threshold as text", "body.threshold: Input should be a valid integer"),
        ("chunks that do not add up", "the components span 4 chunks, not 5"),
        ("no weights", "a deposit escrows the weights"),
        ("one organisation twice", "holds two shares"),
        ("a passport version not current", "deposit the current version"),
    ],
)
def test_a_bad_deposit_is_422_with_the_reason(api: Api, case: str, reason: str) -> None:
    body = _deposit_changes(api, keepers(api)[:2], case)
    before = log_size(api)
    answer = api.client.post("/v1/escrow/deposits", json=body, headers=api.headers(Role.PROVIDER))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert reason in answer.json()["detail"]
    assert ARMOR not in answer.text
    assert log_size(api) == before


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("recipient", "an age X25519 recipient reads age1"),
        ("period", "valid_until must be after valid_from"),
        ("unknown field", "body.share: Extra inputs are not permitted"),
    ],
)
def test_a_bad_appointment_is_422_with_the_reason(api: Api, case: str, reason: str) -> None:
    identity, recipient = new_release_identity()
    body = appointment(api.organisations["other"]["id"], recipient, signing_key()[1])
    body |= {
        "recipient": {"recipient": identity},  # an identity where the recipient belongs
        "period": {"valid_until": "2025-12-31"},
        "unknown field": {"share": "x"},
    }[case]
    before = log_size(api)
    answer = api.client.post("/v1/escrow/custodians", json=body, headers=api.headers(Role.SUPERVISOR))
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]
    assert identity not in answer.text
    assert log_size(api) == before


def test_an_approval_or_opening_sent_to_another_release_is_422(api: Api) -> None:
    first, second, _ = keepers(api)
    deposited = deposit(api, [first, second])
    release_id, _ = request_release(api, deposited.id)
    elsewhere = "01JAAAAAAAAAAAAAAAAAAAAAAA"
    before = log_size(api)
    approved = api.client.post(
        f"/v1/escrow/releases/{elsewhere}/approvals",
        json=approval(api, first, deposited, release_id),
        headers=first.headers,
    )
    assert approved.status_code == 422 and elsewhere in approved.json()["detail"]
    opening = {"release_id": release_id, "outcome": "refused", "reason": "the store is gone"}
    opened = api.client.post(
        f"/v1/escrow/releases/{elsewhere}/opening", json=opening, headers=api.headers(Role.SUPERVISOR)
    )
    assert opened.status_code == 422 and elsewhere in opened.json()["detail"]
    unexplained = api.client.post(
        f"/v1/escrow/releases/{release_id}/opening",
        json={"release_id": release_id, "outcome": "refused"},
        headers=api.headers(Role.SUPERVISOR),
    )
    assert unexplained.status_code == 422 and "a refusal says why" in unexplained.json()["detail"]
    assert log_size(api) == before


def test_a_withdrawn_custodian_takes_no_new_share(api: Api) -> None:
    first, second, _ = keepers(api)
    supervisor = api.headers(Role.SUPERVISOR)
    answer = api.client.post(
        f"/v1/escrow/custodians/{second.appointment_id}/withdraw",
        json={"reason": "licence lapsed"},
        headers=supervisor,
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["in_force"]) == ("withdrawn", False)
    again = api.client.post(
        f"/v1/escrow/custodians/{second.appointment_id}/withdraw",
        json={"reason": "twice"},
        headers=supervisor,
    )
    assert again.status_code == 409
    body, _ = deposit_body(api, [first, second])
    refused = api.client.post("/v1/escrow/deposits", json=body, headers=api.headers(Role.PROVIDER))
    assert refused.status_code == 422 and "not in force" in refused.json()["detail"]


# --- the route table's samples and the Python client --------------------------------------------


def escrow_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed escrow request that the roles holding the route's permission may make. The
    sample custodian actor's organisation holds a share of the deposit."""
    first, second, third = keepers(api)
    if (method, path) == ("POST", "/v1/escrow/custodians"):
        _, recipient = new_release_identity()
        return path, {"json": appointment(api.organisations["other"]["id"], recipient, signing_key()[1])}
    if path == "/v1/escrow/custodians/{appointment_id}/withdraw":
        return path.replace("{appointment_id}", third.appointment_id), {"json": {"reason": "test"}}
    if (method, path) == ("POST", "/v1/escrow/deposits"):
        return path, {"json": deposit_body(api, [first, second])[0]}
    deposited = deposit(api, [first, second])
    url = path.replace("{deposit_id}", deposited.id)
    if path.endswith("/confirmations"):
        return url, {"json": {"envelope": confirmation(api, first, deposited)}}
    if (method, path) == ("POST", "/v1/escrow/releases"):
        return path, {"json": release_body(deposited.id, new_release_identity()[1])}
    release_id, _ = request_release(api, deposited.id)
    url = url.replace("{release_id}", release_id)
    if path.endswith("/approvals"):
        return url, {"json": approval(api, first, deposited, release_id)}
    if path.endswith("/opening"):
        return url, {"json": {"release_id": release_id, "outcome": "refused", "reason": "test"}}
    return url, {}


def test_the_python_client_speaks_every_escrow_route(api: Api) -> None:
    first, second, third = keepers(api)
    body, key = deposit_body(api, [first, second])
    with (
        client_of(api, Role.SUPERVISOR) as supervisor,
        client_of(api, Role.PROVIDER) as provider,
        client_of(api, Role.CUSTODIAN) as custodian,
        client_of(api, Role.PUBLIC) as public,
    ):
        _, recipient = new_release_identity()
        appointed = supervisor.appoint_custodian(
            CustodianAppointed.model_validate(
                appointment(api.organisations["other"]["id"], recipient, signing_key()[1])
            )
        )
        assert appointed.in_force
        assert supervisor.withdraw_custodian(appointed.id, "test").status == "withdrawn"
        assert {c.id for c in public.custodians()} == {
            first.appointment_id,
            second.appointment_id,
            third.appointment_id,
            appointed.id,
        }

        filed = provider.file_deposit(EscrowDeposited.model_validate(body))
        assert filed.vault is None and supervisor.deposit(filed.id).vault == VAULT
        assert [d.id for d in public.deposits(model=api.samples["model"])] == [filed.id]
        assert public.deposits(model="no-such-model") == []
        assert public.deposit(filed.id).chunk_root == body["chunk_root"]
        deposited = Deposited(
            filed.id,
            key,
            body["reference"],
            {h["appointment_id"]: h["commitment"] for h in body["holders"]},
            {s.appointment_id: s.envelope for s in EscrowDeposited.model_validate(body).shares},
        )
        assert custodian.deposit_share(filed.id).envelope == deposited.envelopes[first.appointment_id]
        confirmed = custodian.confirm_custody(filed.id, confirmation(api, first, deposited))
        assert next(h for h in confirmed.holders if h.appointment_id == first.appointment_id).confirmed_at

        assert supervisor.audit_deposit(filed.id).passed is False
        assert supervisor.escrow_sweep().audits == ()  # audited just now: none due

        _, recipient = new_release_identity()
        release = supervisor.request_release(
            ReleaseRequested.model_validate(release_body(filed.id, recipient))
        )
        assert [r.id for r in public.releases()] == [release.id]
        assert public.release(release.id).quorum is False
        approved = custodian.approve_release(
            ReleaseApproved.model_validate(approval(api, first, deposited, release.id))
        )
        assert [a.appointment_id for a in approved.approvals] == [first.appointment_id]
        package = supervisor.release_package(release.id)
        assert [s.appointment_id for s in package.shares] == [first.appointment_id]
        refused = supervisor.record_opening(
            EscrowOpened(release_id=release.id, outcome=OpenOutcome.REFUSED, reason="one approval of two")
        )
        assert refused.status == "refused"
