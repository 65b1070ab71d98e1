"""Incidents over HTTP, per role: a supervisor sees every incident; a provider those about its
models and those it reported; a deployer those it reported and those about its deployments; the
public nothing until a supervisor publishes one, then the supervisor's public summary and the
public facts, never the reporter's own account. An incident a caller may not see is a 404. A bad
report is a problem document with its reason, and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest

from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from tests.functional.conftest import Api

SECRET = "Confidential account: the override flag was left on"
PUBLIC_SUMMARY = "A scoring fault affected loan decisions; it is fixed."


def log_size(api: Api) -> int:
    return int(api.client.get("/v1/ledger/status").json()["size"])


def firm(api: Api, name: str, kind: str, role: Role) -> tuple[str, dict[str, str]]:
    """A new organisation with one actor of ``role``: its id and the actor's headers."""
    by = operator(api.store)
    organisation = RegistryService(api.store).register_organisation(
        OrganisationRegistered.model_validate(
            {"name": name, "jurisdiction": "DE", "country": "DE", "kinds": [kind]}
        ),
        by=by,
    )
    access = AccessService(api.store)
    actor = access.add_actor(f"{name} person", role, organisation.id, by=by)
    return organisation.id, {"Authorization": f"Bearer {access.issue_token(actor.id)}"}


@pytest.fixture
def parties(api: Api) -> dict[str, Any]:
    """A deployer (Bank AG) running the sample model, and a provider with a model of its own."""
    bank, deployer = firm(api, "Bank AG", "deployer", Role.DEPLOYER)
    lab, other_provider = firm(api, "Other Lab", "model_provider", Role.PROVIDER)
    registry, by = RegistryService(api.store), operator(api.store)
    deployment = registry.register_deployment(
        DeploymentRegistration.model_validate(
            {
                "name": "Loans",
                "deployer_id": bank,
                "model_id": api.samples["model"],
                "jurisdictions": ["DE"],
                "sector": "finance",
            }
        ),
        by=by,
    ).id
    other_model = registry.register_model(
        ModelRegistration.model_validate({"name": "Other model", "provider_id": lab}), by=by
    ).id
    return {
        "deployer": deployer,
        "other provider": other_provider,
        "deployment": deployment,
        "other model": other_model,
        "provider": api.headers(Role.PROVIDER),
        "supervisor": api.headers(Role.SUPERVISOR),
        "public": {},
    }


def body(api: Api, parties: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "model_ids": [api.samples["model"]],
        "deployment_ids": [parties["deployment"]],
        "severity": "serious",
        "occurred_at": "2026-10-30T14:00:00Z",
        "discovered_at": "2026-10-31T09:00:00Z",
        "harm_types": ["economic_property", "human_rights"],
        "facts": ["fundamental_rights_infringement"],
        "affected_people": 4000,
        "affected_jurisdictions": ["DE"],
        "summary": SECRET,
        **changes,
    }


def report(api: Api, parties: dict[str, Any], who: str = "deployer", **changes: Any) -> str:
    answer = api.client.post("/v1/incidents", json=body(api, parties, **changes), headers=parties[who])
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def listed(api: Api, headers: dict[str, str]) -> list[str]:
    answer = api.client.get("/v1/incidents", headers=headers)
    assert answer.status_code == 200, answer.text
    return [incident["id"] for incident in answer.json()["incidents"]]


def test_each_role_sees_the_incidents_it_may_and_the_account_only_if_entitled(
    api: Api, parties: dict[str, Any]
) -> None:
    incident = report(api, parties)
    expected = {
        "supervisor": (True, True),  # (sees it, reads the reporter's account)
        "deployer": (True, True),  # it reported it
        "provider": (True, False),  # about its model
        "other provider": (False, False),
        "public": (False, False),
    }
    for who, (sees, reads) in expected.items():
        assert (incident in listed(api, parties[who])) is sees, who
        one = api.client.get(f"/v1/incidents/{incident}", headers=parties[who])
        assert one.status_code == (200 if sees else 404), who
        assert (SECRET in one.text) is reads, who
        if sees and not reads:
            assert "summary" in one.json()["withheld"]


def test_a_provider_sees_what_it_reported_about_another_firms_model(
    api: Api, parties: dict[str, Any]
) -> None:
    incident = report(api, parties, who="provider", model_ids=[parties["other model"]], deployment_ids=[])
    assert incident in listed(api, parties["provider"])
    assert incident in listed(api, parties["other provider"])  # about its model
    assert incident not in listed(api, parties["deployer"])


def test_the_public_sees_a_published_incident_as_published(api: Api, parties: dict[str, Any]) -> None:
    incident = report(api, parties)
    refused = api.client.post(
        f"/v1/incidents/{incident}/publish", json={"summary": PUBLIC_SUMMARY}, headers=parties["provider"]
    )
    assert refused.status_code == 403
    published = api.client.post(
        f"/v1/incidents/{incident}/publish", json={"summary": PUBLIC_SUMMARY}, headers=parties["supervisor"]
    )
    assert published.status_code == 201, published.text
    for who in ("public", "other provider"):
        page = api.client.get("/v1/incidents", headers=parties[who])
        (shown,) = page.json()["incidents"]
        assert SECRET not in page.text and "summary" not in shown
        assert shown["public_summary"] == PUBLIC_SUMMARY
        assert shown["model_ids"] == [api.samples["model"]]
        assert shown["harm_types"] == ["economic_property", "human_rights"]
        assert shown["affected_jurisdictions"] == ["DE"] and shown["occurred_at"] == "2026-10-30T14:00:00Z"
        assert "facts" not in shown and "deployment_ids" not in shown and "clocks" not in shown
        one = api.client.get(f"/v1/incidents/{incident}", headers=parties[who])
        assert one.status_code == 200 and SECRET not in one.text and "clocks" not in one.json()
    again = api.client.post(
        f"/v1/incidents/{incident}/publish", json={"summary": "again"}, headers=parties["supervisor"]
    )
    assert again.status_code == 409


def test_the_list_pages_and_filters_by_status(api: Api, parties: dict[str, Any]) -> None:
    first, second, third = (report(api, parties) for _ in range(3))
    supervisor = parties["supervisor"]
    assert api.client.post(
        f"/v1/incidents/{second}/close", json={"reason": "fixed"}, headers=supervisor
    ).is_success
    page = api.client.get("/v1/incidents", params={"limit": 2}, headers=supervisor).json()
    assert (page["total"], [i["id"] for i in page["incidents"]]) == (3, [third, second])
    rest = api.client.get("/v1/incidents", params={"limit": 2, "offset": 2}, headers=supervisor).json()
    assert [i["id"] for i in rest["incidents"]] == [first]
    closed = api.client.get("/v1/incidents", params={"status": "closed"}, headers=supervisor).json()
    assert [i["id"] for i in closed["incidents"]] == [second]


@pytest.mark.parametrize(
    ("changes", "status", "reason"),
    [
        ({"model_ids": ["01NOSUCHMODEL"]}, 404, "no model '01NOSUCHMODEL'"),
        ({"deployment_ids": ["01NOSUCHDEPLOYMENT"]}, 404, "no deployment '01NOSUCHDEPLOYMENT'"),
        ({"harm_types": ["spiritual"]}, 422, "unknown harm type 'spiritual'"),
        ({"discovered_at": "2026-10-29T00:00:00Z"}, 422, "discovered_at is before occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z", "discovered_at": None}, 422, "is in the future"),
        ({"discovered_at": "2999-01-01T00:00:00Z"}, 422, "is in the future"),
        ({"facts": ["bad_vibes"]}, 422, "facts"),
        ({"affected_jurisdictions": ["ATLANTIS"]}, 422, "affected_jurisdictions"),
    ],
)
def test_a_bad_report_is_refused_with_its_reason_and_stores_nothing(
    api: Api, parties: dict[str, Any], changes: dict[str, Any], status: int, reason: str
) -> None:
    before = log_size(api)
    sent = {k: v for k, v in body(api, parties, **changes).items() if v is not None}
    answer = api.client.post("/v1/incidents", json=sent, headers=parties["deployer"])
    assert answer.status_code == status and reason in answer.text, answer.text
    assert log_size(api) == before


def test_a_deployment_of_a_model_the_report_does_not_name_is_refused(
    api: Api, parties: dict[str, Any]
) -> None:
    before = log_size(api)
    answer = api.client.post(
        "/v1/incidents",
        json=body(api, parties, model_ids=[parties["other model"]]),
        headers=parties["deployer"],
    )
    assert answer.status_code == 422 and "which the report does not name among its models" in answer.text
    assert log_size(api) == before


def test_follow_up_and_final_reports_are_filed_by_those_concerned(api: Api, parties: dict[str, Any]) -> None:
    incident = report(api, parties)
    update = {"incident_id": incident, "stage": "follow_up", "learned": "the flag's owner left"}
    stranger = api.client.post("/v1/incidents/updates", json=update, headers=parties["other provider"])
    assert stranger.status_code == 404
    followed = api.client.post("/v1/incidents/updates", json=update, headers=parties["provider"])
    assert followed.status_code == 201, followed.text
    final = {**update, "stage": "final", "root_cause": "a stale flag", "corrective_measures": "flag removed"}
    assert (
        api.client.post("/v1/incidents/updates", json=final, headers=parties["deployer"]).status_code == 201
    )
    shown = api.client.get(f"/v1/incidents/{incident}", headers=parties["supervisor"]).json()
    assert [r["stage"] for r in shown["reports"]] == ["follow_up", "final"]
    assert shown["reports"][1]["root_cause"] == "a stale flag"
    # The deployer's final report is its own: the provider sees that it was filed, not what it says.
    seen = api.client.get(f"/v1/incidents/{incident}", headers=parties["provider"]).json()
    assert "root_cause" not in seen["reports"][1] and "root_cause" in seen["reports"][1]["withheld"]
