"""The hostile corpus replayed against a real server and the command line, each under a memory
ceiling and a time limit: every input is refused with a reason, nothing is written, and the
server goes on answering.

The ceilings are far above what a refusal needs and far below what the inputs would take if
they were expanded (an alias bomb's 387 million strings, a 200,000-deep recursion), so a reader
that expands before it measures fails here by running out of memory or time, not by luck.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.hostile.corpus import billion_laughs, huge_integer, nested_json, nested_yaml
from tests.servers import serving

MEMORY = 3 * 2**30  # address space for each process: Custos starts in about 1 GiB of it
SECONDS = 60
HUGE = huge_integer()
CYCLONEDX_HUGE_INTEGER = json.dumps(
    {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {
                "type": "machine-learning-model",
                "name": "Huge",
                "bom-ref": "m",
                "properties": [{"name": "custos:training_compute", "value": HUGE}],
            }
        ],
    }
).replace(f'"{HUGE}"', HUGE)
CARD_NESTED = "---\nlicense: mit\ntags: " + "[" * 20_000 + "]" * 20_000 + "\n---\n# Model\n"
CARD_BOMB = "---\n" + billion_laughs() + "---\n# Model\n"
EPOCH_WIDE_CELL = "Model,Organization,Publication date\n" + "x" * 140_000 + ",Lab,2024-01-01\n"


# The child limits its own address space, then runs the command line as ``python -m custos.cli``.
LIMITED = (
    "import resource, runpy, sys; limit = int(sys.argv.pop(1)); "
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); sys.argv[0] = 'custos'; "
    "runpy.run_module('custos.cli', run_name='__main__')"
)


CUSTOS = [sys.executable, "-c", LIMITED, str(MEMORY)]


def _command(home: Path, *arguments: str) -> list[str]:
    return [*CUSTOS, "--home", str(home), *arguments]


def _custos(home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(home, *arguments), capture_output=True, text=True, timeout=SECONDS, check=False
    )


@dataclass
class Server:
    url: str
    home: Path
    headers: dict[str, str]

    def size(self) -> int:
        return int(httpx.get(f"{self.url}/v1/ledger/status", timeout=SECONDS).json()["size"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("hostile") / "home"
    assert (
        _custos(
            home, "init", "--origin", "hostile.test/log", "--authority", "AI Office", "-j", "EU"
        ).returncode
        == 0
    )
    actor = json.loads(
        _custos(
            home, "actors", "add", "Officer", "--role", "supervisor", "--org", "AI Office", "--json"
        ).stdout
    )
    token = _custos(home, "actors", "token", actor["id"], "--json")
    secret = json.loads(token.stdout)["token"]
    with serving(home, command=CUSTOS) as url:
        yield Server(url, home, {"Authorization": f"Bearer {secret}"})


Request = tuple[str, str, Callable[[], str | bytes]]
REQUESTS: dict[str, Request] = {
    "pack alias bomb": ("POST", "/v1/policy/packs", billion_laughs),
    "pack nested 50,000 deep": ("POST", "/v1/policy/packs", lambda: nested_yaml(50_000)),
    "scenario alias bomb": ("POST", "/v1/risk/runs", lambda: json.dumps({"scenario": billion_laughs()})),
    "cyclonedx nested 200,000 deep": ("POST", "/v1/imports/cyclonedx", nested_json),
    "spdx nested 200,000 deep": ("POST", "/v1/imports/spdx", nested_json),
    "cyclonedx 5,001-digit integer": ("POST", "/v1/imports/cyclonedx", lambda: CYCLONEDX_HUGE_INTEGER),
    "card nested 20,000 deep": ("POST", "/v1/imports/hf?organisation=x", lambda: CARD_NESTED),
    "card alias bomb": ("POST", "/v1/imports/hf?organisation=x", lambda: CARD_BOMB),
    "epoch cell of 140,000 characters": ("POST", "/v1/imports/epoch", lambda: EPOCH_WIDE_CELL),
    "json body nested 200,000 deep": ("POST", "/v1/organisations", nested_json),
    "body over the ceiling": ("POST", "/v1/policy/packs", lambda: b"x" * (65 * 2**20)),
    "offset of 20 digits": ("GET", "/v1/policy/obligations?offset=99999999999999999999", lambda: ""),
    "ledger start of 20 digits": ("GET", "/v1/ledger/entries?start=99999999999999999999", lambda: ""),
    "negative licence limit": ("GET", "/v1/licences?limit=-1", lambda: ""),
}


@pytest.mark.parametrize("case", list(REQUESTS))
def test_the_server_refuses_each_hostile_request_and_keeps_answering(server: Server, case: str) -> None:
    method, path, body = REQUESTS[case]
    before = server.size()
    response = httpx.request(
        method, f"{server.url}{path}", content=body(), headers=server.headers, timeout=SECONDS
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
    assert server.size() == before


COMMANDS: dict[str, tuple[str, Callable[[], str], list[str]]] = {
    "pack alias bomb": ("pack.yaml", billion_laughs, ["policy", "load"]),
    "scenario nested 20,000 deep": ("scenario.yaml", lambda: nested_yaml(20_000), ["risk", "run"]),
    "cyclonedx nested 200,000 deep": ("bom.json", nested_json, ["registry", "import", "cyclonedx"]),
    "cyclonedx 5,001-digit integer": (
        "bom.json",
        lambda: CYCLONEDX_HUGE_INTEGER,
        ["registry", "import", "cyclonedx"],
    ),
    "card alias bomb": ("README.md", lambda: CARD_BOMB, ["registry", "import", "hf"]),
    "epoch cell of 140,000 characters": (
        "epoch.csv",
        lambda: EPOCH_WIDE_CELL,
        ["registry", "import", "epoch"],
    ),
}


@pytest.mark.parametrize("case", list(COMMANDS))
def test_the_command_line_refuses_each_hostile_file_in_one_line(
    server: Server, case: str, tmp_path: Path
) -> None:
    name, text, command = COMMANDS[case]
    path = tmp_path / name
    path.write_text(text(), encoding="utf-8")
    before = server.size()
    completed = _custos(server.home, *command, str(path))
    assert completed.returncode == 2, completed.stderr[-500:]
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr[-500:]
    assert server.size() == before
