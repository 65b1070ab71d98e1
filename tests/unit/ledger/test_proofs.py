from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.ledger import (
    LogReader,
    MemoryTiles,
    ProofError,
    leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from custos.ledger.hashing import reference_root, split_point
from tests.unit.ledger.vectors import CT_CONSISTENCY, CT_INCLUSION, CT_LEAVES, CT_ROOTS


def reference_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) by the RFC's recursive definition: the oracle for tiled proofs."""
    if len(leaves) <= 1:
        return []
    k = split_point(len(leaves))
    if index < k:
        return [*reference_path(index, leaves[:k]), reference_root(leaves[k:])]
    return [*reference_path(index - k, leaves[k:]), reference_root(leaves[:k])]


def reference_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [reference_root(leaves)]
    k = split_point(n)
    if m <= k:
        return [*reference_subproof(m, leaves[:k], complete), reference_root(leaves[k:])]
    return [*reference_subproof(m - k, leaves[k:], False), reference_root(leaves[:k])]


def tree_of(leaves: list[bytes]) -> LogReader:
    tiles = MemoryTiles()
    tiles.append(leaves)
    return LogReader(tiles)


def test_published_inclusion_proofs() -> None:
    reader = tree_of(leaf_hashes(CT_LEAVES))
    for (index, size), expected in CT_INCLUSION.items():
        proof = reader.inclusion_proof(index, size)
        assert [p.hex() for p in proof] == expected
        verify_inclusion(
            index=index,
            size=size,
            leaf=leaf_hashes(CT_LEAVES)[index],
            proof=proof,
            root=bytes.fromhex(CT_ROOTS[size]),
        )


def test_published_consistency_proofs() -> None:
    reader = tree_of(leaf_hashes(CT_LEAVES))
    for (old, size), expected in CT_CONSISTENCY.items():
        proof = reader.consistency_proof(old, size)
        assert [p.hex() for p in proof] == expected
        verify_consistency(
            old_size=old,
            new_size=size,
            old_root=bytes.fromhex(CT_ROOTS[old]),
            new_root=bytes.fromhex(CT_ROOTS[size]),
            proof=proof,
        )


sizes = st.integers(min_value=1, max_value=1300)


@settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_tiled_proofs_equal_the_rfc_definition_and_verify(size: int, data: st.DataObject) -> None:
    leaves = leaf_hashes([i.to_bytes(4, "big") for i in range(size)])
    reader = tree_of(leaves)
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    assert reader.root(size) == reference_root(leaves)
    inclusion = reader.inclusion_proof(index, size)
    assert inclusion == reference_path(index, leaves)
    verify_inclusion(index=index, size=size, leaf=leaves[index], proof=inclusion, root=reader.root(size))
    consistency = reader.consistency_proof(old, size)
    expected = [] if old in (0, size) else reference_subproof(old, leaves, True)
    assert consistency == expected
    verify_consistency(
        old_size=old, new_size=size, old_root=reader.root(old), new_root=reader.root(size), proof=consistency
    )


@settings(max_examples=60, deadline=None)
@given(size=st.integers(2, 300), data=st.data())
def test_any_altered_inclusion_proof_is_refused(size: int, data: st.DataObject) -> None:
    leaves = leaf_hashes([i.to_bytes(4, "big") for i in range(size)])
    reader = tree_of(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = reader.inclusion_proof(index, size)
    root = reader.root(size)
    position = data.draw(st.integers(0, len(proof) - 1))
    flipped = [*proof]
    flipped[position] = bytes([flipped[position][0] ^ 1]) + flipped[position][1:]
    for bad in (flipped, proof[:-1], [*proof, proof[0]]):
        with pytest.raises(ProofError):
            verify_inclusion(index=index, size=size, leaf=leaves[index], proof=bad, root=root)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
    with pytest.raises(ProofError):
        verify_inclusion(index=other, size=size, leaf=leaves[index], proof=proof, root=root)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(3, 300), data=st.data())
def test_any_altered_consistency_proof_is_refused(size: int, data: st.DataObject) -> None:
    leaves = leaf_hashes([i.to_bytes(4, "big") for i in range(size)])
    reader = tree_of(leaves)
    old = data.draw(st.integers(1, size - 1))
    proof = reader.consistency_proof(old, size)
    position = data.draw(st.integers(0, len(proof) - 1))
    flipped = [*proof]
    flipped[position] = bytes([flipped[position][0] ^ 1]) + flipped[position][1:]
    for bad in (flipped, proof[:-1], [*proof, proof[0]]):
        with pytest.raises(ProofError):
            verify_consistency(
                old_size=old, new_size=size, old_root=reader.root(old), new_root=reader.root(size), proof=bad
            )


def test_equal_sizes_with_different_roots_is_a_fork() -> None:
    reader = tree_of(leaf_hashes(CT_LEAVES))
    with pytest.raises(ProofError, match="forked"):
        verify_consistency(old_size=4, new_size=4, old_root=reader.root(4), new_root=reader.root(5), proof=[])


def test_short_hashes_are_refused() -> None:
    with pytest.raises(ProofError, match="32 bytes"):
        verify_inclusion(index=0, size=1, leaf=b"short", proof=[], root=bytes(32))
