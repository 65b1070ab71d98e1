"""Policy over HTTP: packs refused with their line, obligations per organisation, explanations."""

from __future__ import annotations

import pytest

from custos.access.model import Role
from custos.store import ledger_sql
from tests.functional.conftest import Api
from tests.functional.test_registry_api import provider_elsewhere
from tests.unit.policy.test_pack import GOOD


def test_a_bad_pack_is_422_with_its_line_and_nothing_changes(api: Api) -> None:
    with api.store.read() as conn:
        before = ledger_sql.tree_size(conn)
    bad = GOOD.replace("1.0.0", "1.1.0").replace("training_flop > params.threshold", "training_flop > 'x'")
    response = api.client.post("/v1/policy/packs", content=bad.encode(), headers=api.headers(Role.SUPERVISOR))
    assert response.status_code == 422
    problem = response.json()["evidence"]["problems"][0]
    assert (problem["line"], problem["path"]) == (22, "rules.0.condition")
    with api.store.read() as conn:
        assert ledger_sql.tree_size(conn) == before
    active = [p for p in api.client.get("/v1/policy/packs").json() if p["active"]]
    assert [(p["pack"], p["version"]) for p in active] == [("test-pack", "1.0.0")]


def test_obligations_are_seen_by_their_owner_and_supervisors_only(api: Api) -> None:
    owner = api.client.get("/v1/policy/obligations", headers=api.headers(Role.PROVIDER)).json()
    assert [o["key"] for o in owner["items"]] == ["test-pack/big-model/notify"]
    elsewhere = api.client.get("/v1/policy/obligations", headers=provider_elsewhere(api)).json()
    assert elsewhere == {"items": [], "total": 0, "next": None}
    assert api.client.get("/v1/policy/obligations").status_code == 401
    hidden = api.client.get(
        f"/v1/policy/obligations/{api.samples['obligation']}/explanation", headers=provider_elsewhere(api)
    )
    assert hidden.status_code == 404


def test_explanation_whatif_and_filters(api: Api) -> None:
    supervisor = api.headers(Role.SUPERVISOR)
    explanation = api.client.get(
        f"/v1/policy/obligations/{api.samples['obligation']}/explanation", headers=supervisor
    ).json()
    assert explanation["explanation"]["facts"] == {"training_flop": 3e25}
    assert explanation["now"]["distance"][0]["orders_of_magnitude"] < 0
    whatif = api.client.post(
        "/v1/policy/whatif",
        json={"subject": api.samples["model"], "facts": {"training_flop": 1e24}},
        headers=supervisor,
    ).json()
    assert whatif["changes"][0]["now"] is True and whatif["changes"][0]["would_be"] is False
    bad = api.client.post(
        "/v1/policy/whatif",
        json={"subject": api.samples["model"], "facts": {"horsepower": 1.0}},
        headers=supervisor,
    )
    assert bad.status_code == 422 and "horsepower" in bad.json()["detail"]
    assert (
        api.client.get("/v1/policy/obligations", params={"status": "late"}, headers=supervisor).status_code
        == 422
    )
    assert (
        api.client.get(
            "/v1/policy/obligations", params={"due_before": "2020-01-01T00:00:00Z"}, headers=supervisor
        ).json()["items"]
        == []
    )
    waived = api.client.post(
        f"/v1/policy/obligations/{api.samples['obligation']}/waiver",
        json={"reason": "not in scope"},
        headers=supervisor,
    )
    assert waived.status_code == 201 and waived.json()["status"] == "waived"
    assert api.client.get("/v1/policy/obligations", params={"status": "waived"}, headers=supervisor).json()[
        "total"
    ]


@pytest.mark.parametrize("due_before", ["0.5", "1767225600", "2026-12-01T00:00:00", "2026-13-01T00:00:00Z"])
def test_due_before_must_be_a_time_with_its_zone(api: Api, due_before: str) -> None:
    response = api.client.get(
        "/v1/policy/obligations", params={"due_before": due_before}, headers=api.headers(Role.SUPERVISOR)
    )
    assert response.status_code == 422 and "due_before" in response.text
