"""How long a person waits for the command line: ``custos --help`` and ``custos ledger status``
on a small installation, each a fresh process, as typed in a shell."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import WORK, row, scratch_store

CUSTOS = Path(sys.executable).with_name("custos")


def timings(args: list[str], home: Path, repeats: int) -> tuple[float, float]:
    """(median, max) seconds of ``custos ARGS`` over ``repeats`` runs, after one warm-up run."""
    environment = {**os.environ, "CUSTOS_HOME": str(home)}
    seconds = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        subprocess.run([str(CUSTOS), *args], env=environment, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    measured = seconds[1:]
    return statistics.median(measured), max(measured)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    args, _ = parser.parse_known_args()
    scratch_store("cli").close()
    home = WORK / "cli"
    for command in (["--help"], ["ledger", "status"]):
        median, worst = timings(command, home, args.repeats)
        row(
            f"`custos {' '.join(command)}`, a fresh process ({args.repeats} runs)",
            f"median {median:.2f} s, max {worst:.2f} s",
            "<= 0.5 s",
        )


if __name__ == "__main__":
    main()
