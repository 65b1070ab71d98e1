"""Sealing a deposit into the store, opening it back, and auditing its chunks."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import pytest
from blake3 import blake3

from custos.core.errors import Conflict, IntegrityFailure, InvalidInput
from custos.escrow.audit import chosen
from custos.escrow.sealing import (
    Plain,
    SealedDeposit,
    associated_data,
    open_deposit,
    seal_deposit,
    verify_chunks,
)
from custos.escrow.stream import SEGMENT_SIZE
from custos.escrow.vault import ProvedChunk, Vault
from custos.ledger.hashing import leaf_hash, reference_root


def chunk_leaf(chunk: bytes) -> bytes:
    """A chunk's leaf, computed apart from the code under test: RFC 9162 over its BLAKE3 digest."""
    return leaf_hash(blake3(chunk).digest())


KEY = bytes(range(32))
MODEL = "01JMODEL"
SIZES = {"model-00001.safetensors": 3 * SEGMENT_SIZE + 123, "tokenizer.json": 1000, "config/config.json": 0}


@pytest.fixture
def plain(tmp_path: Path) -> list[Plain]:
    files = []
    for name, size in SIZES.items():
        path = tmp_path / "plain" / name.replace("/", "_")
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(size))
        files.append(Plain(name, path, "weights" if "safetensors" in name else "config", "raw"))
    return files


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(str(tmp_path / "store"))


@pytest.fixture
def deposit(vault: Vault, plain: list[Plain]) -> SealedDeposit:
    return seal_deposit(vault, "dep-1", KEY, MODEL, plain)


def object_path(tmp_path: Path, deposit: SealedDeposit, position: int) -> Path:
    return tmp_path / "store" / "dep-1" / "objects" / deposit.components[position].object_name


def test_the_manifest_describes_each_component(deposit: SealedDeposit, plain: list[Plain]) -> None:
    assert [c.name for c in deposit.components] == [p.name for p in plain]
    first = deposit.components[0]
    assert first.size == SIZES[first.name]
    assert first.sha256 == hashlib.sha256(plain[0].source.read_bytes()).hexdigest()
    assert (first.first_chunk, first.chunk_count) == (0, 4)
    assert [(c.first_chunk, c.chunk_count) for c in deposit.components[1:]] == [(4, 1), (5, 1)]
    assert deposit.total_chunks == 6


def test_the_root_covers_every_stored_chunk_in_order(
    deposit: SealedDeposit, vault: Vault, tmp_path: Path
) -> None:
    stored = b""
    chunks = []
    for position in range(3):
        stored = object_path(tmp_path, deposit, position).read_bytes()
        chunks += [stored[i : i + SEGMENT_SIZE] for i in range(0, len(stored), SEGMENT_SIZE)]
    assert deposit.chunk_root == reference_root([chunk_leaf(chunk) for chunk in chunks]).hex()


def test_a_deposit_opens_back_byte_for_byte(
    deposit: SealedDeposit, vault: Vault, plain: list[Plain], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    seen: list[int] = []
    opened = open_deposit(
        vault, "dep-1", KEY, MODEL, deposit.components, deposit.chunk_root, out, progress=seen.append
    )
    for component, original in zip(opened, plain, strict=True):
        assert component.path == out / original.name
        assert component.path.read_bytes() == original.source.read_bytes()
    assert sum(seen) == sum(SIZES.values())


def test_a_tampered_chunk_is_named_by_its_global_index(
    deposit: SealedDeposit, vault: Vault, tmp_path: Path
) -> None:
    path = object_path(tmp_path, deposit, 1)
    data = bytearray(path.read_bytes())
    data[500] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityFailure) as caught:
        open_deposit(vault, "dep-1", KEY, MODEL, deposit.components, deposit.chunk_root, tmp_path / "out")
    assert caught.value.evidence["chunk"] == 4
    assert "'tokenizer.json'" in caught.value.message
    assert not (tmp_path / "out" / "tokenizer.json").exists()
    assert (tmp_path / "out" / "model-00001.safetensors").exists()


def test_a_reordered_chunk_names_whose_ciphertext_it_holds(
    deposit: SealedDeposit, vault: Vault, tmp_path: Path
) -> None:
    path = object_path(tmp_path, deposit, 0)
    data = path.read_bytes()
    chunks = [data[i : i + SEGMENT_SIZE] for i in range(0, len(data), SEGMENT_SIZE)]
    path.write_bytes(chunks[0] + chunks[2] + chunks[1] + chunks[3])
    with pytest.raises(IntegrityFailure, match="chunk 1 holds chunk 2's ciphertext") as caught:
        open_deposit(vault, "dep-1", KEY, MODEL, deposit.components, deposit.chunk_root, tmp_path / "out")
    assert not (tmp_path / "out" / "model-00001.safetensors").exists()
    assert caught.value.evidence["holds"] == 2


def test_a_truncated_object_is_refused(deposit: SealedDeposit, vault: Vault, tmp_path: Path) -> None:
    path = object_path(tmp_path, deposit, 0)
    path.write_bytes(path.read_bytes()[: 3 * SEGMENT_SIZE])
    with pytest.raises(IntegrityFailure, match="truncated") as caught:
        open_deposit(vault, "dep-1", KEY, MODEL, deposit.components, deposit.chunk_root, tmp_path / "out")
    assert caught.value.evidence["chunk"] == 3
    assert not (tmp_path / "out" / "model-00001.safetensors").exists()


def test_a_manifest_mismatch_is_refused(deposit: SealedDeposit, vault: Vault, tmp_path: Path) -> None:
    components = list(deposit.components)
    components[1] = dataclasses.replace(components[1], sha256="0" * 64)
    with pytest.raises(IntegrityFailure, match=r"'tokenizer\.json' does not match the manifest"):
        open_deposit(vault, "dep-1", KEY, MODEL, components, deposit.chunk_root, tmp_path / "out")
    assert not (tmp_path / "out" / "tokenizer.json").exists()


def test_a_component_opened_as_another_model_fails(
    deposit: SealedDeposit, vault: Vault, tmp_path: Path
) -> None:
    with pytest.raises(IntegrityFailure) as caught:
        open_deposit(
            vault, "dep-1", KEY, "01JOTHER", deposit.components, deposit.chunk_root, tmp_path / "out"
        )
    assert caught.value.evidence["chunk"] == 0
    assert associated_data(MODEL, "a") == b"custos-escrow/v1\x0001JMODEL\x00a"


def test_existing_outputs_are_not_overwritten(deposit: SealedDeposit, vault: Vault, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "model-00001.safetensors").write_bytes(b"mine")
    with pytest.raises(Conflict):
        open_deposit(vault, "dep-1", KEY, MODEL, deposit.components, deposit.chunk_root, out)
    assert (out / "model-00001.safetensors").read_bytes() == b"mine"


def test_a_reference_is_sealed_once(deposit: SealedDeposit, vault: Vault, plain: list[Plain]) -> None:
    with pytest.raises(Conflict):
        seal_deposit(vault, "dep-1", KEY, MODEL, plain)


@pytest.mark.parametrize("name", ["../escape", "/abs", "a//b", "a\\b", ""])
def test_unsafe_component_names_are_refused_before_anything_is_stored(
    vault: Vault, plain: list[Plain], name: str
) -> None:
    bad = [Plain(name, plain[0].source, "weights", "raw")]
    with pytest.raises(InvalidInput):
        seal_deposit(vault, "dep-2", KEY, MODEL, bad)
    assert not vault.exists("dep-2")


def test_duplicate_names_and_missing_files_are_refused(
    vault: Vault, plain: list[Plain], tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="distinct"):
        seal_deposit(vault, "dep-2", KEY, MODEL, [plain[0], plain[0]])
    with pytest.raises(InvalidInput, match="not a readable file"):
        seal_deposit(vault, "dep-2", KEY, MODEL, [Plain("x", tmp_path / "absent", "weights", "raw")])
    assert not vault.exists("dep-2")


def test_a_failure_part_way_leaves_nothing_stored(vault: Vault, plain: list[Plain]) -> None:
    def fail_on_second_component(done: int) -> None:
        if done == SIZES["tokenizer.json"]:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        seal_deposit(vault, "dep-2", KEY, MODEL, plain, progress=fail_on_second_component)
    assert not vault.exists("dep-2")


def test_audited_chunks_verify_and_bad_ones_are_reported(deposit: SealedDeposit, vault: Vault) -> None:
    indices = chosen("dep-1", 7, b"checkpoint root", deposit.total_chunks)[:3]
    proved = vault.prove("dep-1", indices)
    assert verify_chunks(deposit.chunk_root, deposit.total_chunks, proved) == []
    forged = ProvedChunk(proved[0].index, proved[0].data[:-1] + b"\x00", proved[0].proof)
    moved = ProvedChunk((proved[1].index + 1) % deposit.total_chunks, proved[1].data, proved[1].proof)
    failures = verify_chunks(deposit.chunk_root, deposit.total_chunks, [forged, moved, proved[2]])
    assert [failure.index for failure in failures] == [forged.index, moved.index]


def test_a_lying_sidecar_cannot_pass_an_audit(deposit: SealedDeposit, vault: Vault, tmp_path: Path) -> None:
    path = object_path(tmp_path, deposit, 0)
    data = bytearray(path.read_bytes())
    data[SEGMENT_SIZE + 7] ^= 1
    path.write_bytes(bytes(data))
    (tmp_path / "store" / "dep-1" / "leaves").write_bytes(
        b"".join(chunk_leaf(vault.read_chunk("dep-1", i)) for i in range(deposit.total_chunks))
    )
    failures = verify_chunks(deposit.chunk_root, deposit.total_chunks, vault.prove("dep-1", [1, 2]))
    assert [failure.index for failure in failures] == [1, 2]
