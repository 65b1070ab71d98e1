"""Audits over HTTP: the whole path from accreditation to an attestation anyone can verify, what
each role reads of it, and every bad envelope refused with its reason and nothing stored."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from custos.access.model import Role
from custos.assurance.bundle import read_bundle, verify_bundle
from custos.assurance.signing import sign_statement
from tests.functional import audit_samples as audits
from tests.functional.conftest import Api
from tests.unit.assurance.audits import public, signer

SECRET = "Confidential: two prompts bypass the refusal policy."


def size(api: Api) -> int:
    return int(api.client.get("/v1/ledger/status").json()["size"])


def file(api: Api, envelope: dict[str, Any], role: Role = Role.AUDITOR) -> Any:
    return api.client.post("/v1/attestations", json={"envelope": envelope}, headers=api.headers(role))


def test_an_attestation_from_accreditation_to_offline_verification(api: Api) -> None:
    key = signer()
    accredited = api.client.post(
        "/v1/auditors",
        json={
            "organisation_id": api.organisations["provider"]["id"],
            "keys": [public(key)],
            "scopes": [audits.SCOPE],
            "valid_from": "2026-01-01",
            "valid_until": "2028-12-31",
        },
        headers=api.headers(Role.SUPERVISOR),
    )
    assert accredited.status_code == 201, accredited.text
    assert accredited.json()["in_force"] is True
    subject = audits.others_model(api)
    engagement = audits.engaged(api, subject, "provider")
    filed = file(api, sign_statement(audits.statement(api, engagement), key))
    assert filed.status_code == 201, filed.text
    record = filed.json()
    assert record["opinion"] == "pass" and record["subject_id"] == subject and "envelope" not in record
    api.store.publish_checkpoint()

    for role in (Role.PUBLIC, Role.PROVIDER):  # Provider SA is the auditor, not the audited firm
        for url in (
            f"/v1/attestations/{record['id']}",
            "/v1/attestations",
            f"/v1/attestations/{record['id']}/bundle",
        ):
            answer = api.client.get(url, headers=api.headers(role))
            assert answer.status_code == 200 and SECRET not in answer.text, (role, url)
    supervisor = api.client.get(
        f"/v1/attestations/{record['id']}", headers=api.headers(Role.SUPERVISOR)
    ).json()
    assert supervisor["envelope"]["payloadType"] == "application/vnd.in-toto+json"

    public_bundle = api.client.get(f"/v1/attestations/{record['id']}/bundle").json()
    assert "dsseEnvelope" not in public_bundle
    verifier = api.store.log_signer.verifier
    report = verify_bundle(read_bundle(public_bundle), verifier, datetime.now(UTC), supervisor["envelope"])
    assert report.verified is not None and report.verified.envelope_sha256 == record["envelope_sha256"]
    full = api.client.get(
        f"/v1/attestations/{record['id']}/bundle", headers=api.headers(Role.SUPERVISOR)
    ).json()
    assert verify_bundle(read_bundle(full), verifier, datetime.now(UTC)).verified is not None


def tampered(envelope: dict[str, Any], **predicate: Any) -> dict[str, Any]:
    statement = orjson.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"] |= predicate
    return {**envelope, "payload": base64.b64encode(orjson.dumps(statement)).decode()}


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda e: tampered(e, opinion="qualified"), "does not verify"),
        (
            lambda e: {**e, "signatures": [{"keyid": "f" * 64, "sig": e["signatures"][0]["sig"]}]},
            "no key of an",
        ),
        (lambda e: {**e, "signatures": []}, "carries no signature"),
        (lambda e: {**e, "payloadType": "text/plain"}, "payloadType"),
        (lambda e: {**e, "payload": "%%%"}, "not base64"),
        (lambda e: {"payload": e["payload"]}, "payloadType"),
    ],
)
def test_a_bad_envelope_is_refused_with_its_reason_and_nothing_stored(
    api: Api, spoil: Any, reason: str
) -> None:
    envelope = audits.envelope(api)
    before = size(api)
    answer = file(api, spoil(envelope))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert reason in answer.json()["detail"]
    assert size(api) == before
    assert file(api, envelope).status_code == 201  # the good one still files


def test_verify_says_why_an_envelope_does_not_verify_and_files_nothing(api: Api) -> None:
    envelope = audits.envelope(api)
    before = size(api)
    good = api.client.post("/v1/attestations/verify", json={"envelope": envelope}).json()
    assert good["verified"] is True and "attestation_id" not in good
    bad = api.client.post(
        "/v1/attestations/verify", json={"envelope": tampered(envelope, scope="iso-iec-42001")}
    )
    assert bad.json()["verified"] is False and "does not verify" in bad.json()["reason"]
    assert size(api) == before


def test_an_accreditation_is_refused_for_an_unknown_scope_or_a_forged_key_id(api: Api) -> None:
    key = public(signer())
    terms = {"organisation_id": api.organisations["other"]["id"], "valid_from": "2026-01-01"}
    terms |= {"valid_until": "2027-01-01"}
    before = size(api)
    for keys, scopes, problem in (
        ([key], ["iso-9001"], "unknown audit scope 'iso-9001'"),
        ([{**key, "keyid": "a" * 64}], [audits.SCOPE], "is not the key's own"),
        (
            [{**key, "keytype": "rsa", "scheme": "rsassa-pss-sha256"}],
            [audits.SCOPE],
            "accepts Ed25519 and ECDSA",
        ),
    ):
        answer = api.client.post(
            "/v1/auditors",
            json=terms | {"keys": keys, "scopes": scopes},
            headers=api.headers(Role.SUPERVISOR),
        )
        assert answer.status_code == 422 and problem in answer.text, answer.text
    assert size(api) == before


def test_an_engagement_needs_an_auditor_accredited_for_the_scope(api: Api) -> None:
    body = {"subject_id": api.samples["model"], "scope": "iso-iec-42001"}
    body |= {"auditor_id": api.organisations["other"]["id"]}
    audits.accredit(api, "other")  # for other scopes
    answer = api.client.post("/v1/engagements", json=body, headers=api.headers(Role.PROVIDER))
    assert answer.status_code == 422 and "no accreditation in force for scope iso-iec-42001" in answer.text


def test_a_firm_engages_auditors_only_about_its_own_models(api: Api) -> None:
    audits.accredit(api, "provider")
    body = {"subject_id": audits.others_model(api), "scope": audits.SCOPE}
    body |= {"auditor_id": api.organisations["provider"]["id"]}
    answer = api.client.post("/v1/engagements", json=body, headers=api.headers(Role.DEPLOYER))
    assert answer.status_code == 403 and "engaged by its provider" in answer.text
