"""A run's directory: its progress survives processes, and a run whose process died says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from custos.core.errors import NotFound
from custos.risk.adapters.runs import RunDirectory, list_runs, run_directory

RUN = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def test_a_run_whose_process_died_is_reported_as_interrupted(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path, RUN)
    run.create("name: x\nseed: 1\n", {"id": RUN, "state": "running", "scenario": "x"})
    assert run.status()["state"] == "running"  # this process is alive
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    run.update(runner={**run.status()["runner"], "pid": int(finished.stdout)})
    status = run.status()
    assert status["state"] == "failed" and status["error"].startswith("interrupted")
    assert list_runs(tmp_path)[0]["state"] == "failed"


def test_a_finished_run_is_left_alone_and_unknown_names_are_not_found(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path, RUN)
    run.create("name: x\nseed: 1\n", {"id": RUN, "state": "done", "scenario": "x"})
    run.update(runner={"host": "elsewhere", "pid": 1})
    assert run.status()["state"] == "done"
    for name in ("../etc", "01ARZ3NDEKTSV4RRFFQ69G5FAW"):
        with pytest.raises(NotFound):
            run_directory(tmp_path, name).status()


def test_an_earlier_process_with_this_pid_counts_as_gone(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path, RUN)
    run.create("name: x\nseed: 1\n", {"id": RUN, "state": "running", "scenario": "x"})
    run.update(runner={**run.status()["runner"], "process": "an-earlier-one"})
    assert run.status()["state"] == "failed"


def test_a_run_directory_without_status_is_left_out_of_the_list(tmp_path: Path) -> None:
    (tmp_path / RUN).mkdir()
    assert list_runs(tmp_path) == []
