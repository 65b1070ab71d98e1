from __future__ import annotations

import pytest

from custos.core.errors import InvalidInput
from custos.ledger import ALG_COSIGNATURE_V1, Checkpoint, Note, NoteError, Signer, Verifier, open_checkpoint
from custos.ledger.note import sign_note
from tests.unit.ledger.vectors import GO_NOTE, GO_SKEY, GO_TEXT, GO_VKEY


def test_the_go_reference_note_verifies() -> None:
    note = Note.parse(GO_NOTE)
    assert note.text == GO_TEXT
    note.verify(Verifier.from_vkey(GO_VKEY))


def test_signing_with_the_go_reference_key_reproduces_its_note() -> None:
    signer = Signer.from_skey(GO_SKEY)
    assert signer.verifier.vkey == GO_VKEY
    assert signer.skey == GO_SKEY
    assert sign_note(GO_TEXT, signer) == GO_NOTE


def test_an_altered_note_does_not_verify() -> None:
    verifier = Verifier.from_vkey(GO_VKEY)
    with pytest.raises(NoteError):
        Note.parse(GO_NOTE.replace("cryptography", "Cryptography")).verify(verifier)
    with pytest.raises(NoteError, match="no signature"):
        Note.parse(GO_NOTE).verify(Signer.generate("PeterNeumann").verifier)


@pytest.mark.parametrize(
    "mangle", [lambda k: k[:-1], lambda k: k.replace("c74f20a3", "c74f20a4"), lambda k: "+" + k]
)
def test_mangled_verifier_keys_are_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        Verifier.from_vkey(mangle(GO_VKEY))


def test_cosignature_carries_its_time_and_signs_the_cosignature_v1_message() -> None:
    log = Signer.generate("example.com/log")
    witness = Signer.generate("witness.example/w1", ALG_COSIGNATURE_V1)
    note = Checkpoint("example.com/log", 5, bytes(32)).sign(log)
    body = Note.parse(note).text
    cosigned = note + witness.signature_line(body, timestamp=1_679_315_147)
    parsed = Note.parse(cosigned)
    assert parsed.verify(log.verifier) is None
    assert parsed.verify(witness.verifier) == 1_679_315_147
    # The key id of a cosigner uses algorithm byte 0x04, so the same key as a log key differs.
    assert witness.verifier.key_id != Verifier(witness.name, 0x01, witness.verifier.public).key_id
    tampered = cosigned.replace("\n5\n", "\n6\n")
    with pytest.raises(NoteError):
        Note.parse(tampered).verify(witness.verifier)


def test_checkpoint_body_matches_the_c2sp_example_layout() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = Checkpoint.parse_body(body)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.body() == body


@pytest.mark.parametrize(
    "body",
    [
        "example.com/log\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "example.com/log\n12\nnot-base64!\n",
        "example.com/log\n12\n",
        "example.com/log\n12\nAAAA\n",
    ],
)
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse_body(body)


def test_a_checkpoint_for_another_log_is_refused() -> None:
    signer = Signer.generate("example.com/log")
    other = Checkpoint("example.com/other", 1, bytes(32)).sign(signer)
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(other, signer.verifier)
