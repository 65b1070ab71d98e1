"""Proof latency and full verification at 1,000,000 entries, served from tiles.

Inclusion and consistency proofs are timed two ways: with the tile cache warm (a serving
process that has been up a while) and with a fresh cache for every proof (each proof then
reads its tiles from SQLite). Full verification recomputes the tree from every entry and
checks every tile and every checkpoint.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from benchmarks.common import row, scratch_store
from custos.ledger import LogReader, TileCache
from custos.store import Store


def latencies(calls: list[Callable[[], object]]) -> tuple[float, float]:
    """(median, 95th percentile) in microseconds."""
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1e6)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]


def fill(store: Store, entries: int) -> None:
    payload = b"y" * 240
    for start in range(0, entries, 1000):
        with store.transaction() as uow:
            uow.append_entries(
                [payload + f"{start + i:010d}".encode() for i in range(min(1000, entries - start))]
            )
        if start % 100_000 == 0:
            store.publish_checkpoint()
    store.publish_checkpoint()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2_000)
    args = parser.parse_args()
    store = scratch_store("proofs")
    fill(store, args.entries)
    size = args.entries
    chance = random.Random(7)
    indices = [chance.randrange(size) for _ in range(args.samples)]
    olds = [chance.randrange(1, size) for _ in range(args.samples)]

    cold = [lambda i=i: LogReader(store.tiles, TileCache()).inclusion_proof(i, size) for i in indices[:500]]
    cold_median, cold_p95 = latencies(cold)
    warm_reader = store.tiles.reader
    for index in indices:
        warm_reader.inclusion_proof(index, size)
    for old in olds:
        warm_reader.consistency_proof(old, size)
    inclusion_median, inclusion_p95 = latencies(
        [lambda i=i: warm_reader.inclusion_proof(i, size) for i in indices]
    )
    consistency_median, consistency_p95 = latencies(
        [lambda o=o: warm_reader.consistency_proof(o, size) for o in olds]
    )
    row(
        f"inclusion proof at {size:,} entries, warm tile cache",
        f"median {inclusion_median:.0f} µs, p95 {inclusion_p95:.0f} µs",
        "<= 100 µs",
    )
    row(
        f"consistency proof at {size:,} entries, warm tile cache",
        f"median {consistency_median:.0f} µs, p95 {consistency_p95:.0f} µs",
        "<= 100 µs",
    )
    row(
        f"inclusion proof at {size:,} entries, empty cache (tiles read from SQLite)",
        f"median {cold_median:.0f} µs, p95 {cold_p95:.0f} µs",
        "",
    )

    started = time.perf_counter()
    report = store.verify()
    elapsed = time.perf_counter() - started
    row(
        f"full verification of {report.size:,} entries, {len(report.checkpoints)} checkpoints",
        f"{elapsed:.2f} s",
        "<= 10 s",
    )
    store.close()


if __name__ == "__main__":
    main()
