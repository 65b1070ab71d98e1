from __future__ import annotations

import hashlib

import pytest

from custos.ledger.hashing import EMPTY_ROOT, leaf_hash, leaf_hashes, node_hash, reference_root, split_point
from tests.unit.ledger.vectors import CT_LEAVES, CT_ROOTS


def test_reference_tree_gives_the_published_roots_at_every_size() -> None:
    hashes = leaf_hashes(CT_LEAVES)
    for size, expected in enumerate(CT_ROOTS):
        assert reference_root(hashes[:size]).hex() == expected


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]


def test_leaf_and_node_prefixes_are_rfc_9162s() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


@pytest.mark.parametrize(("size", "split"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)])
def test_split_is_the_largest_power_of_two_below_the_size(size: int, split: int) -> None:
    assert split_point(size) == split
