"""Licences and decisions over HTTP: who may ask, and a suspension on the next decision."""

from __future__ import annotations

from custos.access.model import Role
from tests.functional.conftest import Api
from tests.functional.test_registry_api import provider_elsewhere


def ask(api: Api, headers: dict[str, str], **overrides: object) -> object:
    body = {
        "deployer": api.organisations["provider"]["id"],
        "model": api.samples["model"],
        "jurisdiction": "fr",
        "sector": "finance",
        **overrides,
    }
    return api.client.post("/v1/decisions", json=body, headers=headers)


def test_a_suspension_takes_effect_on_the_next_decision(api: Api) -> None:
    deployer = api.headers(Role.DEPLOYER)
    assert ask(api, deployer).json()["allow"] is True  # type: ignore[attr-defined]
    suspended = api.client.post(
        f"/v1/licences/{api.samples['licence']}/suspend",
        json={"reason": "stress test failed"},
        headers=api.headers(Role.SUPERVISOR),
    )
    assert suspended.status_code == 201
    denied = ask(api, deployer).json()  # type: ignore[attr-defined]
    assert denied["allow"] is False and "stress test failed" in denied["reasons"][0]
    reinstated = api.client.post(
        f"/v1/licences/{api.samples['licence']}/reinstate",
        json={"reason": "passed"},
        headers=api.headers(Role.SUPERVISOR),
    )
    assert reinstated.status_code == 201
    assert ask(api, deployer).json()["allow"] is True  # type: ignore[attr-defined]


def test_a_jurisdiction_is_read_as_its_code_whatever_its_case_and_spaces(api: Api) -> None:
    """' fr ' names France as 'FR' does, so the licence for France covers it."""
    deployer = api.headers(Role.DEPLOYER)
    assert ask(api, deployer, jurisdiction=" fr ").json()["allow"] is True  # type: ignore[attr-defined]


def test_deployers_ask_for_themselves_only_and_bad_requests_are_problems(api: Api) -> None:
    other = provider_elsewhere(api)
    assert ask(api, other).status_code == 403  # type: ignore[attr-defined]
    assert ask(api, api.headers(Role.DEPLOYER), users=-1).status_code == 422  # type: ignore[attr-defined]
    assert (
        api.client.post(
            "/v1/decisions/batch", json={"requests": []}, headers=api.headers(Role.DEPLOYER)
        ).status_code
        == 422
    )
    illegal = api.client.post(
        f"/v1/licences/{api.samples['licence']}/grant", json={}, headers=api.headers(Role.SUPERVISOR)
    )
    assert illegal.status_code == 409 and "cannot grant a licence that is granted" in illegal.json()["detail"]
    assert api.client.get("/v1/licences/NOPE", headers=api.headers(Role.SUPERVISOR)).status_code == 404
    assert api.client.get(f"/v1/licences/{api.samples['licence']}", headers=other).status_code == 404
    unknown = api.client.post(
        "/v1/decisions",
        json={"deployer": api.organisations["provider"]["id"], "model": "NOPE", "jurisdiction": "FR"},
        headers=api.headers(Role.DEPLOYER),
    )
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no model 'NOPE' in the registry"
    stranger = api.client.post(
        "/v1/decisions",
        json={"deployer": "NOPE", "model": "NOPE", "jurisdiction": "FR"},
        headers=api.headers(Role.SUPERVISOR),
    )
    assert stranger.status_code == 404 and "no organisation 'NOPE'" in stranger.json()["detail"]


def test_an_unknown_jurisdiction_is_a_problem_not_a_denial(api: Api) -> None:
    response = ask(api, api.headers(Role.DEPLOYER), jurisdiction="XX")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "unknown jurisdiction" in response.json()["detail"]  # type: ignore[attr-defined]
