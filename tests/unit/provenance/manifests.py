"""Small training-data manifests, written as a provider keeps them (JSON Lines), with known
violations at known lines, so a test knows what a sample must find."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any

SOURCE_TYPES = ("web", "web", "web", "books", "code")
LICENCES = ("CC-BY-4.0", "MIT", "unknown", "CC-BY-4.0")
LANGUAGES = ("en", "en", "fr", "de")


def record(index: int, *, opt_out: bool = False, pii: bool = False) -> dict[str, Any]:
    return {
        "id": f"shard-{index // 100:04d}/doc-{index:07d}",
        "source": f"https://example.org/crawl/{index}",
        "source_type": SOURCE_TYPES[index % len(SOURCE_TYPES)],
        "licence": LICENCES[index % len(LICENCES)],
        "language": LANGUAGES[index % len(LANGUAGES)],
        "collected_on": "2025-03-01",
        "pii": pii,
        "opt_out": opt_out,
        "content_hash": "sha256:" + hashlib.sha256(f"document {index}".encode()).hexdigest(),
    }


def write_manifest(
    path: Path, count: int, *, opt_outs: Collection[int] = (), pii: Collection[int] = ()
) -> list[dict[str, Any]]:
    records = [record(i, opt_out=i in opt_outs, pii=i in pii) for i in range(count)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records


def shares(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """The exact composition of ``records`` by each dimension, as a provider would declare it."""
    found: dict[str, dict[str, float]] = {}
    for dimension in ("source_type", "licence", "language"):
        counts = Counter(r[dimension] for r in records)
        found[dimension] = {category: n / len(records) for category, n in counts.items()}
    return found
