"""Shared set-up for the benchmarks: a scratch installation and a small table printer."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import sqlite3
from pathlib import Path

from custos.core.settings import Settings
from custos.installation import create_installation
from custos.store import Store

WORK = Path(__file__).resolve().parent / ".work"


def scratch_store(name: str) -> Store:
    """A fresh SQLite installation under benchmarks/.work/NAME."""
    home = WORK / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}")
    return create_installation(settings, origin="bench/log", authority="Authority", jurisdiction_code="EU")


def free_port() -> int:
    """A loopback port nothing listens on, for a server a benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kib = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        memory = f", {kib / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    software = f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    return f"{cpu}, {os.cpu_count()} cores{memory}; {software}"


def row(name: str, value: str, target: str = "") -> None:
    print(f"| {name} | {value} | {target} |", flush=True)
