"""Programs some tests need beyond Python: Chromium for the pages, Node.js for the browser-side
verifier and formatter.

Where a program is missing the tests that need it are skipped with a reason that names the
program and the command that installs it; the run ends by saying so in one line (see
``tests/conftest.py``). CI sets ``CUSTOS_REQUIRE_<NAME>=1``, and then a missing program fails
instead: what CI checks must never be skipped quietly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import NoReturn

import pytest

MARK = "needs"


@dataclass(frozen=True)
class Program:
    name: str  # as people call it: "Chromium"
    variable: str  # CUSTOS_REQUIRE_<variable>=1 makes its absence a failure
    package: str  # the Debian package that provides it

    def missing(self, why: str) -> NoReturn:
        """Skip (or, where CI requires the program, fail) the test that needs it."""
        if os.environ.get(f"CUSTOS_REQUIRE_{self.variable}") == "1":
            pytest.fail(f"CUSTOS_REQUIRE_{self.variable}=1 but {why}")
        pytest.skip(f"{MARK} {self.name} ({self.package}): {why}")


CHROMIUM = Program("Chromium", "BROWSER", "chromium")
NODE = Program("Node.js 20+", "NODE", "nodejs")
PROGRAMS = (CHROMIUM, NODE)
SKIP_REASON = re.compile(rf"{MARK} (?P<name>.+?) \((?P<package>[\w.+-]+)\): ")


def chromium() -> str:
    """The path of a Chromium to drive, or skip."""
    candidates = (os.environ.get("CUSTOS_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"))
    for candidate in (*candidates, shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return CHROMIUM.missing("no chromium executable was found (set CUSTOS_CHROMIUM to its path)")


def node() -> str:
    """The path of a Node.js of version 20 or later (WebCrypto Ed25519), or skip."""
    found = shutil.which("node")
    if found is None:
        return NODE.missing("node is not on PATH")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < 20:
        return NODE.missing(f"found node {version.strip()}, version 20 or later is needed")
    return found


def not_run(reasons: list[str]) -> str | None:
    """One line for the end of a run: how many tests a missing program kept from running, and the
    one command that installs what they need."""
    counts: dict[tuple[str, str], int] = {}
    for reason in reasons:
        match = SKIP_REASON.search(reason)
        if match:
            key = (match["name"], match["package"])
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    said = ", ".join(
        f"{n} {'tests need' if n > 1 else 'test needs'} {name}" for (name, _), n in counts.items()
    )
    packages = " ".join(sorted({package for _, package in counts}))
    return f"NOT RUN: {said}. Install and rerun: sudo apt-get install {packages} && python3 dev.py test"
