"""``custos policy lint`` and ``POST /v1/policy/lint``, as a user and a client call them.

The command needs no installation (it lints against the filing kinds every installation is
composed of); exit code 2 when a finding is an error, as for every refusal of the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from custos.access.model import Role
from custos.cli.app import app
from custos.policy.pack import BUILTIN
from custos.store import ledger_sql
from tests.functional.conftest import Api
from tests.unit.policy.test_lint import PACK


def lint(tmp_path: Path, *args: str, code: int) -> str:
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "policy", "lint", *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_consistent_pack_has_no_findings(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(PACK, encoding="utf-8")
    assert "No findings in 1 pack(s)." in lint(tmp_path, str(good), code=0)
    assert json.loads(lint(tmp_path, str(good), "--json", code=0)) == [
        {"pack": "lint-test@1.0.0", "findings": []}
    ]


def test_an_error_exits_2_with_a_table_that_names_rule_obligation_and_reason(tmp_path: Path) -> None:
    late = tmp_path / "late.yaml"
    late.write_text(
        PACK.replace("from: 2024-08-01", "from: 2025-08-02\n  until: 2027-08-01"), encoding="utf-8"
    )
    out = lint(tmp_path, str(late), code=2)
    assert "Lint findings" in out and "lint-test@1.0.0" in out and "error" in out
    (result,) = json.loads(lint(tmp_path, str(late), "--json", code=2))
    assert [(f["check"], f["severity"], f["obligation"]) for f in result["findings"]] == [
        ("not-before", "error", "legacy-documentation")
    ]


def test_without_a_file_it_lints_every_builtin_pack(tmp_path: Path) -> None:
    results = json.loads(lint(tmp_path, "--json", code=0))
    assert sorted(r["pack"].split("@")[0] for r in results) == sorted(p.stem for p in BUILTIN.glob("*.yaml"))


def test_a_pack_that_does_not_load_is_refused_with_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(PACK.replace("subject: model", "subject: planet", 1), encoding="utf-8")
    assert "bad.yaml" in lint(tmp_path, str(bad), code=2)


def test_the_route_answers_findings_and_stores_nothing(api: Api) -> None:
    with api.store.read() as conn:
        before = ledger_sql.tree_size(conn)
    supervisor = api.headers(Role.SUPERVISOR)
    text = PACK.replace("discharged_by: [passport.filed]", "discharged_by: [court.ruling_served]", 1)
    response = api.client.post("/v1/policy/lint", json={"text": text}, headers=supervisor)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "pack": "lint-test@1.0.0",
        "findings": [
            {
                "check": "discharged-by",
                "severity": "warning",
                "rule": None,
                "obligation": "documentation",
                "message": "evidence to be filed: court.ruling_served (this installation files no such kind)",
            }
        ],
    }
    refused = api.client.post(
        "/v1/policy/lint",
        json={"text": PACK.replace("subject: model", "subject: planet", 1)},
        headers=supervisor,
    )
    assert refused.status_code == 422
    assert refused.json()["evidence"]["problems"][0]["path"] == "rules.0.subject"
    with api.store.read() as conn:
        assert ledger_sql.tree_size(conn) == before
