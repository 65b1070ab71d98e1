"""The registry's commands at the edge: what they file is parsed into the payload models first,
so a bad value is refused with its field named and exit code 2, and nothing is filed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.functional.test_cli import run, run_json
from tests.unit.registry.test_imports import cyclonedx, item


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    return home


def log_size(home: Path) -> int:
    status = run_json(home, "ledger", "status")
    assert isinstance(status, dict)
    return int(status["size"])


def test_a_bad_passport_in_a_file_names_the_field_and_files_nothing(installed: Path, tmp_path: Path) -> None:
    document = json.loads(cyclonedx(item("Bad", "Lab SA")))
    card = document["components"][0]["modelCard"]
    card["properties"].append({"name": "custos:compute", "value": json.dumps({"training_flop": -5})})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    before = log_size(installed)
    refused = run(installed, "registry", "import", "cyclonedx", str(bad), code=2)
    assert "passport.compute.training_flop" in refused and "greater than 0" in refused
    assert log_size(installed) == before


def test_an_organisation_with_a_bad_country_names_the_field(installed: Path) -> None:
    before = log_size(installed)
    refused = run(installed, "orgs", "add", "Bank AG", "-j", "DE", "--country", "DEU", code=2)
    assert "invalid organisation: country" in refused and "alpha-2" in refused
    assert log_size(installed) == before


def test_a_deployment_is_parsed_before_it_is_filed(installed: Path) -> None:
    """``add-deployment`` builds its deployment from options: a bad date names ``start_date``;
    a good one is filed and printed as the API answers it."""
    lab = run_json(installed, "orgs", "add", "Lab SA", "-j", "FR", "--country", "FR")
    bank = run_json(installed, "orgs", "add", "Bank AG", "-j", "DE", "--country", "DE")
    card = installed.parent / "README.md"
    card.write_text("---\nlicense: mit\nmodel-index:\n- name: Lab SA/Giant\n  results: []\n---\n# Giant\n")
    report = run_json(installed, "registry", "import", "hf", str(card))
    assert isinstance(lab, dict) and isinstance(bank, dict) and isinstance(report, dict)
    model = report["models"][0]["model_id"]
    options = ("--name", "Scoring", "--deployer", bank["id"], "--model", model, "--sector", "finance")
    before = log_size(installed)
    refused = run(installed, "registry", "add-deployment", *options, "-j", "DE", "--start", "someday", code=2)
    assert "invalid deployment: start_date" in refused
    assert log_size(installed) == before
    filed = run_json(installed, "registry", "add-deployment", *options, "-j", "DE", "--users", "10")
    assert isinstance(filed, dict)
    assert filed["deployer_id"] == bank["id"] and filed["user_population"] == 10
    assert filed["jurisdictions"] == ["DE"] and filed["withheld"] == []
