"""Indices drawn from a public seed: repeatable, distinct, unbiased."""

from __future__ import annotations

import hashlib

import pytest

from custos.core.errors import InvalidInput
from custos.ledger.public_draw import draw


def test_draw_is_deterministic_distinct_and_in_range() -> None:
    picked = draw(b"seed", 20, 1000)
    assert picked == draw(b"seed", 20, 1000)
    assert len(set(picked)) == 20 and all(0 <= i < 1000 for i in picked)
    assert picked == sorted(picked)
    assert picked != draw(b"other seed", 20, 1000)


def test_draw_follows_its_documented_derivation() -> None:
    total = 1000
    block = hashlib.sha256(b"seed" + (0).to_bytes(8, "big")).digest()
    first = int.from_bytes(block[:8], "big")
    assert first < 2**64 - 2**64 % total
    assert first % total in draw(b"seed", 1, total)


def test_draw_takes_everything_when_asked_for_more() -> None:
    assert draw(b"seed", 10, 4) == [0, 1, 2, 3]
    assert draw(b"seed", 0, 4) == []
    assert draw(b"seed", 5, 0) == []


def test_draw_is_close_to_uniform() -> None:
    counts = [0] * 10
    for trial in range(2000):
        for index in draw(trial.to_bytes(4, "big"), 1, 10):
            counts[index] += 1
    assert all(150 < count < 250 for count in counts)


def test_draw_refuses_negative_numbers() -> None:
    with pytest.raises(InvalidInput):
        draw(b"seed", -1, 10)
