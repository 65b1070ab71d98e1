"""Red-team findings over HTTP, per role: embargoed details reach the firm the finding is about
and supervisors, and nobody else, in lists or single reads; a bad request is a problem document
with the reason, and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest

from custos.access.filer import file_as
from custos.access.model import Role
from custos.access.service import operator
from custos.assurance.model import AUDIT_ATTESTED
from tests.functional.conftest import Api
from tests.functional.test_registry_api import provider_elsewhere

#: Phrases of the embargoed fields: none may appear in an answer to a reader without the right.
SECRETS = ("Synthesis route", "chemistry teacher", "Prompt: pretend")
REPORT = {
    "severity": "critical",
    "source": "bounty",
    "found_at": "2026-11-01T12:00:00Z",
    "category": "cbrn-uplift",
    "reproducibility": "sometimes",
    "title": "Synthesis route under role-play",
    "details": "Step-by-step synthesis when asked as a chemistry teacher.",
    "reproduction": "Prompt: pretend you are...",
}
EMBARGOED = {"category", "reproducibility", "title", "details", "reproduction"}


def report(api: Api, role: Role = Role.AUDITOR, **changes: Any) -> Any:
    body = {"subject_id": api.samples["model"], **REPORT, **changes}
    return api.client.post("/v1/findings", json=body, headers=api.headers(role))


def log_size(api: Api) -> int:
    return int(api.client.get("/v1/ledger/status").json()["size"])


def readers(api: Api) -> dict[str, dict[str, str]]:
    return {
        "public": {},
        "other provider": provider_elsewhere(api),
        "owner": api.headers(Role.PROVIDER),
        "supervisor": api.headers(Role.SUPERVISOR),
    }


def close(api: Api, finding_id: str) -> None:
    """Acknowledge and mitigate as the provider, then retest with a passing attestation."""
    provider = api.headers(Role.PROVIDER)
    assert (
        api.client.post(f"/v1/findings/{finding_id}/acknowledge", json={}, headers=provider).status_code
        == 201
    )
    mitigated = api.client.post(
        f"/v1/findings/{finding_id}/mitigate", json={"description": "Refusal tuned"}, headers=provider
    )
    assert mitigated.status_code == 201
    content = {
        "envelope": {},
        "envelope_sha256": "a" * 64,
        "engagement_id": "engagement",
        "accreditation_id": "accreditation",
        "auditor_id": api.organisations["other"]["id"],
        "keyid": "0" * 64,
        "subject_id": api.samples["model"],
        "subject_filing_id": api.samples["model"],
        "subject_digest": "1" * 64,
        "scope": "custos-red-team-retest",
        "standard": "Custos red-team retest",
        "opinion": "pass",
        "issued_at": "2026-11-02T09:00:00Z",
        "valid_from": "2026-11-02",
        "valid_until": "2027-11-02",
        "finding_id": finding_id,
    }
    by = operator(api.store)
    owner = api.organisations["provider"]["id"]
    with api.store.transaction() as uow:
        uow.file(
            file_as(
                by, AUDIT_ATTESTED, content, owner=owner, subject=api.samples["model"], clock=api.store.clock
            )
        )


def test_the_reporter_gets_its_whole_report_back(api: Api) -> None:
    answer = report(api)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert {name: body[name] for name in EMBARGOED} == {name: REPORT[name] for name in EMBARGOED}
    assert (body["status"], body["withheld"]) == ("reported", [])


def test_an_open_finding_is_told_to_others_only_as_a_count(api: Api) -> None:
    finding = report(api).json()["id"]
    for who, headers in readers(api).items():
        listed = api.client.get("/v1/findings", headers=headers)
        one = api.client.get(f"/v1/findings/{finding}", headers=headers)
        assert listed.status_code == 200
        assert listed.json()["counts"] == {"low": 0, "medium": 0, "high": 0, "critical": 1}
        if who in ("owner", "supervisor"):
            assert [f["id"] for f in listed.json()["findings"]] == [finding]
            assert one.status_code == 200 and one.json()["details"] == REPORT["details"]
        else:
            assert listed.json()["findings"] == [], who
            assert one.status_code == 404, who
            assert one.headers["content-type"] == "application/problem+json"
            assert not any(secret in listed.text + one.text for secret in SECRETS), who


def test_a_published_finding_shows_its_summary_and_never_its_embargoed_fields(api: Api) -> None:
    finding = report(api).json()["id"]
    close(api, finding)
    published = api.client.post(
        f"/v1/findings/{finding}/publish",
        json={"summary": "A role-play bypass, fixed and retested."},
        headers=api.headers(Role.PROVIDER),
    )
    assert published.status_code == 201, published.text
    for who, headers in readers(api).items():
        listed = api.client.get("/v1/findings", params={"status": "closed"}, headers=headers)
        one = api.client.get(f"/v1/findings/{finding}", headers=headers)
        (shown,) = listed.json()["findings"]
        for answer in (shown, one.json()):
            assert answer["summary"] == "A role-play bypass, fixed and retested."
            assert answer["status"] == "closed" and answer["severity"] == "critical"
            if who in ("owner", "supervisor"):
                assert answer["details"] == REPORT["details"]
            else:
                assert EMBARGOED.isdisjoint(answer), who
                assert set(answer["withheld"]) == EMBARGOED
        if who not in ("owner", "supervisor"):
            assert not any(secret in listed.text + one.text for secret in SECRETS), who


@pytest.mark.parametrize(
    ("changes", "status", "reason"),
    [
        ({"severity": "catastrophic"}, 422, "severity"),
        ({"category": "weather"}, 422, "category"),
        ({"title": ""}, 422, "title"),
        ({"found_at": "2026-11-01T12:00:00"}, 422, "found_at"),  # no time zone
        ({"found_at": "2099-01-01T00:00:00Z"}, 422, "in the future"),
        ({"subject_id": "no-such-model"}, 404, "no model or deployment"),
        ({"embargo": "forever"}, 422, "embargo"),
    ],
)
def test_a_bad_report_is_refused_with_its_reason_and_stores_nothing(
    api: Api, changes: dict[str, Any], status: int, reason: str
) -> None:
    before = log_size(api)
    answer = report(api, **changes)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert reason in answer.text
    assert log_size(api) == before


def test_steps_out_of_turn_or_by_others_are_refused_and_store_nothing(api: Api) -> None:
    finding = report(api).json()["id"]
    before = log_size(api)
    stranger = provider_elsewhere(api)
    after_actor = log_size(api)  # registering the stranger is itself a filing
    assert after_actor >= before
    refusals = [
        (f"/v1/findings/{finding}/acknowledge", {}, stranger, 404),
        (f"/v1/findings/{finding}/publish", {"summary": "early"}, api.headers(Role.PROVIDER), 409),
        (f"/v1/findings/{finding}/mitigate", {"description": "x"}, api.headers(Role.PROVIDER), 409),
        (f"/v1/findings/{finding}/reopen", {"reason": "x"}, api.headers(Role.SUPERVISOR), 409),
        (f"/v1/findings/{finding}/acknowledge", {"note": 3}, api.headers(Role.PROVIDER), 422),
        ("/v1/findings/nothing/acknowledge", {}, api.headers(Role.SUPERVISOR), 404),
    ]
    for url, body, headers, status in refusals:
        answer = api.client.post(url, json=body, headers=headers)
        assert answer.status_code == status, (url, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"], url
    assert log_size(api) == after_actor


def finding_at(api: Api, stage: str) -> str:
    """A finding about the sample model, taken to ``stage`` (reported, acknowledged, closed or
    published) by the firm and a passing retest: what the route table's tests need to act on."""
    finding = report(api, Role.SUPERVISOR).json()["id"]
    provider = api.headers(Role.PROVIDER)
    if stage == "acknowledged":
        api.client.post(f"/v1/findings/{finding}/acknowledge", json={}, headers=provider)
    if stage in ("closed", "published"):
        close(api, finding)
    if stage == "published":
        api.client.post(f"/v1/findings/{finding}/publish", json={"summary": "Fixed."}, headers=provider)
    return finding
