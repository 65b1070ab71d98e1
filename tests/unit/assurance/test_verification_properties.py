"""Properties of the envelope check, on evidence held in memory: whatever is changed in a signed
envelope, or whatever is sent in place of one, the answer is a verified attestation or a refusal
with its reason, never another error; and an accreditation's period and suspensions decide
exactly which issuing times verify."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings
from hypothesis import strategies as st
from securesystemslib.signer import CryptoSigner

from custos.assurance.signing import sign_statement
from custos.assurance.statement import PAYLOAD_TYPE, AuditPredicate, ResourceDescriptor, Statement
from custos.assurance.verification import (
    AccreditationRecord,
    AttestationRefused,
    EngagementRecord,
    Evidence,
    Verified,
    check,
)
from tests.unit.assurance.audits import public

SCOPE, STANDARD = "custos-systemic-risk-audit", "Custos baseline, Assurance"
DIGEST = "ab" * 32
#: The verifier's clock, far enough after every generated issuing time that none is "in the future".
NOW = datetime(2031, 1, 1, tzinfo=UTC)
ENGAGED = datetime(2024, 1, 1, tzinfo=UTC)
PERIOD = (date(2026, 1, 1), date(2028, 12, 31))

KEYS = {
    "ed25519": CryptoSigner(ed25519.Ed25519PrivateKey.generate()),
    "ecdsa": CryptoSigner(ec.generate_private_key(ec.SECP256R1())),
}
ENGAGEMENT = EngagementRecord("ENG1", "MOD1", "model", "AUD1", SCOPE, None, ENGAGED)

examples = settings(max_examples=60, deadline=None)


def evidence(steps: tuple[tuple[datetime, str, str], ...] = ()) -> Evidence:
    accreditation = AccreditationRecord(
        id="ACC1",
        organisation_id="AUD1",
        keys=tuple(public(key) for key in KEYS.values()),
        scopes=(SCOPE,),
        valid_from=PERIOD[0],
        valid_until=PERIOD[1],
        steps=steps,
    )
    return Evidence(engagement=ENGAGEMENT, accreditations=(accreditation,), subject_filings={DIGEST: "PASS1"})


def predicate(issued_at: datetime) -> dict[str, Any]:
    return {
        "engagement": "ENG1",
        "auditor": "AUD1",
        "scope": SCOPE,
        "standard": STANDARD,
        "method": "Document review",
        "findingsSummary": "No material weakness found.",
        "opinion": "pass",
        "issuedAt": issued_at.isoformat(),
        "validFrom": "2027-01-01",
        "validUntil": "2027-12-31",
    }


def signed(issued_at: datetime = datetime(2027, 1, 1, tzinfo=UTC), key: str = "ed25519") -> dict[str, Any]:
    statement = Statement(
        subject=(ResourceDescriptor(name="custos:model:MOD1", digest={"sha256": DIGEST}),),
        predicate=AuditPredicate.model_validate(predicate(issued_at)),
    )
    return sign_statement(statement, KEYS[key])


def signed_bytes(statement: bytes, key: str = "ed25519") -> dict[str, Any]:
    """An envelope of any payload bytes, signed with an accredited key (so only the payload can
    be wrong)."""
    from securesystemslib.dsse import Envelope

    envelope = Envelope(statement, PAYLOAD_TYPE, {})
    envelope.sign(KEYS[key])
    made: dict[str, Any] = envelope.to_dict()
    return made


def refusal(envelope: Any, proof: Evidence | None = None) -> str:
    with pytest.raises(AttestationRefused) as refused:
        check(envelope, proof or evidence(), NOW, current=False)
    assert refused.value.message.strip()
    return refused.value.message


def test_the_envelope_the_properties_change_verifies() -> None:
    for key in KEYS:
        assert check(signed(key=key), evidence(), NOW, current=False).subject_filing_id == "PASS1"


def changed(data: bytes, index: int, value: int) -> bytes:
    at = index % len(data)
    replacement = value if value != data[at] else (value + 1) % 256
    return data[:at] + bytes([replacement]) + data[at + 1 :]


@examples
@given(key=st.sampled_from(sorted(KEYS)), index=st.integers(min_value=0), value=st.integers(0, 255))
def test_any_byte_changed_in_the_payload_is_refused(key: str, index: int, value: int) -> None:
    envelope = signed(key=key)
    payload = base64.b64decode(envelope["payload"])
    envelope["payload"] = base64.b64encode(changed(payload, index, value)).decode()
    refusal(envelope)


@examples
@given(key=st.sampled_from(sorted(KEYS)), index=st.integers(min_value=0), value=st.integers(0, 255))
def test_any_byte_changed_in_the_signature_is_refused(key: str, index: int, value: int) -> None:
    envelope = signed(key=key)
    signature = base64.b64decode(envelope["signatures"][0]["sig"])
    envelope["signatures"][0]["sig"] = base64.b64encode(changed(signature, index, value)).decode()
    assert "does not verify" in refusal(envelope)


@settings(max_examples=10, deadline=None)
@given(curve=st.sampled_from(["ed25519", "ecdsa"]))
def test_a_key_outside_the_accreditation_is_refused(curve: str) -> None:
    stranger = CryptoSigner(
        ed25519.Ed25519PrivateKey.generate()
        if curve == "ed25519"
        else ec.generate_private_key(ec.SECP256R1())
    )
    statement = Statement(
        subject=(ResourceDescriptor(name="custos:model:MOD1", digest={"sha256": DIGEST}),),
        predicate=AuditPredicate.model_validate(predicate(datetime(2027, 1, 1, tzinfo=UTC))),
    )
    assert "no key of an accreditation" in refusal(sign_statement(statement, stranger))


moments = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2029, 6, 1), timezones=st.just(UTC))
#: The first and the last second of the accreditation's period.
EDGES = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 12, 31, 23, 59, 59, tzinfo=UTC))
DAY = 86_400
issuing_times = moments | st.builds(
    lambda edge, seconds: edge + timedelta(seconds=seconds), st.sampled_from(EDGES), st.integers(-DAY, DAY)
)


@examples
@given(
    issued_at=issuing_times,
    offsets=st.lists(st.integers(-3 * DAY, 3 * DAY) | st.just(0), max_size=5, unique=True),
    key=st.sampled_from(sorted(KEYS)),
)
def test_an_issuing_time_verifies_exactly_when_the_accreditation_is_in_force(
    issued_at: datetime, offsets: list[int], key: str
) -> None:
    """Suspensions and reinstatements alternate, a suspension first, around the issuing time:
    the accreditation is suspended at a moment when an odd number of steps were taken by then
    (a step at that very moment included)."""
    times = sorted(issued_at + timedelta(seconds=offset) for offset in offsets)
    steps = tuple(
        (at, "auditor.suspended" if n % 2 == 0 else "auditor.reinstated", f"step {n}")
        for n, at in enumerate(times)
    )
    in_period = PERIOD[0] <= issued_at.date() <= PERIOD[1]
    suspended = sum(at <= issued_at for at in times) % 2 == 1
    envelope = signed(issued_at, key)
    if in_period and not suspended:
        assert isinstance(check(envelope, evidence(steps), NOW, current=False), Verified)
    else:
        reason = refusal(envelope, evidence(steps))
        assert ("runs 2026-01-01 to 2028-12-31" in reason) if not in_period else ("suspended" in reason)


def test_a_withdrawal_refuses_every_issuing_time() -> None:
    withdrawn = ((datetime(2028, 1, 1, tzinfo=UTC), "auditor.withdrawn", "key lost"),)
    for issued_at in (datetime(2026, 3, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC)):
        assert "withdrawn" in refusal(signed(issued_at), evidence(withdrawn))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@examples
@given(envelope=st.dictionaries(st.text(max_size=12), json_values, max_size=5))
def test_any_json_object_is_refused_with_a_reason(envelope: dict[str, Any]) -> None:
    refusal(envelope)


@examples
@given(
    payload=json_values | st.text() | st.binary().map(lambda b: base64.b64encode(b).decode()),
    signatures=json_values
    | st.lists(st.fixed_dictionaries({"keyid": st.text(max_size=64), "sig": st.text()})),
)
def test_any_payload_and_signatures_in_a_dsse_envelope_are_refused_with_a_reason(
    payload: Any, signatures: Any
) -> None:
    refusal({"payloadType": PAYLOAD_TYPE, "payload": payload, "signatures": signatures})


FIELDS = [*sorted(predicate(NOW)), "_type", "predicateType", "subject"]


@examples
@given(field=st.sampled_from(FIELDS), value=json_values, key=st.sampled_from(sorted(KEYS)))
def test_a_signed_statement_with_any_field_replaced_verifies_or_is_refused_with_a_reason(
    field: str, value: Any, key: str
) -> None:
    """Signed with an accredited key, so the checks past the signature see the odd values too."""
    statement = orjson.loads(base64.b64decode(signed(key=key)["payload"]))
    if field in statement:
        statement[field] = value
    else:
        statement["predicate"][field] = value
    envelope = signed_bytes(json.dumps(statement).encode(), key)
    try:
        verified = check(envelope, evidence(), NOW, current=False)
    except AttestationRefused as refused:
        assert refused.message.strip()
    else:
        assert verified.statement.predicate.engagement == "ENG1"
