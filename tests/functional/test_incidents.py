"""Incidents on the command line: a report is checked before it reaches the service (a bad one
exits 2 naming the field, and files nothing), and each step prints what the API answers, with
the fields it does not carry absent rather than null."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from custos.cli.app import app
from custos.passports.epoch import SHIPPED


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def run_json(home: Path, *args: str) -> dict[str, object]:
    answer: dict[str, object] = json.loads(run(home, *args, "--json"))
    return answer


def log_size(home: Path) -> object:
    return run_json(home, "ledger", "status")["size"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An installation holding one model from Epoch's table (Oxford's CaLM)."""
    home = tmp_path / "home"
    run(home, "init")
    with SHIPPED.open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        rows = [row for row in reader if row["Model"] == "CaLM"]
        fields = reader.fieldnames or []
    table = tmp_path / "epoch.csv"
    with table.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    run(home, "registry", "import", "epoch", str(table), "--skip-invalid")
    return home


REPORT = ("incident", "report", "--model", "CaLM", "--severity", "serious")


def test_a_report_prints_what_was_filed_and_a_step_only_its_reason(home: Path) -> None:
    reported = run_json(home, *REPORT, "--summary", " wrong scores ", "--occurred-at", "2026-11-01T10:00:00")
    assert set(reported) == {
        "id",
        "status",
        "reported_at",
        "model_ids",
        "deployment_ids",
        "severity",
        "occurred_at",
        "discovered_at",
        "harm_types",
        "facts",
        "imminent_risk",
        "affected_people",
        "affected_jurisdictions",
        "reporter_role",
        "incomplete",
        "summary",
    }
    assert (reported["status"], reported["severity"], reported["summary"]) == (
        "open",
        "serious",
        "wrong scores",
    )
    assert reported["occurred_at"] == "2026-11-01T10:00:00Z"
    confirmed = run_json(home, "incident", "confirm", str(reported["id"]), "--reason", "triaged")
    assert confirmed == {"id": reported["id"], "status": "confirmed", "reason": "triaged"}
    closed = run_json(home, "incident", "close", str(reported["id"]), "--reason", "fixed")
    assert closed == {"id": reported["id"], "status": "closed", "reason": "fixed"}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((*REPORT, "--summary", "   "), "summary"),
        ((*REPORT, "--summary", "x" * 10_001), "summary"),
    ],
)
def test_an_invalid_report_exits_2_naming_the_field_and_files_nothing(
    home: Path, args: tuple[str, ...], field: str
) -> None:
    before = log_size(home)
    output = run(home, *args, code=2)
    assert f"invalid incident: {field}: " in output and len(output.strip().splitlines()) == 1
    assert log_size(home) == before


def test_a_step_without_a_reason_exits_2_and_files_nothing(home: Path) -> None:
    reported = run_json(home, *REPORT, "--summary", "outage")
    before = log_size(home)
    output = run(home, "incident", "close", str(reported["id"]), "--reason", " ", code=2)
    assert "reason" in output and len(output.strip().splitlines()) == 1
    assert log_size(home) == before


def test_a_report_dated_in_the_future_or_discovered_before_it_occurred_is_refused(home: Path) -> None:
    """A clock that would start in the future, or a discovery before the incident, is a mistake:
    exit code 2 with the field named, and nothing filed."""
    before = log_size(home)
    future = run(home, *REPORT, "--summary", "s", "--occurred-at", "2999-01-01T00:00:00", code=2)
    assert "occurred_at" in future and "future" in future
    early = run(
        home,
        *REPORT,
        "--summary",
        "s",
        "--occurred-at",
        "2026-11-02T10:00:00",
        "--discovered-at",
        "2026-11-01T10:00:00",
        code=2,
    )
    assert "discovered_at" in early
    assert log_size(home) == before


def test_the_discovery_and_the_imminent_risk_are_on_the_record(home: Path) -> None:
    reported = run_json(
        home,
        *REPORT,
        "--summary",
        "weights exfiltrated",
        "--occurred-at",
        "2026-11-01T10:00:00",
        "--discovered-at",
        "2026-11-03T08:30:00",
        "--imminent-risk",
    )
    assert reported["discovered_at"].startswith("2026-11-03T08:30:00") and reported["imminent_risk"] is True


def test_a_disclosure_is_recorded_and_a_bad_one_refused(home: Path) -> None:
    reported = run_json(
        home, *REPORT, "--summary", "s", "--occurred-at", "2026-11-01T10:00:00", "--imminent-risk"
    )
    disclosed = run_json(
        home,
        "incident",
        "disclose",
        str(reported["id"]),
        "--authority",
        "Sacramento County Sheriff",
        "--disclosed-at",
        "2026-11-01T20:00:00",
    )
    assert (disclosed["disclosed_to"], disclosed["status"]) == ("Sacramento County Sheriff", "open")
    before = log_size(home)
    assert "no incident" in run(home, "incident", "disclose", "01NOSUCH", "--authority", "Police", code=2)
    early = ("--authority", "Police", "--disclosed-at", "2026-11-01T09:59:59")
    assert "before the incident occurred" in run(
        home, "incident", "disclose", str(reported["id"]), *early, code=2
    )
    assert log_size(home) == before


def test_a_richer_report_is_listed_shown_followed_and_published(home: Path) -> None:
    """The operator reports with harm types, facts and jurisdictions; the incident is listed,
    shown with its reports, followed by a final report, then published with a public summary."""
    reported = run_json(
        home,
        *REPORT,
        "--summary",
        "confidential account",
        "--occurred-at",
        "2026-11-01T10:00:00",
        "--harm",
        "physical",
        "--fact",
        "serious_harm_to_health",
        "--jurisdiction",
        "de",
        "--affected-people",
        "12",
        "--incomplete",
    )
    assert (reported["harm_types"], reported["facts"]) == (["physical"], ["serious_harm_to_health"])
    assert (reported["affected_jurisdictions"], reported["affected_people"]) == (["DE"], 12)
    assert (reported["incomplete"], reported["reporter_role"]) == (True, "supervisor")
    incident = str(reported["id"])
    listed = run_json(home, "incident", "list", "--status", "open")
    assert listed["total"] == 1 and [i["id"] for i in listed["incidents"]] == [incident]  # type: ignore[index]
    assert run_json(home, "incident", "list", "--status", "closed")["total"] == 0
    final = run_json(home, "incident", "update", incident, "--stage", "final", "--learned", "a bad prompt")
    assert (final["kind"], final["stage"]) == ("incident.updated", "final")
    published = run_json(home, "incident", "publish", incident, "--summary", "A scoring fault, fixed.")
    assert published["public_summary"] == "A scoring fault, fixed." and "published_at" in published
    shown = run_json(home, "incident", "show", incident)
    assert [r["id"] for r in shown["reports"]] == [final["id"]]  # type: ignore[union-attr]
    assert "publish" in run(home, "incident", "publish", incident, "--summary", "again", code=2)


def test_an_unknown_harm_type_or_status_exits_2_and_files_nothing(home: Path) -> None:
    before = log_size(home)
    output = run(home, *REPORT, "--summary", "s", "--harm", "spiritual", code=2)
    assert "harm_types" in output and "unknown harm type 'spiritual'" in output
    assert "unknown status" in run(home, "incident", "list", "--status", "pending", code=2)
    assert log_size(home) == before
