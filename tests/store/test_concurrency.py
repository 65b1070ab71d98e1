"""Eight writer processes append at once: no gap, no duplicate index, nothing lost."""

from __future__ import annotations

import pytest

from custos.store import Store, ledger_sql
from tests.store.processes import acknowledged, start_writer

WRITERS, BATCHES, BATCH_SIZE = 8, 12, 50


@pytest.mark.slow
def test_eight_concurrent_writers_sequence_every_entry_once(store: Store) -> None:
    processes = [start_writer(store.settings, f"w{n}", BATCHES, BATCH_SIZE) for n in range(WRITERS)]
    acks = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        acks += acknowledged(out)
    total = WRITERS * BATCHES * BATCH_SIZE
    assert len(acks) == WRITERS * BATCHES
    # Acknowledged ranges tile [0, total) exactly: contiguous, no overlap.
    assert sorted((first, first + count) for first, count, _ in acks) == [
        (i * BATCH_SIZE, (i + 1) * BATCH_SIZE) for i in range(WRITERS * BATCHES)
    ]
    with store.read() as conn:
        assert ledger_sql.tree_size(conn) == total
        stored = dict(ledger_sql.entries(conn, 0, total))
    for first, count, label in acks:
        writer, batch = label.split(":")
        assert [stored[first + i] for i in range(count)] == [
            f"{writer}:{batch}:{i}".encode() for i in range(count)
        ]
    store.publish_checkpoint()
    assert store.verify().size == total


def test_concurrent_imports_register_a_new_organisation_once(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from custos.registry.importers import import_text
    from custos.registry.service import RegistryService
    from custos.store._tables import organisations
    from tests.store.test_registry import SUPERVISOR

    card = "---\nlicense: mit\nmodel_name: Model {n}\n---\n# Model {n}\n"

    def file(n: int) -> None:
        import_text(
            RegistryService(store), "hf", card.format(n=n), by=SUPERVISOR, organisation="Newcomer Labs"
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(file, range(8)))  # a refused import raises here
    with store.read() as conn:
        names = list(conn.execute(select(organisations.c.name)).scalars())
    assert names.count("Newcomer Labs") == 1
