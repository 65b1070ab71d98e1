#!/usr/bin/env python3
"""Set up the project's virtual environment (once) and run one of its jobs.

    python3 dev.py demo    # seed a demo installation and serve it
    python3 dev.py test    # lint and run the whole test suite
    python3 dev.py bench   # run every benchmark and print the figures
    python3 dev.py lint    # ruff, mypy and the import layers only
    python3 dev.py custos ARGS...   # the custos command, from .venv

The test job installs Debian's chromium for the browser tests when it is missing and this user
may install packages (root, or sudo without a password); otherwise those tests are skipped and
the run ends with one line saying so and how to enable them.

Needs only Python 3.11 or newer; everything else is installed into ./.venv from PyPI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".custos-installed"


def ensure_environment() -> None:
    """Create .venv and install the project with its dev and privacy extras when pyproject.toml changed."""
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
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev,privacy]")
    STAMP.write_text(wanted)


def run(*command: object, env: dict[str, str] | None = None) -> None:
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, check=False, env=env)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def installer() -> list[str] | None:
    """How to run apt-get here: directly as root, through sudo when it asks no password, else not."""
    if shutil.which("apt-get") is None:
        return None
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode == 0:
        return [sudo, "-n"]
    return None


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser tests where it is missing and may be installed."""
    if os.environ.get("CUSTOS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    prefix = installer()
    if prefix is None:
        return
    print("Installing Debian's chromium for the browser tests (apt-get)", flush=True)
    subprocess.run([*prefix, "apt-get", "update", "-qq"], stdout=subprocess.DEVNULL, check=False)
    command = [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]
    if subprocess.run(command, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        print("Could not install chromium: the browser tests will be skipped", flush=True)


#: The whole suite in two runs: every test on SQLite and in the browser spread over one worker a
#: core, then the tests on PostgreSQL one after another, since they share one database that each
#: empties first.
WHOLE_SUITE = (["-n", "auto", "-k", "not postgresql"], ["-k", "postgresql"])


def test(arguments: list[str]) -> None:
    """Lint, then pytest (the whole suite, or what the arguments select); the line naming tests
    that could not run comes last, where it is seen."""
    lint()
    ensure_chromium()
    failed = 0
    for selection in [arguments] if arguments else WHOLE_SUITE:
        with tempfile.TemporaryDirectory() as scratch:
            not_run = Path(scratch) / "not-run.txt"
            command = [str(BIN / "python"), "-m", "pytest", *selection]
            environment = {**os.environ, "CUSTOS_NOT_RUN_FILE": str(not_run)}
            completed = subprocess.run(command, cwd=ROOT, check=False, env=environment)
            if not_run.exists():
                print(f"\n\033[1;31m{not_run.read_text(encoding='utf-8').strip()}\033[0m", flush=True)
        failed = failed or completed.returncode
    sys.exit(failed)


def lint() -> None:
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy", "--strict", "src/custos")
    run(BIN / "lint-imports")


def main() -> None:
    job, *rest = sys.argv[1:] or ["help"]
    if job not in {"demo", "test", "bench", "lint", "custos"}:
        sys.exit(__doc__)
    ensure_environment()
    if job == "demo":
        run(BIN / "custos", "demo", *rest)
    elif job == "test":
        test(rest)
    elif job == "custos":
        run(BIN / "custos", *rest)
    elif job == "bench":
        run(BIN / "python", "benchmarks/run_all.py", *rest)
    else:
        lint()


if __name__ == "__main__":
    main()
