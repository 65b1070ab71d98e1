from __future__ import annotations

from pathlib import Path

import pytest

from custos.core.errors import Conflict
from custos.ledger import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    FileWitnessState,
    LogReader,
    MemoryTiles,
    Note,
    Signer,
    Witness,
    leaf_hashes,
)


def grow(tiles: MemoryTiles, count: int, tag: bytes = b"") -> None:
    tiles.append(leaf_hashes([tag + (tiles.size + i).to_bytes(4, "big") for i in range(count)]))


@pytest.fixture
def log() -> Signer:
    return Signer.generate("example.com/log")


def checkpoint(tiles: MemoryTiles, log: Signer) -> str:
    return Checkpoint(log.name, tiles.size, LogReader(tiles).root(tiles.size)).sign(log)


def test_witness_cosigns_consistent_growth_and_remembers_across_restarts(tmp_path: Path, log: Signer) -> None:
    key = Signer.generate("witness.example/w1", ALG_COSIGNATURE_V1)
    tiles = MemoryTiles()
    grow(tiles, 10)
    first = checkpoint(tiles, log)
    line = Witness(key, FileWitnessState(tmp_path / "state.json")).cosign(first, log.verifier, [])
    Note.parse(first + line).verify(key.verifier)

    grow(tiles, 300)
    second = checkpoint(tiles, log)
    restarted = Witness(key, FileWitnessState(tmp_path / "state.json"))
    proof = LogReader(tiles).consistency_proof(10, 310)
    restarted.cosign(second, log.verifier, proof)
    assert restarted.last_cosigned(log.name).size == 310  # type: ignore[union-attr]


def test_witness_refuses_a_split_view(tmp_path: Path, log: Signer) -> None:
    key = Signer.generate("witness.example/w1", ALG_COSIGNATURE_V1)
    witness = Witness(key, FileWitnessState(tmp_path / "state.json"))
    honest, forked = MemoryTiles(), MemoryTiles()
    grow(honest, 20)
    grow(forked, 19)
    grow(forked, 1, b"other")  # same size, different last entry
    witness.cosign(checkpoint(honest, log), log.verifier, [])
    grow(forked, 5)
    fork_proof = LogReader(forked).consistency_proof(20, 25)
    with pytest.raises(Conflict, match="not consistent") as refused:
        witness.cosign(checkpoint(forked, log), log.verifier, fork_proof)
    assert refused.value.evidence["cosigned_size"] == 20
    assert refused.value.evidence["offered_size"] == 25
    assert witness.last_cosigned(log.name).size == 20  # type: ignore[union-attr]


def test_witness_refuses_to_go_back(tmp_path: Path, log: Signer) -> None:
    key = Signer.generate("witness.example/w1", ALG_COSIGNATURE_V1)
    witness = Witness(key, FileWitnessState(tmp_path / "state.json"))
    tiles = MemoryTiles()
    grow(tiles, 5)
    old = checkpoint(tiles, log)
    grow(tiles, 5)
    witness.cosign(checkpoint(tiles, log), log.verifier, [])
    with pytest.raises(Conflict, match="smaller"):
        witness.cosign(old, log.verifier, [])


def test_witness_needs_a_cosignature_key(log: Signer, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="0x04"):
        Witness(log, FileWitnessState(tmp_path / "s.json"))
