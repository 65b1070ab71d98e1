"""The escrow store: where a deposit's sealed streams and its chunk index live, on fsspec.

A plain path is a local directory; any fsspec URL (``s3://``, ``gs://``, ``memory://``) an object
store. Per deposit reference the store holds::

    <reference>/objects/<object>   one sealed stream per component
    <reference>/leaves             the leaf hash of every chunk, 32 bytes each, in deposit order
    <reference>/layout.json        the objects in deposit order with their chunk counts

The store is not trusted: it keeps ciphertext it cannot read, and the sidecars only help it
answer audits. A verifier checks every chunk it is shown against the root committed in the
deposit filing, never against the sidecars. Components are streamed (never read whole) and
chunks are read by range, since weights run to hundreds of gigabytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import fsspec  # type: ignore[import-untyped]

from custos.core.errors import Conflict, IntegrityFailure, InvalidInput, NotFound
from custos.escrow.stream import SEGMENT_SIZE
from custos.ledger.hashing import HASH_SIZE
from custos.ledger.merkle_tree import MerkleTree

# One path segment of safe characters, starting with a letter or digit: never "..", never a
# separator, so nothing named by a caller can reach outside its deposit.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class ProvedChunk:
    """A stored chunk with the audit path that places it in the deposit's tree."""

    index: int
    data: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class ObjectChunks:
    """One component's sealed stream and how many chunks it holds."""

    object_name: str
    chunks: int


def _checked(kind: str, name: str) -> str:
    if not _SAFE_NAME.fullmatch(name):
        raise InvalidInput(
            f"{kind} {name!r} is not a safe store name (letters, digits, '.', '_', '-', "
            "starting with a letter or digit, at most 128 characters)"
        )
    return name


class Vault:
    """An escrow store rooted at ``url``."""

    def __init__(self, url: str) -> None:
        try:
            filesystem, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:  # an unknown protocol, or its package not installed
            raise InvalidInput(f"the escrow store {url!r} cannot be used: {exc}") from exc
        self._fs: Any = filesystem
        self._root = cast(str, root).rstrip("/")

    def _deposit(self, reference: str) -> str:
        return f"{self._root}/{_checked('deposit reference', reference)}"

    def _object(self, reference: str, object_name: str) -> str:
        return f"{self._deposit(reference)}/objects/{_checked('object name', object_name)}"

    def exists(self, reference: str) -> bool:
        return bool(self._fs.exists(self._deposit(reference)))

    def writer(self, reference: str, object_name: str) -> BinaryIO:
        """A streaming file object to write one component's sealed stream to."""
        path = self._object(reference, object_name)
        self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        return cast(BinaryIO, self._fs.open(path, "wb"))

    def reader(self, reference: str, object_name: str) -> BinaryIO:
        """A streaming file object over one component's sealed stream."""
        path = self._object(reference, object_name)
        if not self._fs.exists(path):
            raise NotFound(f"deposit {reference!r} holds no object {object_name!r}")
        return cast(BinaryIO, self._fs.open(path, "rb"))

    def write_leaves(self, reference: str, layout: Sequence[ObjectChunks], leaves: Sequence[bytes]) -> None:
        """Store the deposit's chunk index: its leaf hashes and which object holds which chunks."""
        if sum(part.chunks for part in layout) != len(leaves):
            raise InvalidInput(
                f"the layout counts {sum(part.chunks for part in layout)} chunks, the leaves {len(leaves)}"
            )
        if any(len(leaf) != HASH_SIZE for leaf in leaves):
            raise InvalidInput(f"every leaf hash must be {HASH_SIZE} bytes")
        for part in layout:
            _checked("object name", part.object_name)
        base = self._deposit(reference)
        self._fs.makedirs(base, exist_ok=True)
        self._fs.pipe_file(f"{base}/leaves", b"".join(leaves))
        listing = [{"object": part.object_name, "chunks": part.chunks} for part in layout]
        self._fs.pipe_file(f"{base}/layout.json", json.dumps(listing).encode())

    def read_leaves(self, reference: str) -> list[bytes]:
        data = self._sidecar(reference, "leaves")
        if len(data) % HASH_SIZE:
            raise IntegrityFailure(
                f"the leaves of deposit {reference!r} are {len(data)} bytes, not a whole number of hashes"
            )
        return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]

    def read_layout(self, reference: str) -> list[ObjectChunks]:
        try:
            listing = json.loads(self._sidecar(reference, "layout.json"))
            return [
                ObjectChunks(_checked("object name", item["object"]), int(item["chunks"])) for item in listing
            ]
        except (ValueError, TypeError, KeyError) as error:
            raise IntegrityFailure(f"the layout of deposit {reference!r} is unreadable: {error}") from error

    def read_chunk(self, reference: str, index: int, layout: Sequence[ObjectChunks] | None = None) -> bytes:
        """Chunk ``index`` of the deposit (counted across components), read by range."""
        parts = self.read_layout(reference) if layout is None else layout
        first = 0
        for part in parts:
            if first <= index < first + part.chunks:
                local = index - first
                path = self._object(reference, part.object_name)
                start = local * SEGMENT_SIZE
                return bytes(self._fs.cat_file(path, start=start, end=start + SEGMENT_SIZE))
            first += part.chunks
        raise InvalidInput(f"chunk {index} is outside deposit {reference!r} of {first} chunks")

    def prove(self, reference: str, indices: Sequence[int]) -> list[ProvedChunk]:
        """Each requested chunk with its inclusion proof, built from the stored leaf hashes."""
        tree = MerkleTree(self.read_leaves(reference))
        layout = self.read_layout(reference)
        return [
            ProvedChunk(
                index=index,
                data=self.read_chunk(reference, index, layout),
                proof=tuple(tree.inclusion_proof(index)),
            )
            for index in indices
        ]

    def discard(self, reference: str) -> None:
        """Remove everything stored for ``reference`` (a deposit that failed part-way)."""
        path = self._deposit(reference)
        if self._fs.exists(path):
            self._fs.rm(path, recursive=True)

    def claim(self, reference: str) -> None:
        """Refuse a reference the store already holds, so a deposit is never overwritten."""
        if self.exists(reference):
            raise Conflict(f"the escrow store already holds deposit {reference!r}")

    def _sidecar(self, reference: str, name: str) -> bytes:
        path = f"{self._deposit(reference)}/{name}"
        if not self._fs.exists(path):
            raise NotFound(f"deposit {reference!r} has no {name} in the escrow store")
        return bytes(self._fs.cat_file(path))
