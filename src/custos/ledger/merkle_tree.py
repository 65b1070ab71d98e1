"""A Merkle tree held in memory, every level kept, for proving many leaves of one tree.

The log keeps its tree in tiles (``custos.ledger.tiles``); a tree that a party builds over its own
data, such as the ciphertext chunks of an escrow deposit or the salted records of a dataset
manifest, is small enough to hold whole and is asked for many proofs. Its hashing is the log's
(RFC 9162), so ``custos.ledger.proofs.verify_inclusion`` checks its proofs as it checks a log entry's.
"""

from __future__ import annotations

from collections.abc import Sequence

from custos.core.errors import InvalidInput
from custos.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash, split_point
from custos.ledger.proofs import inclusion_ranges


class MerkleTree:
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
            raise InvalidInput(f"leaf {index} is outside a tree of {self.size} leaves")
        return [self._range_hash(start, end) for start, end in inclusion_ranges(index, self.size)]

    def _range_hash(self, start: int, end: int) -> bytes:
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            return self._levels[width.bit_length() - 1][start // width]
        middle = start + split_point(width)
        return node_hash(self._range_hash(start, middle), self._range_hash(middle, end))
