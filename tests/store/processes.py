"""Starting writer processes against a store, for the concurrency and crash tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from custos.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def start_writer(settings: Settings, writer: str, batches: int, batch_size: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.store.writer_process",
            "--url",
            settings.database_url,
            "--home",
            str(settings.home),
            "--writer",
            writer,
            "--batches",
            str(batches),
            "--batch-size",
            str(batch_size),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def acknowledged(output: str) -> list[tuple[int, int, str]]:
    """(first index, count, batch label) of every ``ack`` line."""
    acks = []
    for line in output.splitlines():
        if line.startswith("ack "):
            _, first, count, label = line.split()
            acks.append((int(first), int(count), label))
    return acks
