"""``custos serve`` in a process of its own, on a free loopback port, for the tests that need a
real server: the log over HTTP, tokens across processes, the contract, hostile input."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    home: Path, *options: str, command: Sequence[str] | None = None, start: float = 60
) -> Iterator[str]:
    """The server's base URL once it answers; it is stopped on leaving.

    ``command`` replaces ``python -m custos.cli`` (to run the server under limits, say).
    """
    port = free_port()
    process = subprocess.Popen(
        [
            *(command or [sys.executable, "-m", "custos.cli"]),
            "--home",
            str(home),
            "serve",
            "--port",
            str(port),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start
        while True:
            try:
                httpx.get(f"{url}/v1/ledger/status", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"custos serve did not start on port {port}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
