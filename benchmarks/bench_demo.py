"""The README's main command, timed: a fresh demo installation until it is ready to serve.

Runs ``custos demo --no-serve`` in a new home: Epoch AI's table imported as passports, the
policy packs evaluated, the synthetic world and its deployments filed, a stress test run and
filed, the checkpoint signed. The figure includes starting Python and compiling the kernels
(numba caches them beside the package, so a second installation is faster).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import WORK, row


def main() -> None:
    home = WORK / "demo"
    shutil.rmtree(home, ignore_errors=True)
    custos = Path(sys.executable).parent / "custos"
    start = time.perf_counter()
    subprocess.run([str(custos), "--home", str(home), "demo", "--no-serve"], check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    row("demo ready (fresh installation, no serving)", f"{elapsed:.1f} s", "≤ 60 s on 2 cores")


if __name__ == "__main__":
    main()
