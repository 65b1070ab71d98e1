"""A writer process for the concurrency and crash tests.

Appends ``--batches`` batches of ``--batch-size`` entries, each entry naming its writer, batch
and position, and prints ``ack <first index> <count>`` (flushed) after each commit, so the
parent knows exactly which appends were acknowledged before it killed the process.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from custos.core.settings import Settings
from custos.installation import composition
from custos.store import Store


def entry(writer: str, batch: int, position: int) -> bytes:
    return f"{writer}:{batch}:{position}".encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--writer", required=True)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    store = Store.open(Settings(home=Path(args.home), database_url=args.url), composition())
    print("ready", flush=True)
    for batch in range(args.batches):
        entries = [entry(args.writer, batch, i) for i in range(args.batch_size)]
        with store.transaction() as uow:
            first = uow.append_entries(entries)
        sys.stdout.write(f"ack {first} {len(entries)} {args.writer}:{batch}\n")
        sys.stdout.flush()
    store.close()


if __name__ == "__main__":
    main()
