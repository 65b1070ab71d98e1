"""Organisations, models and deployments named on the command line by id or by name."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from custos.cli.app import app
from custos.passports.epoch import SHIPPED

#: Epoch's table has two models whose names differ only in case, by different organisations.
NAMES = {"calm"}


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An installation holding Epoch's rows for CALM (NVIDIA) and CaLM (Oxford)."""
    home = tmp_path / "home"
    run(home, "init")
    with SHIPPED.open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        rows = [row for row in reader if row["Model"].lower() in NAMES]
        fields = reader.fieldnames or []
    table = tmp_path / "epoch.csv"
    with table.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    report = json.loads(run(home, "registry", "import", "epoch", str(table), "--skip-invalid", "--json"))
    assert report["imported_models"] == 2
    return home


def model_named(home: Path, name: str) -> dict[str, str]:
    page = json.loads(run(home, "registry", "models", "--search", name, "--json"))
    found: dict[str, str] = next(m for m in page["items"] if m["name"] == name)
    return found


def test_a_name_differing_only_in_case_from_another_is_refused_with_the_candidates(home: Path) -> None:
    calm, oxford = model_named(home, "CALM"), model_named(home, "CaLM")
    refused = run(home, "registry", "show", "calm", code=2)
    assert "'calm' names more than one" in refused
    assert calm["id"] in refused and oxford["id"] in refused and "University of Oxford" in refused


def test_the_exact_name_id_and_unique_name_resolve(home: Path) -> None:
    oxford = model_named(home, "CaLM")
    assert json.loads(run(home, "registry", "show", "CaLM", "--json"))["id"] == oxford["id"]
    assert json.loads(run(home, "registry", "show", oxford["id"], "--json"))["id"] == oxford["id"]
    org = json.loads(run(home, "registry", "show", "university of oxford", "--json"))
    models = json.loads(run(home, "registry", "models", "--org", "University of Oxford", "--json"))
    assert [m["id"] for m in models["items"]] == [oxford["id"]] and org["name"] == "University of Oxford"


def test_licence_apply_and_decide_take_names(home: Path) -> None:
    bank = json.loads(run(home, "orgs", "add", "Bank AG", "-j", "DE", "--json"))
    oxford = model_named(home, "CaLM")
    licence = json.loads(
        run(home, "licence", "apply", "--model", "CaLM", "--applicant", "bank ag", "-j", "EU", "--json")
    )
    assert licence["applicant_id"] == bank["id"] and licence["model_id"] == oxford["id"]
    denied = run(home, "decide", "--deployer", "Bank AG", "--model", "CaLM", "-j", "DE", "--json", code=1)
    assert json.loads(denied)["allow"] is False
    actor = json.loads(
        run(home, "actors", "add", "Officer", "--role", "deployer", "--org", "BANK AG", "--json")
    )
    assert actor["organisation_id"] == bank["id"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("registry", "show", "Nope"), "no model, deployment or organisation 'Nope'"),
        (("registry", "deployments", "--model", "Nope"), "no model 'Nope'"),
        (("incident", "report", "--model", "calm", "--severity", "serious", "--summary", "x"), "names more"),
        (("policy", "whatif", "Nope", "--set", "training_flop=1e26"), "no model or deployment 'Nope'"),
        (("decide", "--deployer", "Nope", "--model", "CaLM", "-j", "DE"), "no organisation 'Nope'"),
    ],
)
def test_unknown_and_ambiguous_names_exit_2(home: Path, args: tuple[str, ...], message: str) -> None:
    assert message in run(home, *args, code=2)
