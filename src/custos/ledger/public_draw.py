"""Indices drawn from public randomness, so no party chooses what is checked and anyone can
repeat the choice.

A seed is what the parties could not know in advance, such as the root hash of a checkpoint of
the log signed after a commitment; the caller prefixes it with a domain of its own, so two
instruments drawing from one checkpoint do not draw the same indices.
"""

from __future__ import annotations

import hashlib

from custos.core.errors import InvalidInput

_DRAW_BITS = 64


def draw(seed: bytes, count: int, total: int) -> list[int]:
    """``count`` distinct indices below ``total`` (all of them when ``total <= count``), sorted.

    Draws are 64-bit big-endian words of SHA-256(seed || counter), the counter 8 bytes big
    endian from 0; a draw at or above the largest multiple of ``total`` below 2**64 is rejected
    (so there is no modulo bias), else it names index ``draw % total``; repeats are skipped
    until ``count`` distinct indices are named.
    """
    if count < 0 or total < 0:
        raise InvalidInput(f"a draw needs a non-negative count and total, got {count} and {total}")
    if total <= count:
        return list(range(total))
    limit = (1 << _DRAW_BITS) - (1 << _DRAW_BITS) % total
    chosen: set[int] = set()
    counter = 0
    while len(chosen) < count:
        block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
        for offset in range(0, len(block), _DRAW_BITS // 8):
            word = int.from_bytes(block[offset : offset + _DRAW_BITS // 8], "big")
            if word < limit and len(chosen) < count:
                chosen.add(word % total)
    return sorted(chosen)
