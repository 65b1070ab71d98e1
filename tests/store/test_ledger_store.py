from __future__ import annotations

import pytest
from sqlalchemy import func, select

from custos.core import InvalidInput
from custos.ledger import (
    MAX_ENTRY_BYTES,
    leaf_hashes,
    open_checkpoint,
    reference_root,
    verify_consistency,
    verify_inclusion,
)
from custos.store import Store, ledger_sql
from custos.store._tables import ledger_entries


def entries(start: int, count: int) -> list[bytes]:
    return [f"entry-{i}".encode() for i in range(start, start + count)]


def test_appends_in_batches_give_the_rfc_root_and_verifiable_proofs(store: Store) -> None:
    written: list[bytes] = []
    for count in (1, 255, 1, 700, 300):
        with store.transaction() as uow:
            assert uow.append_entries(entries(len(written), count)) == len(written)
        written += entries(len(written), count)
    leaves = leaf_hashes(written)
    reader = store.tiles.reader
    for size in (1, 256, 257, 957, len(written)):
        assert reader.root(size) == reference_root(leaves[:size])
    size = len(written)
    for index in (0, 255, 256, 1000, size - 1):
        verify_inclusion(
            index=index,
            size=size,
            leaf=leaves[index],
            proof=reader.inclusion_proof(index, size),
            root=reader.root(size),
        )
    verify_consistency(
        old_size=257,
        new_size=size,
        old_root=reader.root(257),
        new_root=reader.root(size),
        proof=reader.consistency_proof(257, size),
    )
    with store.read() as conn:
        assert ledger_sql.entries(conn, 255, 258) == list(enumerate(written[255:258], start=255))


def test_checkpoint_signs_the_current_head_once(store: Store) -> None:
    with store.transaction() as uow:
        uow.append_entries(entries(0, 10))
    size, note = store.publish_checkpoint()
    checkpoint, _ = open_checkpoint(note, store.log_signer.verifier)
    assert (checkpoint.size, checkpoint.root) == (10, store.tiles.reader.root(10))
    assert store.publish_checkpoint() == (size, note)


def test_an_oversized_entry_is_refused_and_nothing_is_stored(store: Store) -> None:
    with pytest.raises(InvalidInput, match="at most"), store.transaction() as uow:
        uow.append_entries([b"fine", b"x" * (MAX_ENTRY_BYTES + 1)])
    with store.read() as conn:
        assert ledger_sql.tree_size(conn) == 0
        assert conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one() == 0


def test_filing_nothing_changes_nothing(store: Store) -> None:
    with store.read() as conn:
        before = ledger_sql.tree_size(conn)
    with store.transaction() as uow:
        assert uow.file() == []
    with store.read() as conn:
        assert ledger_sql.tree_size(conn) == before


def test_a_failed_transaction_leaves_no_trace(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as uow:
        uow.append_entries(entries(0, 300))
        raise RuntimeError("the caller failed after appending")
    with store.read() as conn:
        assert ledger_sql.tree_size(conn) == 0
    store.verify()
