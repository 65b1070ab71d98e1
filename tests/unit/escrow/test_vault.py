"""The escrow store on a local directory and on fsspec's memory filesystem."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from blake3 import blake3

from custos.core.errors import Conflict, IntegrityFailure, InvalidInput, NotFound
from custos.escrow.stream import SEGMENT_SIZE, seal
from custos.escrow.vault import ObjectChunks, Vault
from custos.ledger.hashing import leaf_hash
from custos.ledger.merkle_tree import MerkleTree
from custos.ledger.proofs import verify_inclusion


def chunk_leaf(chunk: bytes) -> bytes:
    """A chunk's leaf, computed apart from the code under test: RFC 9162 over its BLAKE3 digest."""
    return leaf_hash(blake3(chunk).digest())


KEY = bytes(range(32))


@pytest.fixture(params=["directory", "memory"])
def vault(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Vault]:
    if request.param == "directory":
        yield Vault(str(tmp_path / "store"))
    else:
        url = f"memory://escrow-{uuid.uuid4().hex}"
        yield Vault(url)
        Vault(url).discard("dep-1")


def store_two_objects(vault: Vault) -> tuple[list[bytes], list[bytes]]:
    """Seal two streams (3 and 2 chunks) into deposit dep-1; return their chunks and leaves."""
    chunks: list[bytes] = []
    leaves: list[bytes] = []
    layout = []
    for name, size in (("a.sealed", 2 * SEGMENT_SIZE + 10), ("b.sealed", SEGMENT_SIZE + 5)):
        with vault.writer("dep-1", name) as sink:
            result = seal(KEY, name.encode(), io.BytesIO(os.urandom(size)), sink)
        with vault.reader("dep-1", name) as source:
            data = source.read()
        chunks += [data[i : i + SEGMENT_SIZE] for i in range(0, len(data), SEGMENT_SIZE)]
        leaves += result.leaves
        layout.append(ObjectChunks(name, len(result.leaves)))
    vault.write_leaves("dep-1", layout, leaves)
    return chunks, leaves


def test_objects_and_leaves_round_trip(vault: Vault) -> None:
    chunks, leaves = store_two_objects(vault)
    assert len(chunks) == 5
    assert vault.read_leaves("dep-1") == leaves == [chunk_leaf(chunk) for chunk in chunks]
    assert vault.read_layout("dep-1") == [ObjectChunks("a.sealed", 3), ObjectChunks("b.sealed", 2)]
    assert vault.exists("dep-1") and not vault.exists("dep-2")


def test_chunks_are_read_by_global_index(vault: Vault) -> None:
    chunks, _ = store_two_objects(vault)
    for index, chunk in enumerate(chunks):
        assert vault.read_chunk("dep-1", index) == chunk
    with pytest.raises(InvalidInput, match="outside"):
        vault.read_chunk("dep-1", 5)


def test_proofs_verify_against_the_root_of_the_sealed_leaves(vault: Vault) -> None:
    chunks, leaves = store_two_objects(vault)
    root = MerkleTree(leaves).root()
    for proved in vault.prove("dep-1", [0, 2, 3, 4]):
        assert proved.data == chunks[proved.index]
        verify_inclusion(
            root=root,
            size=5,
            index=proved.index,
            leaf=chunk_leaf(proved.data),
            proof=proved.proof,
        )


@pytest.mark.parametrize("reference", ["../outside", "a/b", "", ".hidden", "x" * 200, "a\x00"])
def test_references_that_escape_the_store_are_refused(vault: Vault, reference: str) -> None:
    with pytest.raises(InvalidInput, match="deposit reference"):
        vault.writer(reference, "a.sealed")


@pytest.mark.parametrize("name", ["../leaves", "../../x", "sub/dir", ".."])
def test_object_names_that_escape_are_refused(vault: Vault, name: str) -> None:
    with pytest.raises(InvalidInput, match="object name"):
        vault.reader("dep-1", name)


def test_missing_things_are_not_found(vault: Vault) -> None:
    with pytest.raises(NotFound):
        vault.reader("dep-1", "a.sealed")
    with pytest.raises(NotFound):
        vault.read_leaves("dep-1")


def test_a_claimed_reference_is_a_conflict_and_discard_removes_it(vault: Vault) -> None:
    store_two_objects(vault)
    with pytest.raises(Conflict):
        vault.claim("dep-1")
    vault.discard("dep-1")
    assert not vault.exists("dep-1")
    vault.claim("dep-1")


def test_a_torn_leaves_sidecar_is_an_integrity_failure(tmp_path: Path) -> None:
    vault = Vault(str(tmp_path))
    store_two_objects(vault)
    (tmp_path / "dep-1" / "leaves").write_bytes(b"x" * 33)
    with pytest.raises(IntegrityFailure):
        vault.read_leaves("dep-1")


def test_layout_and_leaves_must_agree(vault: Vault) -> None:
    with pytest.raises(InvalidInput, match="layout counts"):
        vault.write_leaves("dep-1", [ObjectChunks("a.sealed", 2)], [bytes(32)])
