"""``custos risk`` as an analyst and a supervisor use it: published examples through the
single-shot tools, a filed run, the same numbers on a Dask cluster, and exit code 2 on bad input."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from distributed import LocalCluster

from custos.core import units
from custos.risk import EXAMPLES
from tests.functional.test_cli import run, run_json

# FinNetValu's replication of Rogers and Veraart (2013): three banks.
LIABILITIES = "0,0.1,0.7\n2,0,10.5\n0,8.4,0\n"


@pytest.fixture
def analyst(tmp_path: Path) -> Path:
    (tmp_path / "L.csv").write_text(LIABILITIES)
    (tmp_path / "e1.csv").write_text("1\n1\n1\n")
    (tmp_path / "e2.csv").write_text("0,0,0.1\n")
    (tmp_path / "W.csv").write_text("0,0.5\n0.5,0\n")
    (tmp_path / "h0.csv").write_text("0.5\n0\n")
    return tmp_path


@pytest.mark.parametrize(
    ("assets", "expected"), [("e1.csv", [0.8, 9.5, 8.4]), ("e2.csv", [0.8, 5.625, 5.525])]
)
def test_clearing_prints_the_published_clearing_vectors(
    analyst: Path, assets: str, expected: list[float]
) -> None:
    data = run_json(
        analyst / "home", "risk", "clearing", "--model", "en",
        "--liabilities", str(analyst / "L.csv"), "--external-assets", str(analyst / assets),
    )  # fmt: skip
    assert data["payments"] == pytest.approx(expected, abs=1e-12)  # type: ignore[index]


def test_debtrank_prints_the_two_node_example(analyst: Path) -> None:
    args = ["risk", "debtrank", "--exposures", str(analyst / "W.csv"), "--shock", str(analyst / "h0.csv")]
    assert run_json(analyst / "home", *args)["h"] == pytest.approx([2 / 3, 1 / 3])  # type: ignore[index]
    single = run_json(analyst / "home", *args, "--single-hit")
    assert single["h"] == pytest.approx([0.625, 0.25])  # type: ignore[index]


def test_bad_matrices_exit_2_with_the_reason(analyst: Path) -> None:
    (analyst / "ragged.csv").write_text("0,1\n1\n")
    (analyst / "wide.csv").write_text("0,1,2\n1,0,3\n")
    (analyst / "negative.csv").write_text("0,-1\n1,0\n")
    (analyst / "text.csv").write_text("0,x\n1,0\n")
    home = analyst / "home"
    for matrix, reason in (
        ("ragged.csv", "same number of columns"),
        ("wide.csv", "square"),
        ("negative.csv", "L[0,1]"),
        ("text.csv", "not a number"),
    ):
        out = run(home, "risk", "clearing", "--liabilities", str(analyst / matrix), "--external-assets",
                  str(analyst / "e1.csv"), code=2)  # fmt: skip
        assert reason in out
    out = run(home, "risk", "clearing", "--liabilities", str(analyst / "L.csv"), "--external-assets",
              str(analyst / "e1.csv"), "--alpha", "0.5", code=2)  # fmt: skip
    assert "rv" in out


SCENARIO = """
name: North outage, correlated models
seed: 11
draws: 3000
chunk_size: 750
outages: [{provider: cloud-north, loss_rate: 0.15}]
correlated_failures: {copula: student-t, models: {probability: 0.05, loss_rate: 0.3}}
contagion: {model: rogers-veraart, alpha: 0.8, beta: 0.9}
"""


def test_a_run_is_filed_reported_and_the_same_on_local_and_remote_dask_clusters(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO)
    network = str(EXAMPLES / "sample-network")
    here = run_json(home, "risk", "run", str(scenario), "--network", network)
    there = run_json(home, "risk", "run", str(scenario), "--network", network, "--scheduler", "local")
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster:
        remote = run_json(
            home, "risk", "run", str(scenario), "--network", network, "--scheduler", cluster.scheduler_address
        )
    assert here["status"]["state"] == there["status"]["state"] == remote["status"]["state"] == "done"  # type: ignore[index]
    for key in ("system", "institutions", "deployments", "providers", "pool"):
        assert here["results"][key] == there["results"][key] == remote["results"][key]  # type: ignore[index]
    run_id = here["status"]["id"]  # type: ignore[index]
    assert (home / "risk-runs" / run_id / "report.html").read_text().count("<svg") == 4
    report = run(home, "risk", "report", run_id)
    assert "North outage" in report and "Systemic importance" in report
    # each deployer's buffers are the sums over its deployments, as declarations are checked
    deployments = here["results"]["deployments"]  # type: ignore[index]
    bank_a = sum(row["capital"] for row in deployments if row["owner"] == "bank-a")
    assert re.search(rf"bank-a\s+{re.escape(units.money(bank_a, 'EUR'))}", report)
    listed = run_json(home, "risk", "runs")
    assert len(listed) == 3  # type: ignore[arg-type]
    entries = [base64.b64decode(entry["entry"]) for entry in run_json(home, "ledger", "entries")]  # type: ignore[index,union-attr]
    kinds = [json.loads(entry).get("kind") for entry in entries if entry.startswith(b"{")]
    assert kinds.count("stress_test.completed") == 3


def test_a_run_with_a_bad_scenario_exits_2_and_files_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: x\nseed: 1\ncompromises: [{model: unknown-model, loss_rate: 0.2}]\n")
    out = run(home, "risk", "run", str(scenario), "--network", str(EXAMPLES / "sample-network"), code=2)
    assert "unknown-model" in out and "compromises[0].model" in out
    assert run_json(home, "risk", "runs") == []
    scenario.write_text("name: x\nseed: 1\ndraws: 10\n")
    out = run(home, "risk", "run", str(scenario), "--network", str(EXAMPLES / "sample-network"),
              "--scheduler", "tcp://127.0.0.1:1", code=2)  # fmt: skip
    assert "cannot reach the Dask scheduler" in out
    assert [r["state"] for r in run_json(home, "risk", "runs")] == ["failed"]  # type: ignore[index,union-attr]
