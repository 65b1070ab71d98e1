"""The shipped stress-test examples run as the docs write them: by file, by name, with the network
the scenario names or the one given; a scenario's network reference stays inside its folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from custos.access.model import Role
from custos.risk import EXAMPLES, load_scenario
from custos.risk.engine.digests import scenario_digest
from tests.functional.conftest import Api
from tests.functional.test_cli import run, run_json

FILES = sorted((EXAMPLES / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    installed = tmp_path_factory.mktemp("risk-examples") / "home"
    run(installed, "init", "--origin", "example.org/custos")
    return installed


def test_examples_lists_every_shipped_scenario_with_the_network_it_names(home: Path) -> None:
    listed = run_json(home, "risk", "examples")
    expected = []
    for path in FILES:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        expected.append(
            {
                "name": path.stem,
                "network": document["network"],
                "title": document["name"],
                "description": " ".join(document["description"].split()),
                "path": str(path),
            }
        )
    assert listed == expected and len(expected) == 2
    assert {e["network"] for e in expected} == {"sample"}
    table = run(home, "risk", "examples")
    assert all(path.stem in table for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_example_runs_as_written_by_file_and_by_name(home: Path, path: Path) -> None:
    draws = yaml.safe_load(path.read_text(encoding="utf-8"))["draws"]
    for argument in (str(path), path.stem):
        done = run_json(home, "risk", "run", argument)
        status = done["status"]  # type: ignore[index]
        assert status["state"] == "done" and status["draws"] == draws
        assert status["network"]["institutions"] == 5  # the sample network's five institutions
    filed = run_json(home, "risk", "runs")
    assert sum(r["scenario"] == load_scenario(path.read_text()).name for r in filed) == 2  # type: ignore[union-attr,index]


def test_network_overrides_what_the_scenario_names(home: Path) -> None:
    out = run(home, "risk", "run", "compromised-model", "--network", "registry", code=2)
    assert "compromised-model.yaml:" in out and "credit-llm" in out
    same = run_json(home, "risk", "run", "compromised-model", "--network", str(EXAMPLES / "sample-network"))
    assert same["status"]["state"] == "done"  # type: ignore[index]


def test_an_unknown_example_or_network_is_one_line_and_exit_2(home: Path, tmp_path: Path) -> None:
    out = run(home, "risk", "run", "no-such-example", code=2)
    assert "no scenario file 'no-such-example'" in out and "cloud-outage" in out
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\nseed: 1\ndraws: 10\nnetwork: atlantis\n")
    out = run(home, "risk", "run", str(scenario), code=2)
    assert out.startswith("error: s.yaml:4: network: no network named 'atlantis'") and out.count("\n") == 1
    scenario.write_text("")
    out = run(home, "risk", "run", str(scenario), code=2)
    assert out.startswith("error: invalid stress-test run of s.yaml: scenario: ") and out.count("\n") == 1


def test_a_network_beside_the_scenario_runs_and_one_outside_its_folder_is_refused(
    home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "study"
    shutil.copytree(EXAMPLES / "sample-network", folder / "net")
    text = (EXAMPLES / "scenarios" / "compromised-model.yaml").read_text()
    scenario = folder / "scenario.yaml"
    scenario.write_text(text.replace("network: sample", "network: ./net"))
    assert run_json(home, "risk", "run", str(scenario))["status"]["state"] == "done"  # type: ignore[index]
    shutil.copytree(EXAMPLES / "sample-network", tmp_path / "outside")
    before = len(run_json(home, "risk", "runs"))  # type: ignore[arg-type]
    for reference, reason in (
        ("../outside", "leads outside the scenario's folder"),
        (str(tmp_path / "outside"), "is absolute"),
    ):
        scenario.write_text(text.replace("network: sample", f"network: {reference}"))
        out = run(home, "risk", "run", str(scenario), code=2)
        assert reason in out and "scenario.yaml:5: network:" in out
    assert len(run_json(home, "risk", "runs")) == before  # type: ignore[arg-type]


def test_the_network_key_leaves_the_scenario_digest_unchanged() -> None:
    text = FILES[0].read_text()
    named = load_scenario(text)
    unnamed = load_scenario("\n".join(line for line in text.splitlines() if not line.startswith("network:")))
    assert named.network == "sample" and unnamed.network is None
    assert scenario_digest(named) == scenario_digest(unnamed)


def test_the_api_lists_examples_with_their_network_and_runs_them_on_it(api: Api) -> None:
    headers = api.headers(Role.SUPERVISOR)
    listed = api.client.get("/v1/risk/examples", headers=headers).json()
    assert [(e["example"], e["network"]) for e in listed] == [(p.stem, "sample") for p in FILES]
    compromised = next(e for e in listed if e["example"] == "compromised-model")
    started = api.client.post("/v1/risk/runs", json={"scenario": compromised["text"]}, headers=headers)
    assert started.status_code == 202, started.text
    assert started.json()["network"]["institutions"] == 5
    overridden = api.client.post(
        "/v1/risk/runs", json={"scenario": compromised["text"], "network": "registry"}, headers=headers
    )
    assert overridden.status_code == 422 and "credit-llm" in overridden.text
    by_path = compromised["text"].replace("network: sample", "network: ./net")
    refused = api.client.post("/v1/risk/runs", json={"scenario": by_path}, headers=headers)
    assert refused.status_code == 422 and "by name, not by path" in refused.json()["detail"]
