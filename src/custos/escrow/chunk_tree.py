"""The Merkle tree over a deposit's ciphertext chunks, and which chunks an audit checks.

The deposit filing commits to the root of an RFC 9162 tree whose leaves are the leaf hashes of
the ciphertext chunks of every component, in manifest order. The same hashing as the log's
(``custos.ledger.hashing``) means one verifier, ``custos.ledger.proofs.verify_inclusion``,
checks both a log entry and a stored chunk.

Audits must not let the store choose what is checked, and anyone must be able to repeat the
choice: ``challenge`` derives the chunk indices from a public seed (a checkpoint's root hash,
say) by SHA-256 in counter mode, with rejection sampling so every index is equally likely.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from custos.core.errors import InvalidInput
from custos.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash, split_point
from custos.ledger.proofs import inclusion_ranges, verify_inclusion

_CHALLENGE_DOMAIN = b"custos-escrow/challenge/v1\x00"
_DRAW_BITS = 64


class ChunkTree:
    """Every level of the tree over ``leaves``, so any proof costs a few lookups.

    Level ``h`` holds the roots of the complete aligned subtrees of ``2**h`` leaves; a range
    that is not one (the right edge of an unbalanced tree) is hashed from them as RFC 9162
    splits it.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        for position, leaf in enumerate(leaves):
            if len(leaf) != HASH_SIZE:
                raise InvalidInput(f"leaf hash {position} must be {HASH_SIZE} bytes, got {len(leaf)}")
        self.size = len(leaves)
        self._levels: list[list[bytes]] = [list(leaves)]
        while len(self._levels[-1]) > 1:
            below = self._levels[-1]
            self._levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def leaf(self, index: int) -> bytes:
        return self._levels[0][index]

    def root(self) -> bytes:
        return self._range_hash(0, self.size) if self.size else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The audit path of leaf ``index`` (RFC 9162, section 2.1.3.1), leaf to root."""
        if not 0 <= index < self.size:
            raise InvalidInput(f"chunk {index} is outside a deposit of {self.size} chunks")
        return [self._range_hash(start, end) for start, end in inclusion_ranges(index, self.size)]

    def _range_hash(self, start: int, end: int) -> bytes:
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            return self._levels[width.bit_length() - 1][start // width]
        middle = start + split_point(width)
        return node_hash(self._range_hash(start, middle), self._range_hash(middle, end))


def chunk_root(leaves: Sequence[bytes]) -> bytes:
    return ChunkTree(leaves).root()


def verify_chunk(*, root: bytes, total: int, index: int, leaf: bytes, proof: Sequence[bytes]) -> None:
    """Raise ``ProofError`` unless ``leaf`` is chunk ``index`` of the deposit committed to as ``root``."""
    verify_inclusion(index=index, size=total, leaf=leaf, proof=proof, root=root)


def challenge(seed: bytes, count: int, total: int) -> list[int]:
    """``count`` distinct chunk indices below ``total`` (all of them when ``total <= count``), sorted.

    Draws are 64-bit big-endian words of SHA-256(domain || seed || counter), the counter 8 bytes
    big endian from 0; a draw at or above the largest multiple of ``total`` below 2**64 is
    rejected (so there is no modulo bias), else it names chunk ``draw % total``; repeats are
    skipped until ``count`` distinct chunks are named.
    """
    if count < 0 or total < 0:
        raise InvalidInput(f"a challenge needs a non-negative count and total, got {count} and {total}")
    if total <= count:
        return list(range(total))
    limit = (1 << _DRAW_BITS) - (1 << _DRAW_BITS) % total
    chosen: set[int] = set()
    counter = 0
    while len(chosen) < count:
        block = hashlib.sha256(_CHALLENGE_DOMAIN + seed + counter.to_bytes(8, "big")).digest()
        counter += 1
        for offset in range(0, len(block), _DRAW_BITS // 8):
            draw = int.from_bytes(block[offset : offset + _DRAW_BITS // 8], "big")
            if draw < limit and len(chosen) < count:
                chosen.add(draw % total)
    return sorted(chosen)
