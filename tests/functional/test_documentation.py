"""A model's technical documentation (EU AI Act Art. 53(1)(a), Annex XI) as a filing: from the
command line and the API, refused with the element named when one is missing, and discharging
the duty a passport does not."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from custos.access.model import Role
from custos.cli.app import app
from tests.functional.conftest import Api

DOCUMENT = b"The technical documentation of Giant, version 1."

ELEMENTS: dict[str, Any] = {
    "document_sha256": hashlib.sha256(DOCUMENT).hexdigest(),
    "general_description": {
        "tasks": "Text generation; chat assistants (section 1.1).",
        "acceptable_use_policies": "Section 1.2.",
        "release_and_distribution": "2026-02-01, API (section 1.3).",
        "architecture_and_parameters": "Decoder-only transformer, 400B parameters (section 1.4).",
        "modalities": "Text in, text out (section 1.5).",
        "licence": "Proprietary (section 1.6).",
    },
    "development": {
        "integration_means": "REST API (section 2.1).",
        "design_and_training": "Section 2.2.",
        "data": "Web text, licensed books; provenance in section 2.3.",
        "computational_resources": "3.0e25 FLOP, 90 days (section 2.4).",
        "energy": "About 20 GWh, from the compute (section 2.5).",
    },
}


CARD = (
    "---\nlicense: mit\npipeline_tag: text-generation\nmodel-index:\n- name: Lab/Giant\n  results: []\n---\n"
)


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_the_command_line_files_it_and_names_a_missing_element(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    card = tmp_path / "README.md"
    card.write_text(CARD)
    report = json.loads(run(home, "registry", "import", "hf", str(card), "--json"))
    model_id = report["models"][0]["model_id"]
    missing = {**ELEMENTS, "development": {k: v for k, v in ELEMENTS["development"].items() if k != "energy"}}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(missing))
    assert "development.energy" in run(home, "registry", "document", model_id, str(bad), code=2)
    good = tmp_path / "annex-xi.yaml"
    good.write_text(yaml.safe_dump(ELEMENTS))
    filed = json.loads(run(home, "registry", "document", model_id, str(good), "--json"))
    assert filed["model_id"] == model_id and filed["document_sha256"] == ELEMENTS["document_sha256"]


def test_the_api_files_it_for_the_provider_and_hides_it_from_the_public(api: Api) -> None:
    model = api.samples["model"]
    answer = api.client.post(
        f"/v1/models/{model}/documentation", json=ELEMENTS, headers=api.headers(Role.PROVIDER)
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["general_description"]["licence"] == "Proprietary (section 1.6)."
    filing = api.client.get(f"/v1/filings/{body['filing_id']}").json()  # the public reads the log
    assert "general_description" not in json.dumps(filing.get("content", {}))
    short = api.client.post(
        f"/v1/models/{model}/documentation",
        json={**ELEMENTS, "document_sha256": "abc"},
        headers=api.headers(Role.PROVIDER),
    )
    assert short.status_code == 422 and "document_sha256" in short.text


def test_the_command_line_publishes_a_framework_and_refuses_a_modification_without_its_day(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    run(home, "init")
    run(home, "orgs", "add", "Lab", "-j", "US-CA", "--country", "US")
    sha = ELEMENTS["document_sha256"]
    published = json.loads(
        run(home, "orgs", "framework", "Lab", "--url", "https://lab.example/f", "--sha256", sha, "--json")
    )
    assert (published["url"], published["material_modification"]) == ("https://lab.example/f", False)
    refused = run(
        home, "orgs", "framework", "Lab", "--url", "u", "--sha256", sha, "--modified-on", "2026-11-02", code=2
    )
    assert "justification" in refused
