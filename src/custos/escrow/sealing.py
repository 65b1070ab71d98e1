"""Sealing a deposit's files into the escrow store, opening them back, and checking audited chunks.

Each component is sealed as its own stream under the deposit's data key, with associated data
``b"custos-escrow/v1\\0" + model_id + b"\\0" + name``. The key derived for a stream depends on
it, so a component decrypts only as the component of the model it was sealed for: a store
cannot pass one model's weights off as another's, nor swap a tokenizer for a shard of the same
deposit, even though one data key seals them all. The version prefix keeps these streams apart
from any other use of the key; names and ids hold no NUL, so the encoding is unambiguous.

The chunks of all components, in manifest order, are the leaves of the deposit's Merkle tree,
whose root the deposit filing commits to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from custos.core.errors import Conflict, IntegrityFailure, InvalidInput, NotFound
from custos.escrow.stream import KEY_SIZE, ChunkError, Progress, seal, segment_leaf, unseal
from custos.escrow.vault import ObjectChunks, ProvedChunk, Vault
from custos.ledger.merkle_tree import MerkleTree
from custos.ledger.proofs import ProofError, verify_inclusion

_DOMAIN = b"custos-escrow/v1\x00"


@dataclass(frozen=True)
class Plain:
    """A component to seal: its name in the deposit, the file holding it, its role and format."""

    name: str
    source: Path
    role: str
    format: str


@dataclass(frozen=True)
class SealedComponent:
    name: str
    role: str
    format: str
    size: int
    sha256: str
    object_name: str
    first_chunk: int
    chunk_count: int


@dataclass(frozen=True)
class SealedDeposit:
    components: tuple[SealedComponent, ...]
    total_chunks: int
    chunk_root: str


@dataclass(frozen=True)
class OpenedComponent:
    name: str
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class ChunkFailure:
    """An audited chunk that does not belong to the committed tree, and why."""

    index: int
    problem: str


def associated_data(model_id: str, name: str) -> bytes:
    return _DOMAIN + model_id.encode() + b"\x00" + name.encode()


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise InvalidInput(f"the data key must be {KEY_SIZE} bytes, got {len(key)}")


def _check_model(model_id: str) -> None:
    if not model_id or "\x00" in model_id:
        raise InvalidInput("the model id must be non-empty and hold no NUL character")


def _check_name(name: str) -> None:
    """A component name is a relative path that stays inside the directory it is opened into."""
    parts = name.split("/")
    if not name or "\x00" in name or "\\" in name or any(part in ("", ".", "..") for part in parts):
        raise InvalidInput(
            f"component name {name!r} must be a relative path of plain segments (no '..', '.', "
            "empty segment, backslash or NUL)"
        )


def _check_names(names: Sequence[str]) -> None:
    for name in names:
        _check_name(name)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidInput(f"component names must be distinct; repeated: {', '.join(repeated)}")


def object_name(position: int) -> str:
    """The store object of a deposit's component at ``position``: the order is the manifest's,
    so the name follows from the filing alone."""
    return f"component-{position:04d}.sealed"


def seal_deposit(
    vault: Vault,
    reference: str,
    key: bytes,
    model_id: str,
    components: Sequence[Plain],
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> SealedDeposit:
    """Seal every component into ``vault`` under ``reference`` and commit to their chunks.

    Nothing is left in the store if any component fails.
    """
    _check_key(key)
    _check_model(model_id)
    if not components:
        raise InvalidInput("a deposit needs at least one component")
    _check_names([plain.name for plain in components])
    for plain in components:
        if not plain.source.is_file():
            raise InvalidInput(f"component {plain.name!r}: {plain.source} is not a readable file")
    vault.claim(reference)
    sealed: list[SealedComponent] = []
    leaves: list[bytes] = []
    try:
        for position, plain in enumerate(components):
            name_in_store = object_name(position)
            with (
                plain.source.open("rb", buffering=0) as source,
                vault.writer(reference, name_in_store) as sink,
            ):
                result = seal(
                    key,
                    associated_data(model_id, plain.name),
                    source,
                    sink,
                    workers=workers,
                    progress=progress,
                )
            sealed.append(
                SealedComponent(
                    name=plain.name,
                    role=plain.role,
                    format=plain.format,
                    size=result.plaintext_size,
                    sha256=result.plaintext_sha256,
                    object_name=name_in_store,
                    first_chunk=len(leaves),
                    chunk_count=len(result.leaves),
                )
            )
            leaves.extend(result.leaves)
        vault.write_leaves(reference, [ObjectChunks(c.object_name, c.chunk_count) for c in sealed], leaves)
    except BaseException:
        vault.discard(reference)
        raise
    return SealedDeposit(
        components=tuple(sealed), total_chunks=len(leaves), chunk_root=MerkleTree(leaves).root().hex()
    )


def _trusted_leaves(vault: Vault, reference: str, chunk_root: str, total: int) -> list[bytes] | None:
    """The stored leaf hashes when they are exactly the committed ones, else None.

    They only serve to name whose ciphertext a refused chunk holds: decryption and the
    manifest's digests check the content without them.
    """
    try:
        leaves = vault.read_leaves(reference)
    except (IntegrityFailure, NotFound):
        return None
    if len(leaves) != total or MerkleTree(leaves).root().hex() != chunk_root:
        return None
    return leaves


def _chunk_failure(
    component: SealedComponent, error: ChunkError, leaves: list[bytes] | None
) -> IntegrityFailure:
    chunk = component.first_chunk + error.index
    evidence: dict[str, object] = {"component": component.name, "chunk": chunk}
    if leaves is not None and error.leaf and error.leaf in leaves:
        holds = leaves.index(error.leaf)
        if holds != chunk:
            evidence["holds"] = holds
            return IntegrityFailure(
                f"component {component.name!r}: chunk {chunk} holds chunk {holds}'s ciphertext",
                evidence=evidence,
            )
    evidence["problem"] = error.problem
    return IntegrityFailure(
        f"component {component.name!r}: chunk {chunk} (segment {error.index} of its stream) {error.problem}",
        evidence=evidence,
    )


def _open_one(
    vault: Vault,
    reference: str,
    key: bytes,
    model_id: str,
    component: SealedComponent,
    target: Path,
    leaves: list[bytes] | None,
    workers: int,
    progress: Progress | None,
) -> OpenedComponent:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with vault.reader(reference, component.object_name) as source, target.open("xb") as sink:
            opened = unseal(
                key,
                associated_data(model_id, component.name),
                source,
                sink,
                workers=workers,
                progress=progress,
            )
    except FileExistsError as error:
        raise Conflict(f"component {component.name!r}: {target} already exists") from error
    except ChunkError as error:
        target.unlink(missing_ok=True)
        raise _chunk_failure(component, error, leaves) from error
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if opened.plaintext_size != component.size or opened.plaintext_sha256 != component.sha256:
        target.unlink(missing_ok=True)
        raise IntegrityFailure(
            f"component {component.name!r} does not match the manifest",
            evidence={
                "component": component.name,
                "size": f"{opened.plaintext_size} (manifest {component.size})",
                "sha256": f"{opened.plaintext_sha256} (manifest {component.sha256})",
            },
        )
    return OpenedComponent(component.name, target, opened.plaintext_size, opened.plaintext_sha256)


def open_deposit(
    vault: Vault,
    reference: str,
    key: bytes,
    model_id: str,
    components: Sequence[SealedComponent],
    chunk_root: str,
    target_dir: Path,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> list[OpenedComponent]:
    """Decrypt every component into ``target_dir/name`` and check it against the manifest.

    Raises ``IntegrityFailure`` naming the component (and the deposit-wide chunk index when a
    chunk is refused); the output file of a component that fails is removed.
    """
    _check_key(key)
    _check_model(model_id)
    _check_names([component.name for component in components])
    expected = 0
    for component in components:
        if component.first_chunk != expected:
            raise InvalidInput(
                f"component {component.name!r} starts at chunk {component.first_chunk}, expected {expected}"
            )
        expected += component.chunk_count
    leaves = _trusted_leaves(vault, reference, chunk_root, expected)
    return [
        _open_one(
            vault, reference, key, model_id, component, target_dir / component.name, leaves, workers, progress
        )
        for component in components
    ]


def verify_chunks(chunk_root: str, total: int, proved: Sequence[ProvedChunk]) -> list[ChunkFailure]:
    """Check each proved chunk against the committed root; the failures, empty when all hold."""
    root = bytes.fromhex(chunk_root)
    failures: list[ChunkFailure] = []
    for chunk in proved:
        try:
            verify_inclusion(
                root=root, size=total, index=chunk.index, leaf=segment_leaf(chunk.data), proof=chunk.proof
            )
        except ProofError as error:
            failures.append(ChunkFailure(chunk.index, error.message))
    return failures
