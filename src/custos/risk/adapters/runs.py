"""A run's directory: its scenario, its progress, its results as JSON and Parquet, its report.

    <home>/risk-runs/<run id>/
        scenario.yaml        the scenario exactly as given
        status.json          state, chunks done, error, filing id (rewritten atomically)
        results.json         every metric
        draws.parquet        the run's sample of draws (every draw up to 100,000; beyond, every m-th
                             draw, m = ceil(draws / 100,000)): number, system, direct and
                             real-economy loss, defaults
        tail.parquet         the largest system losses, largest first, with their draw numbers:
                             as many as the lowest level's tail (value at risk, capital, pool)
        institutions.parquet, deployments.parquet, providers.parquet
        report.html          the report with its charts inline

Progress lives in a file rather than in memory so that the server, the command line and a
dashboard in another process all follow the same run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from custos.core.errors import NotFound
from custos.risk.engine.chart_specs import Losses
from custos.risk.engine.montecarlo import Aggregate

#: Tells this process from an earlier one with the same pid.
PROCESS = secrets.token_hex(8)
RUN_ID = re.compile(r"^[0-9A-Z]{26}$")
TABLES = ("institutions", "deployments", "providers")
FILES = (
    "results.json",
    "draws.parquet",
    "tail.parquet",
    "report.html",
    *(f"{table}.parquet" for table in TABLES),
)


def _orphaned(runner: dict[str, Any]) -> bool:
    """Whether the process that ran a run on this machine is gone (a server restart, a killed command)."""
    if runner.get("host") != socket.gethostname() or not runner.get("pid"):
        return False
    # This process, or an earlier one that had the same pid (PID 1 in a restarted container):
    if runner["pid"] == os.getpid():
        return bool(runner.get("process") != PROCESS)
    try:
        os.kill(int(runner["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


@dataclass(frozen=True)
class RunDirectory:
    root: Path
    run_id: str

    @property
    def path(self) -> Path:
        return self.root / self.run_id

    def create(self, scenario_text: str, status: dict[str, Any]) -> None:
        """Open the run, noting which process runs it so that its death can be told."""
        self.path.mkdir(parents=True)
        (self.path / "scenario.yaml").write_text(scenario_text, encoding="utf-8")
        runner = {"host": socket.gethostname(), "pid": os.getpid(), "process": PROCESS}
        self.write_status({**status, "runner": runner})

    def write_status(self, status: dict[str, Any]) -> None:
        _write_atomically(self.path / "status.json", json.dumps(status, indent=1).encode())

    def status(self) -> dict[str, Any]:
        try:
            status: dict[str, Any] = json.loads((self.path / "status.json").read_text())
        except FileNotFoundError:
            raise NotFound(f"no stress-test run {self.run_id!r}") from None
        if status["state"] in ("queued", "running") and _orphaned(status.get("runner", {})):
            status |= {
                "state": "failed",
                "error": "interrupted: the process running it stopped before it finished",
            }
            self.write_status(status)
        return status

    def update(self, **changes: Any) -> dict[str, Any]:
        status = {**self.status(), **changes}
        self.write_status(status)
        return status

    def write_results(self, metrics: dict[str, Any], aggregate: Aggregate, report: str) -> bytes:
        """Write every result file; return the bytes of results.json (whose digest is filed)."""
        results = json.dumps(metrics, indent=1, sort_keys=True).encode()
        _write_atomically(self.path / "results.json", results)
        sample = aggregate.sample
        draws = pa.table(
            {
                "draw": sample.draws,
                "system_loss": sample.system,
                "direct_loss": sample.direct,
                "real_economy_loss": sample.real_economy,
                "defaults": sample.defaults,
            }
        )
        pq.write_table(draws, self.path / "draws.parquet")
        tail = pa.table({"draw": aggregate.tail_draws, "system_loss": aggregate.tail_losses})
        pq.write_table(tail, self.path / "tail.parquet")
        for table in TABLES:
            pq.write_table(pa.Table.from_pylist(metrics[table]), self.path / f"{table}.parquet")
        _write_atomically(self.path / "report.html", report.encode())
        return results

    def results(self) -> dict[str, Any]:
        try:
            results: dict[str, Any] = json.loads((self.path / "results.json").read_text())
        except FileNotFoundError:
            raise NotFound(f"run {self.run_id} has no results yet", evidence=self.status()) from None
        return results

    def losses(self) -> Losses:
        """What the distribution charts read: the sample's and the tail's system losses."""
        return Losses(
            draws=self.results()["system"]["draws"],
            sample=pq.read_table(self.file("draws.parquet"), columns=["system_loss"]).column(0).to_numpy(),
            largest=pq.read_table(self.file("tail.parquet"), columns=["system_loss"]).column(0).to_numpy(),
        )

    def file(self, name: str) -> Path:
        if name not in FILES or not (self.path / name).is_file():
            raise NotFound(f"run {self.run_id} has no file {name!r}", evidence={"files": list(FILES)})
        return self.path / name


def run_directory(root: Path, run_id: str) -> RunDirectory:
    if not RUN_ID.match(run_id):
        raise NotFound(f"no stress-test run {run_id!r}")
    return RunDirectory(root, run_id)


def list_runs(root: Path) -> list[dict[str, Any]]:
    """Every run's status, newest first."""
    if not root.is_dir():
        return []
    found = []
    for entry in root.iterdir():
        if not RUN_ID.match(entry.name):
            continue
        try:
            found.append(run_directory(root, entry.name).status())
        except (NotFound, ValueError):  # a run that crashed before its first status, or a torn file
            continue
    return sorted(found, key=lambda status: status["id"], reverse=True)
