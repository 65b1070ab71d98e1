"""Incident history from the AI Incident Database's snapshot, over the API and the command line.

The snapshot excerpts in tests/fixtures/aiid are synthetic rows in the snapshot's exact format:
three incidents (9001 to 9003) and four reports, one listed by no incident."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from custos.access.model import Role
from custos.access.service import operator
from custos.cli.app import app
from custos.client.client import CustosClient
from custos.filings import Visibility
from custos.oversight import history
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from tests.functional.conftest import Api

FIXTURES = Path(__file__).parents[1] / "fixtures" / "aiid"
INCIDENTS = (FIXTURES / "incidents.csv").read_text(encoding="utf-8")
REPORTS = (FIXTURES / "reports.csv").read_text(encoding="utf-8")
HISTORY = "/v1/incidents/history"


def log_size(api: Api) -> int:
    size: int = api.client.get("/v1/ledger/status").json()["size"]
    return size


def upload(
    api: Api, incidents: str = INCIDENTS, reports: str | None = REPORTS, role: Role = Role.SUPERVISOR
) -> Any:
    body = {"incidents": incidents} | ({"reports": reports} if reports is not None else {})
    return api.client.post(HISTORY, json=body, headers=api.headers(role))


def imported(api: Api, incidents: str = INCIDENTS, reports: str | None = REPORTS) -> dict[str, Any]:
    response = upload(api, incidents, reports)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def listed(api: Api, role: Role = Role.PUBLIC, **params: Any) -> dict[str, Any]:
    response = api.client.get(HISTORY, params=params, headers=api.headers(role))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def by_number(page: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["external_id"]: item for item in page["items"]}


def test_an_import_files_each_incident_once_with_its_reports_and_the_public_lists_it(api: Api) -> None:
    before = log_size(api)
    summary = imported(api)
    assert summary == {
        "source": "aiid",
        "incidents": 3,
        "filed": 3,
        "superseded": 0,
        "unchanged": 0,
        "reports": 4,
        "skipped_reports": 1,  # 99999 is listed by no incident
    }
    # Three filings and nothing derived from them: history starts no clock, attaches no duty.
    assert log_size(api) == before + 3
    page = listed(api)
    assert page["total"] == 3 and page["next"] is None
    assert "AI Incident Database" in page["attribution"] and "CC BY-SA 4.0" in page["attribution"]
    assert [item["external_id"] for item in page["items"]] == ["9003", "9002", "9001"]
    shuttle = by_number(page)["9001"]
    assert {key: shuttle[key] for key in ("source", "date", "title", "report_count", "url")} == {
        "source": "aiid",
        "date": "2024-03-18",
        "title": "Synthetic Shuttle Stops Suddenly in Test Town",
        "report_count": 2,
        "url": "https://incidentdatabase.ai/cite/9001",
    }
    assert shuttle["developers"] == ["example-robotics", "acme-ai"]
    assert (shuttle["deployers"], shuttle["harmed_parties"]) == (["example-transit"], ["pedestrians"])
    filing = api.client.get(f"/v1/filings/{shuttle['id']}").json()["view"]
    reports = filing["disclosed"]["reports"]["value"]
    assert [r["number"] for r in reports] == [90011, 90012]
    assert reports[0]["title"] == 'Shuttle stops "suddenly" (log at C:\\logs)'
    assert reports[1]["date_published"] == "2024-03-22"


def test_importing_the_same_snapshot_again_files_nothing(api: Api) -> None:
    imported(api)
    before = log_size(api)
    again = imported(api)
    assert (again["filed"], again["superseded"], again["unchanged"]) == (0, 0, 3)
    # Without reports.csv each incident keeps the reports it was given: still unchanged.
    without_reports = imported(api, reports=None)
    assert (without_reports["unchanged"], without_reports["reports"]) == (3, 0)
    assert log_size(api) == before


def test_a_changed_incident_is_filed_again_superseding_its_last_filing(api: Api) -> None:
    imported(api)
    old = by_number(listed(api))["9002"]
    changed = INCIDENTS.replace(
        "Synthetic Chatbot Gives Wrong Refund Advice", "Chatbot Refund Advice Corrected"
    )
    summary = imported(api, changed)
    assert (summary["filed"], summary["superseded"], summary["unchanged"]) == (0, 1, 2)
    page = listed(api)
    assert page["total"] == 3
    new = by_number(page)["9002"]
    assert new["title"] == "Chatbot Refund Advice Corrected" and new["id"] != old["id"]
    filing = api.client.get(f"/v1/filings/{new['id']}").json()["view"]
    assert filing["envelope"]["supersedes"] == old["id"]


def test_a_file_lacking_a_required_column_is_refused_naming_it_and_stores_nothing(api: Api) -> None:
    before = log_size(api)
    no_title = INCIDENTS.replace(",description,title\n", ",description,headline\n", 1)
    response = upload(api, no_title)
    assert response.status_code == 422
    assert "incidents.csv line 1: missing required column(s) title" in response.json()["detail"]
    no_url = REPORTS.replace('"url"', '"link"', 1)
    response = upload(api, reports=no_url)
    assert response.status_code == 422
    assert "reports.csv line 1: missing required column(s) url" in response.json()["detail"]
    assert log_size(api) == before
    assert listed(api)["total"] == 0


def test_a_bad_row_stores_nothing_of_its_batch_and_names_the_row(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "BATCH", 2)
    bad = INCIDENTS.replace("2024-06-30T00:00:00.000Z", "someday")
    response = upload(api, bad)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "incidents.csv line 5: date 'someday' is not a date" in detail
    assert "the 2 incident(s) before its batch were imported" in detail
    assert sorted(by_number(listed(api))) == ["9001", "9002"]


def test_entities_map_to_a_registered_organisation_only_when_one_public_name_matches(api: Api) -> None:
    registry, by = RegistryService(api.store), operator(api.store)

    def register(name: str, visibility: dict[str, Visibility] | None = None) -> str:
        content = OrganisationRegistered.model_validate({"name": name})
        return registry.register_organisation(content, by=by, visibility=visibility).id

    acme = register("Acme AI")  # acme-ai: the only match
    register("Example Robotics")  # example-robotics, twice: ambiguous
    register("Example-Robotics")
    register("Example Transit", {"name": Visibility.SUPERVISORS})  # not public: never tied to an entity
    imported(api)
    page = listed(api)
    assert by_number(page)["9001"]["organisation_ids"] == [acme]
    assert by_number(page)["9002"]["organisation_ids"] == [acme]
    assert by_number(page)["9003"]["organisation_ids"] == []
    matched = listed(api, organisation=acme)
    assert matched["total"] == 2 and sorted(by_number(matched)) == ["9001", "9002"]
    assert listed(api, organisation=api.organisations["other"]["id"])["total"] == 0


def test_the_list_is_searched_and_paged(api: Api) -> None:
    imported(api)
    assert sorted(by_number(listed(api, q="CHATBOT"))) == ["9002"]
    assert sorted(by_number(listed(api, q="pedestrians"))) == ["9001"]
    assert listed(api, q="nowhere")["total"] == 0
    first = listed(api, limit=2)
    assert [i["external_id"] for i in first["items"]] == ["9003", "9002"] and first["total"] == 3
    second = listed(api, limit=2, cursor=first["next"])
    assert [i["external_id"] for i in second["items"]] == ["9001"] and second["next"] is None
    searched = listed(api, q="synthetic", limit=1)
    assert searched["total"] == 3
    rest = listed(api, q="synthetic", limit=5, cursor=searched["next"])
    assert [i["external_id"] for i in rest["items"]] == ["9002", "9001"]


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.SUPERVISOR])
def test_only_supervisors_import_and_everyone_lists(api: Api, role: Role) -> None:
    before = log_size(api)
    response = upload(api, role=role)
    assert response.status_code == (401 if role is Role.PUBLIC else 403)
    assert log_size(api) == before
    imported(api)
    assert listed(api, role)["total"] == 3


# --- the command line -------------------------------------------------------------------------


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run(home, "init")
    return home


def test_the_command_imports_the_snapshot_and_lists_it(home: Path) -> None:
    args = ("incident", "import-aiid", "--incidents", str(FIXTURES / "incidents.csv"))
    summary = json.loads(run(home, *args, "--reports", str(FIXTURES / "reports.csv"), "--json"))
    assert (summary["filed"], summary["skipped_reports"]) == (3, 1)
    text = run(home, *args)
    assert "3 unchanged" in text and "0 filed" in text
    page = json.loads(run(home, "incident", "history", "--q", "shuttle", "--json"))
    assert [item["external_id"] for item in page["items"]] == ["9001"]
    listing = run(home, "incident", "history")
    assert "9001" in listing and "Shuttle" in listing and "3 incident(s)" in listing


def test_the_command_exits_2_naming_the_problem_of_a_bad_file(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "incidents.csv"
    bad.write_text("incident_id,date\n1,2020-01-01\n", encoding="utf-8")
    output = run(home, "incident", "import-aiid", "--incidents", str(bad), code=2)
    assert "incidents.csv line 1: missing required column(s) title" in output
    assert len(output.strip().splitlines()) == 1
    missing = run(home, "incident", "import-aiid", "--incidents", str(tmp_path / "absent.csv"), code=2)
    assert "cannot read" in missing and "absent.csv" in missing
    assert json.loads(run(home, "incident", "history", "--json"))["total"] == 0


class InProcess(httpx.BaseTransport):
    """The app in-process, as the test client reaches it, answering whole responses."""

    def __init__(self, api: Api) -> None:
        self.inner = api.client._transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.inner.handle_request(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.read())


def test_the_python_client_imports_and_follows_the_pages(api: Api) -> None:
    transport = InProcess(api)
    with CustosClient("http://testserver", api.tokens[Role.SUPERVISOR], transport=transport) as supervisor:
        summary = supervisor.import_incident_history(INCIDENTS, REPORTS)
    assert (summary.filed, summary.skipped_reports) == (3, 1)
    with CustosClient("http://testserver", transport=transport) as public:
        items = list(public.incident_history(page_size=1))
        chatbot = list(public.incident_history(q="chatbot"))
    assert [item.external_id for item in items] == ["9003", "9002", "9001"]
    assert [(item.external_id, item.report_count) for item in chatbot] == [("9002", 1)]
