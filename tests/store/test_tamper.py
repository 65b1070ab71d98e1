"""One changed byte anywhere in the log is found, and the verifier names where."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import select, update

from custos.access.model import OPERATOR_ID, Principal, Role
from custos.core import IntegrityFailure
from custos.ledger import ALG_COSIGNATURE_V1, MemoryTiles, Note, Signer, leaf_hashes
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store, ledger_sql
from custos.store._tables import (
    filings,
    ledger_checkpoints,
    ledger_cosignatures,
    ledger_entries,
    ledger_tiles,
)
from custos.store.keys import add_witness_key

OPERATOR = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, "EU")


@pytest.fixture
def filled(store: Store) -> Store:
    for start in range(0, 1200, 400):
        with store.transaction() as uow:
            uow.append_entries([f"entry-{i}".encode() for i in range(start, start + 400)])
        store.publish_checkpoint()
    store.verify()
    return store


def flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_a_changed_entry_is_named(filled: Store) -> None:
    with filled.transaction() as uow:
        data = uow.conn.execute(select(ledger_entries.c.data).where(ledger_entries.c.idx == 777)).scalar_one()
        uow.conn.execute(
            update(ledger_entries).where(ledger_entries.c.idx == 777).values(data=flip(bytes(data), 3))
        )
    with pytest.raises(IntegrityFailure, match="entry 777") as failure:
        filled.verify()
    assert failure.value.evidence["entry"] == 777


@pytest.mark.parametrize(("level", "index", "position"), [(0, 2, 13), (0, 4, 0), (1, 0, 2)])
def test_a_changed_tile_is_named(filled: Store, level: int, index: int, position: int) -> None:
    where = (ledger_tiles.c.level == level, ledger_tiles.c.idx == index)
    with filled.transaction() as uow:
        hashes = bytes(uow.conn.execute(select(ledger_tiles.c.hashes).where(*where)).scalar_one())
        uow.conn.execute(update(ledger_tiles).where(*where).values(hashes=flip(hashes, position * 32 + 5)))
    with pytest.raises(IntegrityFailure, match=f"tile {level}/{index}") as failure:
        filled.verify()
    assert failure.value.evidence["tile"] == f"{level}/{index}"
    assert failure.value.evidence["position"] == position


@pytest.mark.parametrize("offset", [0, 20, 40, -10])
def test_a_changed_checkpoint_is_named(filled: Store, offset: int) -> None:
    with filled.transaction() as uow:
        seq, note = uow.conn.execute(
            select(ledger_checkpoints.c.seq, ledger_checkpoints.c.note)
            .order_by(ledger_checkpoints.c.seq)
            .offset(2)
            .limit(1)
        ).one()
        position = offset % len(note)
        changed = note[:position] + chr(ord(note[position]) ^ 0x01) + note[position + 1 :]
        uow.conn.execute(
            update(ledger_checkpoints).where(ledger_checkpoints.c.seq == seq).values(note=changed)
        )
    with pytest.raises(IntegrityFailure, match="checkpoint #2") as failure:
        filled.verify()
    assert failure.value.evidence["checkpoint"] == 2


def test_an_entry_changed_after_the_last_checkpoint_is_still_caught(filled: Store) -> None:
    with filled.transaction() as uow:
        uow.append_entries([b"late-0", b"late-1"])
        uow.conn.execute(update(ledger_entries).where(ledger_entries.c.idx == 1201).values(data=b"late-X"))
    with pytest.raises(IntegrityFailure, match="entry 1201"):
        filled.verify()


def rewrite_hiding_it(store: Store, index: int, data: bytes) -> None:
    """Change one entry and recompute every tile to match, as an attacker with the database would."""
    with store.transaction() as uow:
        uow.conn.execute(update(ledger_entries).where(ledger_entries.c.idx == index).values(data=data))
        stored = [
            bytes(d)
            for d in uow.conn.execute(select(ledger_entries.c.data).order_by(ledger_entries.c.idx)).scalars()
        ]
        tree = MemoryTiles()
        tree.append(leaf_hashes(stored))
        for (level, tile), hashes in tree.tiles.items():
            where = (ledger_tiles.c.level == level, ledger_tiles.c.idx == tile)
            uow.conn.execute(update(ledger_tiles).where(*where).values(hashes=hashes))


def test_a_rewritten_entry_with_recomputed_tiles_is_bracketed_by_the_checkpoints(filled: Store) -> None:
    rewrite_hiding_it(filled, 777, b"entry-rewritten")
    with pytest.raises(IntegrityFailure, match="an entry from 400 to 799 was altered") as failure:
        filled.verify()
    assert (failure.value.evidence["first"], failure.value.evidence["end"]) == (400, 800)


def test_the_filings_name_the_rewritten_entry(store: Store) -> None:
    registry = RegistryService(store)
    for number in range(6):
        registry.register_organisation(
            OrganisationRegistered.model_validate({"name": f"Firm {number}", "jurisdiction": "DE"}),
            by=OPERATOR,
        )
        store.publish_checkpoint()
    with store.read() as conn:
        index, entry = conn.execute(
            select(filings.c.idx, ledger_entries.c.data)
            .join(ledger_entries, ledger_entries.c.idx == filings.c.idx)
            .order_by(filings.c.idx)
            .offset(3)
        ).first()
    rewrite_hiding_it(store, index, bytes(entry).replace(b"Firm", b"Fixm") + b" ")
    with pytest.raises(IntegrityFailure, match=f"the first altered entry is {index} ") as failure:
        store.verify()
    assert failure.value.evidence["entry"] == index


@pytest.fixture
def witnessed(filled: Store, tmp_path: Path) -> tuple[Store, Signer]:
    witness = Signer.generate("witness.test/w1", ALG_COSIGNATURE_V1)
    with filled.read() as conn:
        seq, _, note = ledger_sql.latest_checkpoint(conn) or (0, 0, "")
    line = witness.signature_line(Note.parse(note).text, timestamp=1_780_000_000)
    with filled.transaction() as uow:
        ledger_sql.add_cosignature(uow.conn, seq, witness.name, line)
    add_witness_key(filled.settings.keys_dir, witness.verifier)
    return filled, witness


def test_stored_cosignatures_are_verified(witnessed: tuple[Store, Signer]) -> None:
    store, _ = witnessed
    assert store.verify().cosignatures == 1


def test_a_flipped_cosignature_byte_is_caught(witnessed: tuple[Store, Signer]) -> None:
    store, witness = witnessed
    with store.transaction() as uow:
        line = uow.conn.execute(select(ledger_cosignatures.c.line)).scalar_one()
        name, blob = line.rstrip("\n").removeprefix("— ").split(" ")
        raw = bytearray(base64.b64decode(blob))
        raw[20] ^= 0x01
        forged = f"— {name} {base64.b64encode(bytes(raw)).decode()}\n"
        uow.conn.execute(update(ledger_cosignatures).values(line=forged))
    with pytest.raises(IntegrityFailure, match=f"cosignature by {witness.name} does not verify"):
        store.verify()


def test_a_cosignature_by_an_unknown_witness_is_a_fault(witnessed: tuple[Store, Signer]) -> None:
    store, witness = witnessed
    (store.settings.keys_dir / "witnesses").unlink()
    with pytest.raises(IntegrityFailure, match=f"cosignature by {witness.name} .* not known here"):
        store.verify()
    assert store.verify([witness.verifier]).cosignatures == 1
