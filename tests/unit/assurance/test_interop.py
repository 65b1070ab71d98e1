"""Attestations travel between Custos and the in-toto tooling both ways: a Statement made with the
in-toto attestation library and signed as the in-toto tooling signs verifies and files in Custos;
an envelope ``custos audit sign`` makes verifies with securesystemslib and parses as an in-toto
Statement; and the signed bytes are the DSSE specification's pre-authentication encoding."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor as InTotoDescriptor
from in_toto_attestation.v1.statement import Statement as InTotoStatement
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey
from typer.testing import CliRunner

from custos.assurance.model import AttestationSubmitted
from custos.assurance.statement import PAYLOAD_TYPE, PREDICATE_TYPE
from custos.cli.app import app
from custos.store import Store
from tests.unit.assurance.audits import Audit, audit
from tests.unit.registry.world import Parties, installed, log_size  # noqa: F401


@pytest.fixture
def audited(installed: tuple[Store, Parties]) -> Iterator[Audit]:  # noqa: F811
    yield audit(*installed)


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1's pre-authentication encoding, written from the specification
    (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md)."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def test_a_statement_made_and_signed_by_the_in_toto_tooling_verifies_and_files(audited: Audit) -> None:
    ours = audited.statement().model_dump(mode="json", by_alias=True, exclude_none=True)
    subject = ours["subject"][0]
    statement = InTotoStatement(
        subjects=[InTotoDescriptor(name=subject["name"], digest=subject["digest"]).pb],
        predicate_type=PREDICATE_TYPE,
        predicate=ours["predicate"],
    )
    statement.validate()
    envelope = Envelope(json_format.MessageToJson(statement.pb).encode(), PAYLOAD_TYPE, {})
    envelope.sign(audited.key)
    before = log_size(audited.store)
    filed = audited.service.attest(
        AttestationSubmitted(envelope=envelope.to_dict()), by=audited.auditor_actor
    )
    assert log_size(audited.store) > before
    assert (filed.auditor_id, filed.subject_id, filed.opinion) == (
        audited.auditor,
        audited.parties.model,
        "pass",
    )
    assert audited.service.verify(envelope.to_dict()).attestation_id == filed.id


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_an_envelope_custos_signs_verifies_with_securesystemslib_and_parses_as_in_toto(
    audited: Audit, tmp_path: Path
) -> None:
    key_file = tmp_path / "auditor.pem"
    cli("audit", "keygen", str(key_file), "--algorithm", "ecdsa-p256")
    statement_file = tmp_path / "statement.json"
    statement_file.write_text(
        json.dumps(audited.statement().model_dump(mode="json", by_alias=True, exclude_none=True))
    )
    made = json.loads(cli("audit", "sign", str(statement_file), "--key", str(key_file)))

    public = SSlibKey.from_crypto(load_pem_public_key((tmp_path / "auditor.pem.pub").read_bytes()))
    envelope = Envelope.from_dict(made)
    assert set(envelope.verify([public], 1)) == {public.keyid}
    assert envelope.pae() == pae(made["payloadType"], base64.b64decode(made["payload"]))

    parsed = InTotoStatement.copy_from_pb(json_format.Parse(envelope.payload, statement_pb2.Statement()))  # type: ignore[attr-defined]
    parsed.validate()
    assert parsed.pb.predicate_type == PREDICATE_TYPE
    assert parsed.pb.subject[0].digest["sha256"] == audited.subject["digest"]["sha256"]
    assert parsed.pb.predicate["engagement"] == audited.engagement


def test_the_dsse_specifications_test_vector() -> None:
    vector = b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    assert pae("http://example.com/HelloWorld", b"hello world") == vector
    assert Envelope(b"hello world", "http://example.com/HelloWorld", {}).pae() == vector


def test_a_custos_signature_is_over_the_specifications_encoding(audited: Audit) -> None:
    """Checked with the raw key, not securesystemslib: the signed bytes are the spec's PAE of
    the envelope's own payloadType and payload."""
    made: dict[str, Any] = audited.envelope()
    assert made["payloadType"] == PAYLOAD_TYPE
    signed = pae(made["payloadType"], base64.b64decode(made["payload"]))
    raw = audited.key.public_key.keyval["public"]
    key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(raw))
    key.verify(base64.b64decode(made["signatures"][0]["sig"]), signed)  # raises if not
    assert made["signatures"][0]["keyid"] == audited.key.public_key.keyid
