"""Provenance speed: committing a training-data manifest, and verifying a revealed sample.

A manifest of realistic records (varied sources, source types, licences, languages and dates,
about 250 bytes a line) is generated in a temporary directory, untimed, in the canonical form
orjson writes with sorted keys; a tenth of the records are also written in a second manifest as
``json.dumps`` writes them (insertion order, spaces, non-ASCII escaped), which takes the general
path. Timed: ``commit_manifest`` with two workers, and ``verify_revealed`` of a 1,000-record
sample revealed (untimed) from the large manifest."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.common import row
from custos.provenance.commitment import commit_manifest, reveal, verify_revealed
from custos.provenance.sampling import sample_indices

KEY = bytes(range(32))
SAMPLE = 1000
SOURCE_TYPES = ["web"] * 12 + [
    "books",
    "code",
    "code",
    "academic",
    "news",
    "news",
    "social",
    "licensed",
    "synthetic",
]
LICENCES = [
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "MIT",
    "Apache-2.0",
    "GPL-3.0-only",
    "CC0-1.0",
    "proprietary",
    "unknown",
]
LANGUAGES = ["en"] * 10 + ["de", "fr", "es", "zh-Hans", "ja", "pt-BR", "ru", "ar", "hi", "sw", "zxx", "mul"]
HOSTS = [
    f"{word}{n}.{tld}"
    for n, word in enumerate(["news", "blog", "wiki", "forum", "docs"] * 40)
    for tld in ("org",)
]


def record(number: int, chooser: random.Random) -> dict[str, object]:
    host, kind = chooser.choice(HOSTS), chooser.choice(["article", "post", "page", "item"])
    year, month, day = chooser.randint(18, 25), chooser.randint(1, 12), chooser.randint(1, 28)
    return {
        "id": f"shard-{number // 100_000:04d}/doc-{number:010d}",
        "source": f"https://{host}/{kind}/{chooser.getrandbits(40):x}",
        "source_type": chooser.choice(SOURCE_TYPES),
        "licence": chooser.choice(LICENCES),
        "language": chooser.choice(LANGUAGES),
        "collected_on": f"20{year}-{month:02d}-{day:02d}",
        "pii": chooser.random() < 0.03,
        "opt_out": chooser.random() < 0.05,
        "content_hash": "sha256:" + hashlib.sha256(number.to_bytes(8, "big")).hexdigest(),
    }


def manifest(path: Path, records: int, canonical: bool) -> None:
    chooser = random.Random(records)
    with path.open("wb") as out:
        batch = []
        for number in range(records):
            line = record(number, chooser)
            if canonical:
                batch.append(orjson.dumps(line, option=orjson.OPT_SORT_KEYS))
            else:
                line["source"] = f"{line['source']}?title=Übersicht"  # type: ignore[operator]
                batch.append(json.dumps(line).encode())
            if len(batch) == 100_000:
                out.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            out.write(b"\n".join(batch) + b"\n")


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers: what the work costs, whatever else
    the machine is running."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def timed_commit(path: Path, records: int, label: str, target: str) -> bytes:
    cpu = cpu_seconds()
    started = time.perf_counter()
    commitment = commit_manifest(path, KEY, workers=2)
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    assert commitment.count == records
    size = path.stat().st_size
    row(
        f"commit a manifest of {records:,} records, {label}, workers=2 (provenance)",
        f"{elapsed:.1f} s ({records / elapsed / 1e3:.0f} k records/s, {size / records:.0f} B/line; "
        f"CPU {cpu:.1f} s, {cpu / records * 1e6:.2f} us/record)",
        target,
    )
    return commitment.root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000_000, help="records in the manifest")
    parser.add_argument("--quick", action="store_true", help="a million records")
    args = parser.parse_args()
    records = 1_000_000 if args.quick else args.records
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-provenance-") as scratch:
        canonical, general = Path(scratch) / "canonical.jsonl", Path(scratch) / "general.jsonl"
        manifest(canonical, records, canonical=True)
        manifest(general, max(1, records // 10), canonical=False)
        os.sync()
        scaled = f"<= {20 * records / 10_000_000:.1f} s" if records != 10_000_000 else "<= 20 s"
        root = timed_commit(canonical, records, "canonical lines", scaled)
        timed_commit(general, max(1, records // 10), "json.dumps lines (general path)", "")
        indices = sample_indices("bench-commitment", 1, bytes(32), SAMPLE, records)
        revealed = reveal(canonical, KEY, indices)
        started = time.perf_counter()
        verify_revealed(root, records, revealed)
        elapsed = time.perf_counter() - started
        row(
            f"verify a sample of {len(revealed):,} revealed records of {records:,} (provenance)",
            f"{elapsed * 1e3:.0f} ms",
            "<= 100 ms",
        )
    row("load average at the start (provenance)", f"{load:.2f}", "")


if __name__ == "__main__":
    main()
