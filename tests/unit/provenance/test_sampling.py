"""Sample indices drawn from a checkpoint, recomputed by hand from the documented construction."""

from __future__ import annotations

import hashlib

import pytest

from custos.core.errors import InvalidInput
from custos.provenance.sampling import SAMPLE_DOMAIN, sample_indices, sample_seed

ROOT = hashlib.sha256(b"checkpoint").digest()


def by_hand(commitment_id: str, size: int, root: bytes, count: int, total: int) -> list[int]:
    """The seed and the rejection-sampled draw, written out from their documentation."""
    name = commitment_id.encode()
    seed = hashlib.sha256(len(name).to_bytes(4, "big") + name + size.to_bytes(8, "big") + root).digest()
    limit = 2**64 - 2**64 % total
    chosen: list[int] = []
    counter = 0
    while len(chosen) < min(count, total):
        block = hashlib.sha256(SAMPLE_DOMAIN + seed + counter.to_bytes(8, "big")).digest()
        counter += 1
        for word in (int.from_bytes(block[i : i + 8], "big") for i in range(0, 32, 8)):
            if word < limit and word % total not in chosen and len(chosen) < min(count, total):
                chosen.append(word % total)
    return sorted(chosen)


@pytest.mark.parametrize(("count", "total"), [(1, 1), (5, 7), (300, 10_000_000), (50, 3), (1000, 1001)])
def test_indices_are_the_documented_draw(count: int, total: int) -> None:
    assert sample_indices("01JCOMMITMENT", 4242, ROOT, count, total) == by_hand(
        "01JCOMMITMENT", 4242, ROOT, count, total
    )


def test_the_draw_is_repeatable_and_bound_to_its_inputs() -> None:
    drawn = sample_indices("c-1", 10, ROOT, 20, 1_000_000)
    assert drawn == sample_indices("c-1", 10, ROOT, 20, 1_000_000)
    assert len(set(drawn)) == 20 and drawn == sorted(drawn)
    others = [
        sample_indices("c-2", 10, ROOT, 20, 1_000_000),
        sample_indices("c-1", 11, ROOT, 20, 1_000_000),
        sample_indices("c-1", 10, hashlib.sha256(ROOT).digest(), 20, 1_000_000),
    ]
    assert all(other != drawn for other in others)


def test_the_seed_is_documented_and_length_prefixed() -> None:
    assert (
        sample_seed("ab", 1, ROOT)
        == hashlib.sha256(b"\x00\x00\x00\x02ab" + (1).to_bytes(8, "big") + ROOT).digest()
    )
    assert sample_seed("ab", 1, ROOT) != sample_seed("a", 1, ROOT)


@pytest.mark.parametrize(
    ("commitment_id", "size", "root", "count", "total", "message"),
    [
        ("", 1, ROOT, 1, 1, "id is empty"),
        ("c", 0, ROOT, 1, 1, "size 0"),
        ("c", 1, ROOT[:31], 1, 1, "32 bytes"),
        ("c", 1, ROOT, 0, 1, "at least one record, got 0"),
        ("c", 1, ROOT, 1, 0, "drawn from at least one record"),
    ],
)
def test_bad_inputs_are_refused(
    commitment_id: str, size: int, root: bytes, count: int, total: int, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        sample_indices(commitment_id, size, root, count, total)
