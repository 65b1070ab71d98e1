"""Durable appends per second on SQLite (WAL, synchronous=FULL), in batches of 1,000.

Each batch is one committed transaction: entries stored, leaf hashes integrated into the tiles,
tree size advanced. Entries are 250 bytes, about the size of a filing's ledger entry.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import row, scratch_store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    store = scratch_store("append")
    payload = b"x" * 240
    batches = [
        [payload + f"{start + i:010d}".encode() for i in range(args.batch)]
        for start in range(0, args.entries, args.batch)
    ]
    started = time.perf_counter()
    for batch in batches:
        with store.transaction() as uow:
            uow.append_entries(batch)
    elapsed = time.perf_counter() - started
    store.close()
    row(
        f"durable appends, SQLite, batches of {args.batch:,}",
        f"{args.entries / elapsed:,.0f} entries/s ({args.entries:,} in {elapsed:.2f} s)",
        ">= 50,000/s",
    )


if __name__ == "__main__":
    main()
