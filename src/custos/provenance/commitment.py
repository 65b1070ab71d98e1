"""A provider's commitment to its training-data manifest, the reveal of sampled records, and
their verification.

Record ``i`` is a leaf of an RFC 9162 tree: ``SHA-256(0x00 || salt_i || canonical record)``,
in manifest (line) order. Salt ``i`` is bytes ``[16i, 16i+16)`` of the keyed BLAKE3 output
stream of the provider's 32-byte key, so the provider keeps one key beside its manifest, and
revealing some salts tells nothing of the others. Only the root, the record count and the
composition leave the provider.

Committing a manifest of millions of records is the provider's cost, so it runs on every core:
the parent reads the file once to cut it into chunks on line boundaries and count their lines,
and hands each chunk, with the index of its first record, to a worker
(:mod:`custos.provenance.commitment_worker`). Blocks of ``2**k`` records aligned on record
indices are complete subtrees of the RFC tree, and the RFC's split never cuts one (nor the
last, partial block), so the root is the RFC root over the blocks' roots. The parent cuts the
chunks on block boundaries, the workers hash whole blocks, and the parent hashes only the few
thousand block roots.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import secrets
import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import orjson

from custos.core.errors import Conflict, InvalidInput
from custos.ledger.hashing import HASH_SIZE
from custos.ledger.merkle_tree import MerkleTree
from custos.ledger.proofs import ProofError, verify_inclusion
from custos.provenance.commitment_worker import (
    SALT_SIZE,
    Chunk,
    ChunkHashes,
    Found,
    block_salts,
    hash_chunk,
)
from custos.provenance.records import COMPOSITION_DIMENSIONS, ManifestRecord, RevealedRecord, record_bytes

__all__ = [
    "SALT_SIZE",
    "ManifestCommitment",
    "commit_manifest",
    "new_key",
    "read_key",
    "record_leaf",
    "reveal",
    "salts",
    "verify_revealed",
    "write_key",
]

KEY_SIZE = 32
#: Records per block: a worker returns one root per block.
_BLOCK = 2**10
#: Bytes of manifest per chunk of work: large enough that handing it over costs little, small
#: enough that the two cores finish together.
_CHUNK_BYTES = 2**21


def new_key() -> bytes:
    """A fresh salt key: the provider keeps it with the manifest, to reveal records later."""
    return secrets.token_bytes(KEY_SIZE)


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise InvalidInput(f"a salt key is {KEY_SIZE} bytes, got {len(key)}")


def salts(key: bytes, start: int, count: int) -> list[bytes]:
    """Salts of records ``start .. start+count-1``."""
    _check_key(key)
    if start < 0 or count < 0:
        raise InvalidInput(f"salts need a non-negative start and count, got {start} and {count}")
    stream = block_salts(key, start, count)
    return [stream[SALT_SIZE * i : SALT_SIZE * i + SALT_SIZE] for i in range(count)]


def record_leaf(salt: bytes, record: bytes) -> bytes:
    """RFC 9162 leaf hash of a salted record: SHA-256(0x00 || salt || canonical record)."""
    return hashlib.sha256(b"\x00" + salt + record).digest()


def write_key(path: Path, key: bytes) -> None:
    """Write a salt key as hex, readable by its owner only; an existing key is never overwritten,
    since the records committed under it could no longer be revealed."""
    _check_key(key)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise Conflict(f"{path} already exists: keep the key a commitment was made with") from exc
    with os.fdopen(descriptor, "w") as out:
        out.write(key.hex() + "\n")


def read_key(path: Path) -> bytes:
    """Read a salt key written by :func:`write_key`."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the salt key {path}: {exc}") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_SIZE or text != key.hex():
        raise InvalidInput(f"{path} does not hold a salt key: expected {2 * KEY_SIZE} lower-case hex digits")
    return key


@dataclass(frozen=True)
class ManifestCommitment:
    """What a provider files: the root, the record count, and the count of records per category
    of each composition dimension."""

    root: bytes
    count: int
    composition: dict[str, dict[str, int]]


@dataclass(frozen=True)
class _Tree:
    """The manifest's tree as the parent holds it: the tree over its blocks' roots, the count of
    records per composition cell, and the wanted records the workers found."""

    count: int
    blocks: MerkleTree
    cells: Counter[tuple[bytes, bytes, bytes]]
    found: list[Found]


def _ranges(path: Path) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, first record, records) of chunks of about ``_CHUNK_BYTES``, each ending on the
    line that closes a block, except the last, which ends the file.

    A read that holds no block boundary is read again twice as long; the lines after the
    boundary are read again as the start of the next chunk.
    """
    start = first = 0
    size = _CHUNK_BYTES
    with path.open("rb") as manifest:
        while True:
            manifest.seek(start)
            data = manifest.read(size)
            lines = data.count(b"\n")
            if len(data) < size:
                if data:
                    yield start, start + len(data), first, lines + (not data.endswith(b"\n"))
                return
            boundary = (first + lines) // _BLOCK * _BLOCK
            if boundary <= first:
                size *= 2
                continue
            cut = len(data)
            for _ in range(first + lines - boundary + 1):
                cut = data.rfind(b"\n", 0, cut)
            yield start, start + cut + 1, first, boundary - first
            start, first, size = start + cut + 1, boundary, _CHUNK_BYTES


def _chunks(path: Path, key: bytes, wanted: Sequence[int]) -> Iterator[Chunk]:
    for start, end, first, records in _ranges(path):
        inside = wanted[bisect_left(wanted, first) : bisect_left(wanted, first + records)]
        yield Chunk(path, start, end, first, key, _BLOCK, tuple(inside))


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork when this process runs one thread (workers start at once, with every module loaded);
    otherwise a fresh interpreter per worker, since forking a process that runs threads can
    deadlock."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _hashed(path: Path, key: bytes, workers: int, wanted: Sequence[int]) -> Iterator[ChunkHashes]:
    """Every chunk's hashes, in file order; the first bad line met in that order is raised."""
    chunks = _chunks(path, key, wanted)
    if workers == 1 or path.stat().st_size <= _CHUNK_BYTES:
        yield from map(hash_chunk, chunks)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    try:
        yield from pool.map(hash_chunk, chunks)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _tree(
    path: Path, key: bytes, workers: int | None, progress: Callable[[int], None] | None, wanted: Sequence[int]
) -> _Tree:
    _check_key(key)
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise InvalidInput(f"committing needs at least one worker, got {workers}")
    if not path.is_file():
        raise InvalidInput(f"no manifest at {path}")
    if path.stat().st_size == 0:
        raise InvalidInput(f"the manifest {path} is empty: a commitment needs at least one record")
    roots: list[bytes] = []
    cells: Counter[tuple[bytes, bytes, bytes]] = Counter()
    found: list[Found] = []
    count = 0
    for hashes in _hashed(path, key, workers, wanted):
        count += hashes.count
        roots.extend(hashes.roots)
        cells.update(hashes.cells)
        found.extend(hashes.found)
        if progress:
            progress(count)
    return _Tree(count, MerkleTree(roots), cells, found)


def _composition(cells: Counter[tuple[bytes, bytes, bytes]]) -> dict[str, dict[str, int]]:
    composition: dict[str, dict[str, int]] = {dimension: {} for dimension in COMPOSITION_DIMENSIONS}
    for cell, records in cells.items():
        for dimension, category in zip(COMPOSITION_DIMENSIONS, cell, strict=True):
            name = category.decode()
            composition[dimension][name] = composition[dimension].get(name, 0) + records
    return {dimension: dict(sorted(counts.items())) for dimension, counts in composition.items()}


def commit_manifest(
    path: Path,
    key: bytes,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ManifestCommitment:
    """Commit to the manifest at ``path`` under the salt key ``key``.

    ``workers`` processes share the work (all cores when None); ``progress`` is called with the
    number of records committed so far as chunks complete. A malformed or blank line is refused
    with its line number and field, and so is an empty manifest.
    """
    tree = _tree(path, key, workers, progress, ())
    return ManifestCommitment(root=tree.blocks.root(), count=tree.count, composition=_composition(tree.cells))


def reveal(path: Path, key: bytes, indices: Sequence[int]) -> list[RevealedRecord]:
    """The provider's side of a sample: the records at ``indices`` with their salts and inclusion
    proofs, in the order asked. Rebuilds the tree, so it costs about what the commitment did."""
    wanted = sorted(indices)
    for earlier, later in pairwise(wanted):
        if earlier == later:
            raise InvalidInput(f"record {later} is asked for twice")
    if wanted and wanted[0] < 0:
        raise InvalidInput(f"record index {wanted[0]} is negative")
    tree = _tree(path, key, None, None, wanted)
    if wanted and wanted[-1] >= tree.count:
        raise InvalidInput(f"record {wanted[-1]} is outside a manifest of {tree.count} records")
    revealed = {found.index: _revealed(tree, found) for found in tree.found}
    return [revealed[index] for index in indices]


def _revealed(tree: _Tree, found: Found) -> RevealedRecord:
    proof = (*found.block_proof, *tree.blocks.inclusion_proof(found.index // _BLOCK))
    return RevealedRecord(
        index=found.index,
        record=ManifestRecord.model_validate(orjson.loads(found.canonical)),
        salt=found.salt.hex(),
        proof=tuple(node.hex() for node in proof),
    )


def verify_revealed(root: bytes, count: int, revealed: Sequence[RevealedRecord]) -> None:
    """Check every revealed record against the commitment (``root`` over ``count`` records).

    Raises InvalidInput naming the first record that fails and why: its proof does not lead to
    the root, its index is outside the tree or repeated, or its salt is not 16 bytes.
    """
    if len(root) != HASH_SIZE:
        raise InvalidInput(f"a commitment root is {HASH_SIZE} bytes, got {len(root)}")
    if count < 1:
        raise InvalidInput(f"a commitment holds at least one record, got {count}")
    seen: set[int] = set()
    for item in revealed:
        index = item.index
        if index in seen:
            raise InvalidInput(f"record {index} is revealed twice")
        seen.add(index)
        if not 0 <= index < count:
            raise InvalidInput(f"record {index} is outside a manifest of {count} records")
        salt = bytes.fromhex(item.salt)
        if len(salt) != SALT_SIZE:
            raise InvalidInput(f"record {index}: a salt is {SALT_SIZE} bytes, got {len(salt)}")
        leaf = record_leaf(salt, record_bytes(item.record))
        try:
            verify_inclusion(
                index=index,
                size=count,
                leaf=leaf,
                proof=[bytes.fromhex(node) for node in item.proof],
                root=root,
            )
        except (ProofError, ValueError) as exc:
            raise InvalidInput(f"record {index} does not verify against the commitment: {exc}") from exc
