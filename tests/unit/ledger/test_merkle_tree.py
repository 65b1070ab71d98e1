"""The in-memory Merkle tree against the RFC's recursive definition."""

from __future__ import annotations

import pytest

from custos.core.errors import InvalidInput
from custos.ledger.hashing import EMPTY_ROOT, leaf_hash, reference_root
from custos.ledger.merkle_tree import MerkleTree
from custos.ledger.proofs import ProofError, verify_inclusion


def leaves(count: int) -> list[bytes]:
    return [leaf_hash(f"leaf {i}".encode()) for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 8, 13, 64, 100])
def test_root_matches_the_reference(count: int) -> None:
    assert MerkleTree(leaves(count)).root() == reference_root(leaves(count))


def test_empty_tree_has_the_empty_root() -> None:
    assert MerkleTree([]).root() == EMPTY_ROOT


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 9, 31, 100])
def test_every_proof_verifies_against_the_reference_root(count: int) -> None:
    hashes = leaves(count)
    tree = MerkleTree(hashes)
    root = reference_root(hashes)
    for index in range(count):
        verify_inclusion(
            root=root, size=count, index=index, leaf=hashes[index], proof=tree.inclusion_proof(index)
        )


def test_a_wrong_leaf_or_index_fails() -> None:
    hashes = leaves(11)
    tree = MerkleTree(hashes)
    root = tree.root()
    proof = tree.inclusion_proof(6)
    with pytest.raises(ProofError):
        verify_inclusion(root=root, size=11, index=6, leaf=hashes[7], proof=proof)
    with pytest.raises(ProofError):
        verify_inclusion(root=root, size=11, index=5, leaf=hashes[6], proof=proof)
    with pytest.raises(ProofError):
        verify_inclusion(root=root, size=7, index=6, leaf=hashes[6], proof=proof)


def test_a_proof_outside_the_tree_is_refused() -> None:
    with pytest.raises(InvalidInput):
        MerkleTree(leaves(3)).inclusion_proof(3)


def test_leaves_must_be_hashes() -> None:
    with pytest.raises(InvalidInput, match="leaf hash 1"):
        MerkleTree([bytes(32), b"short"])
