"""Run every benchmark and print one Markdown table (paste it into RESULTS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import machine  # noqa: E402

BENCHMARKS = [
    "bench_cli_startup",
    "bench_ledger_append",
    "bench_ledger_proofs",
    "bench_registry",
    "bench_policy",
    "bench_decisions",
    "bench_decisions_http",
    "bench_attestations",
    "bench_federation",
    "bench_clearing",
    "bench_fire_sales",
    "bench_stress",
    "bench_escrow",
    "bench_provenance",
    "bench_markets",
    "bench_monitoring",
    "bench_labour",
    "bench_demo",
]


def main() -> None:
    print(f"Machine: {machine()}\n")
    print("| benchmark | measured | target |")
    print("|---|---|---|", flush=True)
    for name in BENCHMARKS:
        completed = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{name}", *sys.argv[1:]], cwd=ROOT, check=False
        )
        if completed.returncode != 0:
            sys.exit(completed.returncode)


if __name__ == "__main__":
    main()
