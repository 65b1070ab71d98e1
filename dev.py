#!/usr/bin/env python3
"""Set up the project's virtual environment (once) and run one of its jobs.

    python3 dev.py demo    # seed a demo installation and serve it
    python3 dev.py test    # lint and run the whole test suite
    python3 dev.py bench   # run every benchmark and print the figures
    python3 dev.py lint    # ruff only

Needs only Python 3.11 or newer; everything else is installed into ./.venv from PyPI.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".custos-installed"


def ensure_environment() -> None:
    """Create .venv and install the project with its dev extras when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs before the venv exists
        sys.exit(f"Custos needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating the virtual environment in .venv", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing Custos and its dependencies into .venv", flush=True)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]")
    STAMP.write_text(wanted)


def run(*command: object) -> None:
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def lint() -> None:
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy", "--strict", "src/custos")


def main() -> None:
    job, *rest = sys.argv[1:] or ["help"]
    if job not in {"demo", "test", "bench", "lint"}:
        sys.exit(__doc__)
    ensure_environment()
    if job == "demo":
        run(BIN / "custos", "demo", *rest)
    elif job == "test":
        lint()
        run(BIN / "python", "-m", "pytest", *rest)
    elif job == "bench":
        run(BIN / "python", "benchmarks/run_all.py", *rest)
    else:
        lint()


if __name__ == "__main__":
    main()
