"""The C2SP tlog-witness add-checkpoint protocol: the request's form and every answer the spec
names, in its order (c2sp.org/tlog-witness)."""

from __future__ import annotations

import pytest

from custos.ledger import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    Head,
    LogReader,
    MemoryTiles,
    Note,
    Signer,
    WitnessRefusal,
    leaf_hashes,
    parse_add_checkpoint,
    render_add_checkpoint,
    witness_decision,
)

LOG = Signer.generate("example.com/log")


def tree(size: int, tag: bytes = b"") -> MemoryTiles:
    tiles = MemoryTiles()
    tiles.append(leaf_hashes([tag + i.to_bytes(4, "big") for i in range(size)]))
    return tiles


def signed(tiles: MemoryTiles, signer: Signer = LOG) -> str:
    return Checkpoint(signer.name, tiles.size, LogReader(tiles).root(tiles.size)).sign(signer)


def head(tiles: MemoryTiles) -> Head:
    return Head(tiles.size, LogReader(tiles).root(tiles.size))


def refusal(request: str, known: Head | None) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as refused:
        witness_decision(parse_add_checkpoint(request), LOG.verifier, known)
    return refused.value


def test_the_request_renders_and_parses_as_the_spec_writes_it() -> None:
    old, new = tree(5), tree(9)
    proof = LogReader(new).consistency_proof(5, 9)
    body = render_add_checkpoint(5, proof, signed(new))
    assert body.startswith("old 5\n") and "\n\nexample.com/log\n9\n" in body
    parsed = parse_add_checkpoint(body)
    assert (parsed.old_size, list(parsed.proof), parsed.origin()) == (5, proof, "example.com/log")
    assert witness_decision(parsed, LOG.verifier, head(old)).size == 9


@pytest.mark.parametrize(
    "body",
    ["old 5\n\n", "new 5\n\nx", "old 05\n\nx", "old -1\n\nx", "old 5\nnot-base64!\n\nx", "old 5\nAAAA\n\nx"],
)
def test_a_malformed_request_is_400(body: str) -> None:
    with pytest.raises(WitnessRefusal) as refused:
        parse_add_checkpoint(body)
    assert refused.value.status == 400


def test_a_checkpoint_not_signed_by_the_log_is_403() -> None:
    forged = signed(tree(3), Signer.generate("example.com/log"))
    assert refusal(render_add_checkpoint(0, [], forged), None).status == 403


def test_an_old_size_above_the_checkpoint_is_400() -> None:
    assert refusal(render_add_checkpoint(7, [], signed(tree(3))), head(tree(7))).status == 400


def test_a_stale_old_size_is_409_naming_the_size_cosigned() -> None:
    answer = refusal(render_add_checkpoint(0, [], signed(tree(9))), head(tree(5)))
    assert (answer.status, answer.known_size) == (409, 5)


def test_the_same_size_with_another_root_is_409_and_shows_a_fork() -> None:
    answer = refusal(render_add_checkpoint(5, [], signed(tree(5, b"other"))), head(tree(5)))
    assert (answer.status, answer.known_size, answer.shows_fork) == (409, None, True)


def test_a_proof_that_does_not_verify_is_422_and_shows_a_fork() -> None:
    forked = tree(9, b"other")
    proof = LogReader(forked).consistency_proof(5, 9)
    answer = refusal(render_add_checkpoint(5, proof, signed(forked)), head(tree(5)))
    assert (answer.status, answer.shows_fork) == (422, True)
    assert answer.evidence["cosigned_size"] == 5 and answer.evidence["offered_size"] == 9


def test_a_proof_from_size_zero_must_be_empty() -> None:
    new = tree(4)
    answer = refusal(render_add_checkpoint(0, [bytes(32)], signed(new)), None)
    assert answer.status == 422


def test_the_cosignature_is_a_tlog_cosignature_v1_over_the_checkpoint() -> None:
    witness = Signer.generate("example.com/witness", ALG_COSIGNATURE_V1)
    note = signed(tree(4))
    checkpoint = witness_decision(
        parse_add_checkpoint(render_add_checkpoint(0, [], note)), LOG.verifier, None
    )
    line = witness.signature_line(Note.parse(note).text, timestamp=1_700_000_000)
    assert Note.parse(note + line).verify(witness.verifier) == 1_700_000_000
    assert checkpoint.size == 4
