from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.ledger import MemoryTiles, decode_bundle, encode_bundle, leaf_hashes, parse_tile_path, tile_path
from custos.ledger.tiles import encode_index, tiles_for_size


@pytest.mark.parametrize(
    ("index", "encoded"),
    [(0, "000"), (1, "001"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_encoding_follows_the_tlog_tiles_spec(index: int, encoded: str) -> None:
    assert encode_index(index) == encoded


def test_paths_round_trip() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(1, 5, 17) == "tile/1/005.p/17"
    assert tile_path("entries", 2) == "tile/entries/002"
    assert parse_tile_path("0/x001/x234/067") == (0, 1234067, 256)
    assert parse_tile_path("entries/002.p/5") == (None, 2, 5)


@pytest.mark.parametrize(
    "bad", ["0/1", "0/0001", "0/x000/001", "00/001", "0/001.p/0", "0/001.p/256", "0/001.p/07", "z/001"]
)
def test_non_canonical_paths_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_tile_path(bad)


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_entry_bundles_round_trip(entries: list[bytes]) -> None:
    assert decode_bundle(encode_bundle(entries)) == entries


def test_a_truncated_bundle_is_refused() -> None:
    with pytest.raises(InvalidInput):
        decode_bundle(encode_bundle([b"hello"])[:-1])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 700), min_size=1, max_size=8))
def test_appending_in_batches_stores_the_same_tiles_as_at_once(batches: list[int]) -> None:
    total = sum(batches)
    leaves = leaf_hashes([i.to_bytes(4, "big") for i in range(total)])
    at_once, batched = MemoryTiles(), MemoryTiles()
    at_once.append(leaves)
    start = 0
    for count in batches:
        batched.append(leaves[start : start + count])
        start += count
    assert batched.tiles == at_once.tiles
    assert sorted(at_once.tiles) == [(level, index) for level, index, _ in tiles_for_size(total)]
    assert all(len(at_once.tiles[(lv, ix)]) == w * 32 for lv, ix, w in tiles_for_size(total))
