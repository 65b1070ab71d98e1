"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing.

Leaves are hashed as ``SHA-256(0x00 || entry)`` and interior nodes as
``SHA-256(0x01 || left || right)``; the distinct prefixes make a leaf impossible to pass off
as a node (second-preimage resistance). The tree over ``n`` leaves splits at the largest power
of two smaller than ``n`` — not at the midpoint — so every log that follows the RFC agrees on
every root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def leaf_hashes(entries: Sequence[bytes]) -> list[bytes]:
    """Leaf hashes of many entries; a tight comprehension because appends hash every entry."""
    sha = hashlib.sha256
    return [sha(_LEAF_PREFIX + entry).digest() for entry in entries]


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (RFC 9162, section 2.1.1)."""
    if size < 2:
        raise ValueError("a tree of fewer than two leaves does not split")
    return 1 << ((size - 1).bit_length() - 1)


def perfect_root(hashes: bytes) -> bytes:
    """Root of a perfect subtree whose level hashes are concatenated in ``hashes``.

    The count of hashes must be a power of two.
    """
    level = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) computed by the RFC's recursive definition over leaf hashes.

    Slow and obviously correct: the oracle the tiled implementation is tested against.
    """
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))
