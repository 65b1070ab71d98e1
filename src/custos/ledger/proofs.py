"""Inclusion and consistency proofs (RFC 9162, sections 2.1.3 and 2.1.4).

Proof *generation* is pure: it describes each proof element as the Merkle tree hash of a leaf
range ``[start, end)``, and a caller-supplied resolver turns ranges into hashes (from tiles, from
memory, from anywhere). Proof *verification* follows the RFC's numbered algorithms step by step
and raises :class:`ProofError` on failure; it never returns ``False``.
"""

from __future__ import annotations

from collections.abc import Sequence

from custos.core.errors import IntegrityFailure
from custos.ledger.hashing import HASH_SIZE, node_hash, split_point

#: A leaf range [start, end) whose Merkle tree hash is a proof element.
Range = tuple[int, int]


class ProofError(IntegrityFailure):
    """A proof does not verify; the evidence says which check failed."""


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(m, D[n]) as leaf ranges, in the RFC's leaf-to-root order."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split_point(end - start)
        if m < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m = start + k, m - k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges, in the RFC's order."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")


def verify_inclusion(*, index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 section 2.1.3.2: verify that leaf hash ``leaf`` is at ``index`` in the tree ``root``."""
    _check_hash("leaf hash", leaf)
    _check_hash("root hash", root)
    for element in proof:
        _check_hash("proof element", element)
    # 1. leaf_index must be below tree_size.
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    # 2. fn = leaf_index, sn = tree_size - 1.
    fn, sn = index, size - 1
    # 3. r = hash.
    r = leaf
    # 4. For each p in inclusion_path:
    for p in proof:
        if sn == 0:  # 4a.
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:  # 4b.
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c.
        sn >>= 1
    # 5. sn must be 0 and r must equal the root.
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root", evidence={"computed": r.hex()})


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 section 2.1.4.2: verify that tree ``new_root`` extends tree ``old_root``."""
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    for element in proof:
        _check_hash("proof element", element)
    if not 0 <= old_size <= new_size:
        raise ProofError(f"size {old_size} cannot precede size {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("two different roots for the same tree size: the log forked")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    # 1. If first is an exact power of 2, prepend first_hash to the path.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 2. fn = first - 1, sn = second - 1.
    fn, sn = old_size - 1, new_size - 1
    # 3. If LSB(fn) is set, shift fn and sn right until it is not.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 4. fr and sr start as the first value of the path.
    fr = sr = path[0]
    # 5. For each subsequent value c:
    for c in path[1:]:
        if sn == 0:  # 5a.
            raise ProofError("consistency proof is longer than expected")
        if fn & 1 or fn == sn:  # 5b.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 5c.
        sn >>= 1
    # 6. fr must equal first_hash, sr second_hash, and sn must be 0.
    if sn != 0:
        raise ProofError("consistency proof is shorter than expected")
    if fr != old_root:
        raise ProofError("consistency proof does not reproduce the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not reproduce the new root")
