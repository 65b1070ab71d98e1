"""Epoch AI's shipped table imported by name, from the command line and over HTTP: every row
becomes a model, and the source's slips are counted, listed and shown on the passports.

The expected counts are read from the CSV here, apart from the importer."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from custos.access.model import Role
from custos.core.settings import load_settings
from custos.installation import composition
from custos.passports.epoch import SHIPPED
from custos.store import Store, ledger_sql
from tests.functional.conftest import Api
from tests.functional.test_cli import run, run_json

ROWS = list(csv.DictReader(io.StringIO(SHIPPED.read_text(encoding="utf-8"), newline="")))


def number(row: dict[str, str], column: str) -> float | None:
    cell = row[column].strip()
    return float(cell) if cell else None


def expected_flags() -> dict[str, int]:
    """Problems by count, straight from the cells."""
    names = Counter(r["Model"].strip() for r in ROWS)
    counts: Counter[str] = Counter()
    for row in ROWS:
        mid = number(row, "Training compute (FLOP)")
        low, high = number(row, "Training compute lower bound"), number(row, "Training compute upper bound")
        utilisation = number(row, "Hardware utilization (MFU)")
        counts["no_organisation"] += not row["Organization"].strip()
        counts["percentage"] += utilisation is not None and utilisation > 1
        counts["bound_crosses_estimate"] += mid is not None and (
            (low is not None and mid < low) or (high is not None and mid > high)
        )
        counts["duplicate_name"] += names[row["Model"].strip()] > 1
    return dict(counts)


def test_the_expected_flags_are_the_ones_the_issue_found() -> None:
    assert expected_flags() == {
        "no_organisation": 19,
        "percentage": 1,
        "bound_crosses_estimate": 1,
        "duplicate_name": 2,
    }


def test_cli_imports_the_shipped_table_by_name_with_a_short_summary(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    report_file = tmp_path / "flags.jsonl"
    out = run(home, "registry", "import", "epoch", "--report", str(report_file))
    lines = out.strip().splitlines()
    assert len(lines) <= 6, out
    assert lines[0].startswith("Imported 1,892 model(s) from 1,892 record(s) of epoch_ai_models.csv")
    for problem, count in expected_flags().items():
        assert f"{count} {problem.replace('_', ' ')}" in lines[1]
    details = [json.loads(line) for line in report_file.read_text().splitlines()]
    flags = [d for d in details if d["kind"] == "flag"]
    assert Counter(f["problem"] for f in flags) == expected_flags()
    assert not [d for d in details if d["kind"] == "skipped"]
    assert Counter(d["kind"] for d in details)["note"] > 0

    store = Store.open(load_settings(home), composition())
    with store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM models").scalar_one() == 1892
    store.close()
    [unattributed] = run_json(home, "registry", "orgs", "--search", "Unattributed")["items"]  # type: ignore[index]
    listed = run_json(home, "registry", "models", "--org", unattributed["id"], "--limit", "500")
    assert len(listed["items"]) == expected_flags()["no_organisation"]  # type: ignore[index]
    convs2s = next(f for f in flags if f["name"] == "ConvS2S (ensemble of 8 models)")
    shown = run_json(home, "registry", "show", convs2s["model_id"])
    passport = shown["passport"]  # type: ignore[index]
    assert passport["flagged"] == ["compute.training_flop_lower"]
    assert passport["passport"]["data_quality"] == [
        {key: convs2s[key] for key in ("field", "problem", "original", "action")}
    ]
    assert passport["passport"]["compute"]["training_flop_lower"] == 5.64e19


def test_cli_verbose_lists_each_flag_and_refuses_a_real_contradiction(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ROWS[0]))
    writer.writeheader()
    writer.writerow(dict(ROWS[0], Organization=""))
    table = tmp_path / "mine.csv"
    table.write_text(out.getvalue())
    listed = run(home, "registry", "import", "epoch", str(table), "-v")
    assert "flagged mine.csv:2 (" in listed and "provider: no organisation (was blank)" in listed

    second = out.getvalue().count("\n") + 1  # the first row's cells hold line breaks
    writer.writerow(
        dict(ROWS[1], **{"Training compute (FLOP)": "1e20", "Training compute lower bound": "5e20"})
    )
    table.write_text(out.getvalue())
    before = run_json(home, "ledger", "status")
    refused = run(home, "registry", "import", "epoch", str(table), code=2)
    assert refused.count("\n") == 1 and f"mine.csv:{second} (" in refused
    assert "outside its lower and upper" in refused
    assert run_json(home, "ledger", "status") == before
    assert "no cyclonedx document is shipped" in run(home, "registry", "import", "cyclonedx", code=2)


def size(api: Api) -> int:
    with api.store.read() as conn:
        return ledger_sql.tree_size(conn)


def test_api_imports_the_shipped_table_for_supervisors_only(api: Api) -> None:
    shipped = {"source": "shipped"}
    before = size(api)
    for role in (Role.PROVIDER, Role.DEPLOYER, Role.AUDITOR, Role.PUBLIC):
        assert api.client.post(
            "/v1/imports/epoch", params=shipped, headers=api.headers(role)
        ).status_code in (
            401,
            403,
        )
    with_body = api.client.post(
        "/v1/imports/epoch", params=shipped, content=b"Model\n", headers=api.headers(Role.SUPERVISOR)
    )
    assert with_body.status_code == 422 and "no body" in with_body.json()["detail"]
    assert with_body.headers["content-type"].startswith("application/problem+json")
    other = api.client.post("/v1/imports/spdx", params=shipped, headers=api.headers(Role.SUPERVISOR))
    assert other.status_code == 422 and "no spdx document is shipped" in other.json()["detail"]
    assert size(api) == before

    response = api.client.post("/v1/imports/epoch", params=shipped, headers=api.headers(Role.SUPERVISOR))
    assert response.status_code == 201
    body = response.json()
    assert body["imported_models"] == body["records"] == 1892 and body["skipped"] == []
    assert body["flagged"] == expected_flags()
    assert Counter(f["problem"] for f in body["data_quality"]) == expected_flags()
    gpt3 = next(f for f in body["data_quality"] if f["name"] == "GPT3-2.7B (FlashAttention-2)")
    assert (gpt3["field"], gpt3["original"], gpt3["record"]) == (
        "compute.utilisation",
        "72.0",
        "epoch_ai_models.csv:8137 (GPT3-2.7B (FlashAttention-2))",
    )
    model = api.client.get(f"/v1/models/{gpt3['model_id']}").json()  # the public sees Epoch's notes
    assert model["passport"]["flagged"] == ["compute.utilisation"]
    assert model["passport"]["passport"]["compute"]["utilisation"] == 0.72
    assert model["passport"]["passport"]["data_quality"][0]["problem"] == "percentage"
