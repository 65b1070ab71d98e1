"""Schemathesis against a real ``custos serve``: the OpenAPI document is the contract, and every
answer keeps it (no server error, no undocumented status, content type, header or schema).

Bounded: three examples per operation with a fixed seed, the examples, coverage and fuzzing
phases, every check but one. Left out, each for a stated reason:

- the ``positive_data_acceptance`` check: a schema cannot say every rule (a string may name no
  known jurisdiction, a text body may not be Epoch AI's table); such input is refused with a 422
  and the reason, which the other checks hold to the document;
- ``POST /v1/risk/runs``: each accepted request starts a stress test in a worker process (the
  risk API tests cover it);
- the revoking routes: fuzzing them with the run's own token would revoke it halfway.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import serving
from tests.store.test_registry import epoch_sample


def _custos(home: Path, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "custos.cli", "--home", str(home), *arguments],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return completed.stdout


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A small real installation: 30 models, the built-in packs, a deployer; and a supervisor's token."""
    root = tmp_path_factory.mktemp("schemathesis")
    home = root / "home"
    _custos(home, "init", "--origin", "schemathesis.test/log", "--authority", "AI Office", "-j", "EU")
    (root / "epoch.csv").write_text(epoch_sample(30), encoding="utf-8")
    _custos(home, "registry", "import", "epoch", str(root / "epoch.csv"))
    _custos(home, "orgs", "add", "Bank AG", "-j", "DE")
    _custos(home, "policy", "load", "--builtin", "all")
    actor = json.loads(
        _custos(home, "actors", "add", "Officer", "--role", "supervisor", "--org", "AI Office", "--json")
    )
    token = json.loads(_custos(home, "actors", "token", actor["id"], "--json"))["token"]
    with serving(home) as url:
        yield url, token


def test_every_operation_keeps_the_documented_contract(served: tuple[str, str], tmp_path: Path) -> None:
    url, token = served
    runner = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    completed = subprocess.run(
        [
            runner,
            "run",
            f"{url}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--exclude-path-regex",
            r"^/v1/risk/runs$|/revoke$",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "3",
            "--seed",
            "1",
            "--workers",
            "1",
            "--no-shrink",
            "--request-timeout",
            "180",  # importing the shipped table of 1,892 models is one of the operations
            "--max-response-time",
            "180",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
        check=False,
    )
    summary = completed.stdout[completed.stdout.find("SUMMARY") :]
    assert completed.returncode == 0, completed.stdout[completed.stdout.find("FAILURES") :][:6000]
    assert "Tested:" in summary and "failure" not in summary.split("Test cases:")[-1].split("Seed")[0]
