"""The C2SP tlog-tiles layout: tiles of 256 hashes, their paths, entry bundles, and appends.

A tile at level ``L`` and index ``N`` holds up to 256 consecutive hashes of tree level ``8L``
(each the root of a perfect subtree of ``256**L`` leaves), starting at hash ``256N``. Full
tiles never change; the rightmost tile of each level grows until it is full. Any node of the
tree is either stored in a tile or is the root of at most 128 consecutive hashes of one tile,
so a proof reads O(log n) tiles.

Reference: https://c2sp.org/tlog-tiles
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from custos.core.errors import InvalidInput
from custos.ledger.hashing import HASH_SIZE, perfect_root

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE
MAX_ENTRY_BYTES = 0xFFFF  # entry bundles prefix each entry with a big-endian uint16 length

#: (level, index) of a tile.
TileId = tuple[int, int]


@dataclass(frozen=True, slots=True)
class TileWrite:
    """The new content of one tile after an append (a whole tile, never a diff)."""

    level: int
    index: int
    hashes: bytes

    @property
    def width(self) -> int:
        return len(self.hashes) // HASH_SIZE


def tile_width_at(level: int, index: int, size: int) -> int:
    """How many hashes tile (level, index) holds in a tree of ``size`` leaves (0 if none)."""
    hashes_at_level = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def tiles_for_size(size: int) -> list[tuple[int, int, int]]:
    """Every (level, index, width) a tree of ``size`` leaves stores, level by level."""
    result = []
    level = 0
    while True:
        count = size >> (TILE_HEIGHT * level)
        if count == 0:
            break
        for index in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            result.append((level, index, tile_width_at(level, index, size)))
        level += 1
    return result


def encode_index(index: int) -> str:
    """Encode a tile index as the spec's path segments: 1234067 -> ``x001/x234/067``."""
    if index < 0:
        raise ValueError("tile index must not be negative")
    digits = str(index)
    digits = digits.zfill((len(digits) + 2) // 3 * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([f"x{group}" for group in groups[:-1]] + [groups[-1]])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """Path of a tile (``level`` may be ``"entries"``), with the ``.p/W`` suffix when partial."""
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(index)}{suffix}"


_PATH = re.compile(r"^(?P<level>entries|\d{1,2})/(?P<index>(?:x\d{3}/)*\d{3})(?:\.p/(?P<width>\d{1,3}))?$")


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """Parse ``<L>/<N>[.p/<W>]`` (after ``tile/``) into (level or None for entries, index, width)."""
    match = _PATH.match(path)
    if match is None:
        raise InvalidInput(f"not a tile path: {path!r}")
    level_text, index_text, width_text = match.group("level", "index", "width")
    index = int(index_text.replace("x", "").replace("/", ""))
    if encode_index(index) != index_text:
        raise InvalidInput(f"tile index {index_text!r} is not in canonical form ({encode_index(index)})")
    width = TILE_WIDTH
    if width_text is not None:
        width = int(width_text)
        if not 1 <= width < TILE_WIDTH or width_text != str(width):
            raise InvalidInput(f"partial tile width must be 1 to 255 without leading zeros, got {width_text}")
    level = None if level_text == "entries" else int(level_text)
    if level is not None and level_text != str(level):
        raise InvalidInput(f"tile level {level_text!r} has leading zeros")
    return level, index, width


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry prefixed with its big-endian uint16 length."""
    parts = []
    for entry in entries:
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_bundle(bundle: bytes) -> list[bytes]:
    entries = []
    offset = 0
    while offset < len(bundle):
        if offset + 2 > len(bundle):
            raise InvalidInput("entry bundle ends inside a length prefix")
        length = int.from_bytes(bundle[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(bundle):
            raise InvalidInput("entry bundle ends inside an entry")
        entries.append(bundle[offset : offset + length])
        offset += length
    return entries


def plan_append(
    size: int, new_leaf_hashes: Sequence[bytes], read_partial: Callable[[int, int, int], bytes]
) -> list[TileWrite]:
    """The tile writes that append ``new_leaf_hashes`` to a tree of ``size`` leaves.

    ``read_partial(level, index, width)`` returns the first ``width`` hashes of the rightmost,
    not yet full tile of a level; it is called at most once per level. Completed tiles are
    hashed into the level above, so every level stays in step with the leaves.
    """
    writes: list[TileWrite] = []
    level = 0
    count = size  # hashes at this level before the append
    new = b"".join(new_leaf_hashes)
    while new:
        first_tile, offset = divmod(count, TILE_WIDTH)
        buffer = (read_partial(level, first_tile, offset) if offset else b"") + new
        completed = []
        for position in range(0, len(buffer), FULL_TILE_BYTES):
            chunk = buffer[position : position + FULL_TILE_BYTES]
            writes.append(TileWrite(level, first_tile + position // FULL_TILE_BYTES, chunk))
            if len(chunk) == FULL_TILE_BYTES:
                completed.append(perfect_root(chunk))
        new = b"".join(completed)
        count //= TILE_WIDTH
        level += 1
    return writes
