"""One changed byte anywhere in the log is found, and the verifier names where."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from custos.core import IntegrityFailure
from custos.store import Store
from custos.store.tables import ledger_checkpoints, ledger_entries, ledger_tiles


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
