"""Writers killed with SIGKILL in the middle of batched appends lose nothing they acknowledged."""

from __future__ import annotations

import random
import signal
import threading
import time

import pytest

from custos.core.settings import Settings
from custos.installation import composition
from custos.store import Store, ledger_sql
from tests.store.processes import acknowledged, start_writer

ROUNDS = 10


@pytest.mark.slow
def test_sigkill_during_appends_loses_no_acknowledged_entry(store: Store) -> None:
    settings: Settings = store.settings
    chance = random.Random(20261128)
    all_acks = []
    for round_number in range(ROUNDS):
        process = start_writer(settings, f"r{round_number}", batches=10_000, batch_size=200)
        lines: list[str] = []
        reader = threading.Thread(target=lines.extend, args=(process.stdout,), daemon=True)
        reader.start()
        deadline = time.monotonic() + 30
        while not any(line.startswith("ack") for line in lines) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(chance.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        reader.join(timeout=30)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
        acks = acknowledged("".join(lines))
        assert acks, "the writer was killed before acknowledging anything"
        all_acks += acks

    reopened = Store.open(settings, composition())
    try:
        with reopened.read() as conn:
            size = ledger_sql.tree_size(conn)
            stored = dict(ledger_sql.entries(conn, 0, size))
        # Nothing partial: the size matches the stored entries, contiguous from 0.
        assert sorted(stored) == list(range(size))
        for first, count, label in all_acks:
            assert [stored[first + i] for i in range(count)] == [
                f"{label}:{i}".encode() for i in range(count)
            ]
        reopened.publish_checkpoint()
        assert reopened.verify().size == size
    finally:
        reopened.close()
