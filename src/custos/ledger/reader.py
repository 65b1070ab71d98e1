"""Reading the tree from tiles: node hashes, roots and proofs at any size.

Tiles are append-only, so a prefix of a tile read once stays true forever. The reader keeps an
LRU cache of tiles with their internal levels hashed out, so on a warm cache any node is a
slice and a proof costs no storage read and no hashing beyond the edge of the tree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from custos.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from custos.ledger.proofs import Range, consistency_ranges, inclusion_ranges
from custos.ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileId, plan_append

#: (tree level, index) of a perfect subtree.
NodeId = tuple[int, int]


class TileSource(Protocol):
    """Where tiles are stored. Implementations MUST return at least the hashes that exist."""

    def read_tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        """The stored hashes of each requested tile that exists, concatenated."""
        ...


def range_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees that make up leaf range [start, end), left to right."""
    nodes = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _tile_levels(hashes: bytes) -> list[bytes]:
    """All levels of a tile's internal tree: level 0 is the tile, each next one half as wide."""
    levels = [hashes]
    current = hashes
    while len(current) >= 2 * HASH_SIZE:
        pairs = len(current) // (2 * HASH_SIZE)
        current = b"".join(
            node_hash(
                current[2 * i * HASH_SIZE : (2 * i + 1) * HASH_SIZE],
                current[(2 * i + 1) * HASH_SIZE : (2 * i + 2) * HASH_SIZE],
            )
            for i in range(pairs)
        )
        levels.append(current)
    return levels


class TileCache:
    """LRU cache of tiles with their internal levels, bounded by a number of tiles.

    Safe to share between threads (the API serves requests from a thread pool).
    """

    def __init__(self, capacity: int = 8192) -> None:
        self._capacity = capacity
        self._tiles: OrderedDict[TileId, list[bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tile: TileId, width: int) -> list[bytes] | None:
        with self._lock:
            levels = self._tiles.get(tile)
            if levels is None or len(levels[0]) < width * HASH_SIZE:
                return None
            self._tiles.move_to_end(tile)
            return levels

    def put(self, tile: TileId, hashes: bytes) -> list[bytes]:
        levels = _tile_levels(hashes)
        with self._lock:
            self._tiles[tile] = levels
            self._tiles.move_to_end(tile)
            while len(self._tiles) > self._capacity:
                self._tiles.popitem(last=False)
        return levels


class MissingTile(LookupError):
    """A tile the tree needs is not stored."""


class LogReader:
    """Roots and proofs for a tree stored as tiles."""

    def __init__(self, source: TileSource, cache: TileCache | None = None) -> None:
        self._source = source
        self._cache = cache if cache is not None else TileCache()

    def node_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Hashes of perfect subtrees, reading each missing tile once."""
        located = []
        wanted: dict[TileId, int] = {}
        for level, index in nodes:
            tile_level, sub = divmod(level, TILE_HEIGHT)
            first = index << sub  # first hash of tree level 8*tile_level under this node
            tile = (tile_level, first >> TILE_HEIGHT)
            width = (first & (TILE_WIDTH - 1)) + (1 << sub)
            located.append((tile, sub, (first & (TILE_WIDTH - 1)) >> sub))
            wanted[tile] = max(wanted.get(tile, 0), width)
        tiles: dict[TileId, list[bytes]] = {}
        missing = []
        for tile, width in wanted.items():
            levels = self._cache.get(tile, width)
            if levels is None:
                missing.append(tile)
            else:
                tiles[tile] = levels
        if missing:
            for tile, hashes in self._source.read_tiles(missing).items():
                tiles[tile] = self._cache.put(tile, hashes)
        result = []
        for tile, sub, position in located:
            levels = tiles.get(tile)
            if levels is None or len(levels) <= sub or len(levels[sub]) < (position + 1) * HASH_SIZE:
                raise MissingTile(f"tile {tile[0]}/{tile[1]} is missing or too short")
            result.append(levels[sub][position * HASH_SIZE : (position + 1) * HASH_SIZE])
        return result

    def range_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        """MTH of each RFC-shaped leaf range, merging its perfect subtrees right to left."""
        per_range = [range_nodes(start, end) for start, end in ranges]
        flat = self.node_hashes([node for nodes in per_range for node in nodes])
        result = []
        offset = 0
        for nodes in per_range:
            parts = flat[offset : offset + len(nodes)]
            offset += len(nodes)
            digest = parts[-1]
            for part in reversed(parts[:-1]):
                digest = node_hash(part, digest)
            result.append(digest)
        return result

    def root(self, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        return self.range_hashes([(0, size)])[0]

    def leaf_hash(self, index: int) -> bytes:
        return self.node_hashes([(0, index)])[0]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self.range_hashes(inclusion_ranges(index, size))

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return self.range_hashes(consistency_ranges(old_size, new_size))


class MemoryTiles:
    """Tiles held in memory: for tests, for the offline verifier's recomputed tree, for clients."""

    def __init__(self) -> None:
        self.tiles: dict[TileId, bytes] = {}
        self.size = 0

    def read_tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        return {tile: self.tiles[tile] for tile in ids if tile in self.tiles}

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        for write in plan_append(
            self.size, leaf_hashes, lambda lv, ix, w: self.tiles[(lv, ix)][: w * HASH_SIZE]
        ):
            self.tiles[(write.level, write.index)] = write.hashes
        self.size += len(leaf_hashes)
