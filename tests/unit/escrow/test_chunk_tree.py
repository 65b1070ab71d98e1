"""The deposit's chunk tree against the RFC's recursive definition, and the audit challenge."""

from __future__ import annotations

import hashlib

import pytest

from custos.core.errors import InvalidInput
from custos.escrow.chunk_tree import ChunkTree, challenge, chunk_root, verify_chunk
from custos.ledger.hashing import EMPTY_ROOT, leaf_hash, reference_root
from custos.ledger.proofs import ProofError


def leaves(count: int) -> list[bytes]:
    return [leaf_hash(f"chunk {i}".encode()) for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 8, 13, 64, 100])
def test_root_matches_the_reference(count: int) -> None:
    assert chunk_root(leaves(count)) == reference_root(leaves(count))


def test_empty_tree_has_the_empty_root() -> None:
    assert chunk_root([]) == EMPTY_ROOT


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 9, 31, 100])
def test_every_proof_verifies_against_the_reference_root(count: int) -> None:
    hashes = leaves(count)
    tree = ChunkTree(hashes)
    root = reference_root(hashes)
    for index in range(count):
        verify_chunk(
            root=root, total=count, index=index, leaf=hashes[index], proof=tree.inclusion_proof(index)
        )


def test_a_wrong_leaf_or_index_fails() -> None:
    hashes = leaves(11)
    tree = ChunkTree(hashes)
    root = tree.root()
    proof = tree.inclusion_proof(6)
    with pytest.raises(ProofError):
        verify_chunk(root=root, total=11, index=6, leaf=hashes[7], proof=proof)
    with pytest.raises(ProofError):
        verify_chunk(root=root, total=11, index=5, leaf=hashes[6], proof=proof)
    with pytest.raises(ProofError):
        verify_chunk(root=root, total=7, index=6, leaf=hashes[6], proof=proof)


def test_a_proof_outside_the_tree_is_refused() -> None:
    with pytest.raises(InvalidInput):
        ChunkTree(leaves(3)).inclusion_proof(3)


def test_leaves_must_be_hashes() -> None:
    with pytest.raises(InvalidInput, match="leaf hash 1"):
        ChunkTree([bytes(32), b"short"])


def test_challenge_is_deterministic_distinct_and_in_range() -> None:
    picked = challenge(b"seed", 20, 1000)
    assert picked == challenge(b"seed", 20, 1000)
    assert len(set(picked)) == 20 and all(0 <= i < 1000 for i in picked)
    assert picked == sorted(picked)
    assert picked != challenge(b"other seed", 20, 1000)


def test_challenge_follows_its_documented_derivation() -> None:
    total = 1000
    block = hashlib.sha256(b"custos-escrow/challenge/v1\x00" + b"seed" + (0).to_bytes(8, "big")).digest()
    first = int.from_bytes(block[:8], "big")
    assert first < 2**64 - 2**64 % total
    assert first % total in challenge(b"seed", 1, total)


def test_challenge_takes_everything_when_asked_for_more() -> None:
    assert challenge(b"seed", 10, 4) == [0, 1, 2, 3]
    assert challenge(b"seed", 0, 4) == []
    assert challenge(b"seed", 5, 0) == []


def test_challenge_is_close_to_uniform() -> None:
    counts = [0] * 10
    for trial in range(2000):
        for index in challenge(trial.to_bytes(4, "big"), 1, 10):
            counts[index] += 1
    assert all(150 < count < 250 for count in counts)


def test_challenge_refuses_negative_numbers() -> None:
    with pytest.raises(InvalidInput):
        challenge(b"seed", -1, 10)
