"""The registry over HTTP, per role: what each caller sees, imports, exports and paging."""

from __future__ import annotations

import json

import pytest

from custos.access.model import Role
from custos.passports.cyclonedx import schema_problems
from custos.registry.model import ModelRegistration
from custos.store import ledger_sql
from tests.functional.conftest import Api
from tests.store.test_registry import epoch_sample, spoiled_sample


def size(api: Api) -> int:
    with api.store.read() as conn:
        return ledger_sql.tree_size(conn)


def provider_elsewhere(api: Api) -> dict[str, str]:
    """A provider of another organisation than the sample model's."""
    other = api.organisations["other"]["id"]
    actor = api.client.post(
        "/v1/actors",
        json={"name": "Stranger", "role": "provider", "organisation": other},
        headers=api.headers(Role.SUPERVISOR),
    ).json()
    token = api.client.post(f"/v1/actors/{actor['id']}/tokens", headers=api.headers(Role.SUPERVISOR)).json()
    return {"Authorization": f"Bearer {token['token']}"}


@pytest.mark.parametrize("viewer", ["public", "owner", "other", "supervisor"])
def test_each_viewer_sees_the_passport_fields_it_may(api: Api, viewer: str) -> None:
    headers = {
        "public": {},
        "owner": api.headers(Role.PROVIDER),
        "other": provider_elsewhere(api),
        "supervisor": api.headers(Role.SUPERVISOR),
    }[viewer]
    sees = viewer in ("owner", "supervisor")
    model_id = api.samples["model"]
    detail = api.client.get(f"/v1/models/{model_id}", headers=headers).json()
    assert ("compute" in detail["passport"]["passport"]) is sees
    listed = api.client.get("/v1/models", params={"min_flop": 1e25}, headers=headers).json()["items"]
    assert [m["id"] for m in listed] == ([model_id] if sees else [])
    for fmt in ("cyclonedx", "spdx"):
        exported = api.client.get(
            f"/v1/models/{model_id}/export", params={"format": fmt}, headers=headers
        ).text
        assert ("3e+25" in exported) is sees, fmt
    deployment = api.client.get(f"/v1/deployments/{api.samples['deployment']}", headers=headers).json()
    assert ("economic_exposure" in deployment) is sees
    assert ("economic_exposure" in deployment["withheld"]) is not sees
    # Nothing the page returns carries the withheld exposure, not even inside another field.
    assert ("1000000" in json.dumps([detail, listed, deployment])) is sees


def test_the_cyclonedx_export_validates_and_the_spdx_export_imports(api: Api) -> None:
    model_id = api.samples["model"]
    cyclonedx = api.client.get(f"/v1/models/{model_id}/export", headers=api.headers(Role.SUPERVISOR))
    assert cyclonedx.headers["content-type"].startswith("application/vnd.cyclonedx+json")
    assert schema_problems(cyclonedx.text) == []
    spdx = api.client.get(
        f"/v1/models/{model_id}/export", params={"format": "spdx"}, headers=api.headers(Role.SUPERVISOR)
    )
    imported = api.client.post(
        "/v1/imports/spdx",
        content=spdx.content,
        headers={**api.headers(Role.SUPERVISOR), "content-type": "text/plain"},
    ).json()
    assert imported["models"][0]["action"] == "new passport"
    history = api.client.get(f"/v1/models/{model_id}/passports").json()
    assert [p["version"] for p in history] == [2, 1]
    assert history[0]["passport"]["description"] == history[1]["passport"]["description"]


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_a_model_whose_name_is_withheld_exports_without_it(api: Api, fmt: str) -> None:
    from custos.access.service import operator
    from custos.filings import Visibility
    from custos.registry.service import RegistryService

    provider = api.organisations["provider"]["id"]
    hidden = RegistryService(api.store).register_model(
        ModelRegistration.model_validate({"name": "Codename Heron", "provider_id": provider}),
        by=operator(api.store),
        visibility={"name": Visibility.SUPERVISORS},
    )
    public = api.client.get(f"/v1/models/{hidden.id}/export", params={"format": fmt})
    assert public.status_code == 200
    assert "Codename Heron" not in public.text and f"withheld (model {hidden.id})" in public.text
    if fmt == "cyclonedx":
        assert schema_problems(public.text) == []
    supervisor = api.client.get(
        f"/v1/models/{hidden.id}/export", params={"format": fmt}, headers=api.headers(Role.SUPERVISOR)
    )
    assert "Codename Heron" in supervisor.text


def test_a_bad_import_is_422_with_every_problem_and_stores_nothing(api: Api) -> None:
    before = size(api)
    text = spoiled_sample(10)
    response = api.client.post(
        "/v1/imports/epoch",
        content=text.encode(),
        headers={**api.headers(Role.SUPERVISOR), "content-type": "text/csv"},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["evidence"]["problems"][0]["path"] == "Training compute (FLOP)"
    assert size(api) == before
    accepted = api.client.post(
        "/v1/imports/epoch",
        params={"skip_invalid": True},
        content=text.encode(),
        headers={**api.headers(Role.SUPERVISOR), "content-type": "text/csv"},
    )
    assert accepted.status_code == 201 and accepted.json()["imported_models"] == 9


@pytest.mark.parametrize("text", ["", "Model,Organization\n", spoiled_sample(1)])
def test_an_import_with_nothing_to_file_is_422_even_when_skipping(api: Api, text: str) -> None:
    before = size(api)
    response = api.client.post(
        "/v1/imports/epoch",
        params={"skip_invalid": True},
        content=text.encode(),
        headers={**api.headers(Role.SUPERVISOR), "content-type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert size(api) == before


def test_providers_may_not_import_epochs_table(api: Api) -> None:
    response = api.client.post("/v1/imports/epoch", content=b"Model\n", headers=api.headers(Role.PROVIDER))
    assert response.status_code == 403


def test_search_paging_and_bad_cursors(api: Api) -> None:
    api.client.post(
        "/v1/imports/epoch", content=epoch_sample(40).encode(), headers=api.headers(Role.SUPERVISOR)
    )
    first = api.client.get("/v1/models", params={"limit": 15}).json()
    second = api.client.get("/v1/models", params={"limit": 15, "cursor": first["next"]}).json()
    assert not {m["id"] for m in first["items"]} & {m["id"] for m in second["items"]}
    found = api.client.get("/v1/models", params={"q": "magistral"}).json()["items"]
    assert found and all("magistral" in m["name"].lower() for m in found)
    assert api.client.get("/v1/models", params={"cursor": "not-a-cursor"}).status_code == 422
    assert api.client.get("/v1/models", params={"limit": 0}).status_code == 422
    assert api.client.get("/v1/models", params={"accessibility": "secret"}).status_code == 422
    assert api.client.get("/v1/models/NOPE").status_code == 404


def test_a_deployer_registers_deployments_for_itself_only(api: Api) -> None:
    content = {
        "name": "Credit scoring",
        "deployer_id": api.organisations["other"]["id"],
        "model_id": api.samples["model"],
        "jurisdictions": ["DE"],
        "sector": "finance",
        "decision_critical": True,
    }
    response = api.client.post(
        "/v1/deployments", json={"content": content}, headers=api.headers(Role.DEPLOYER)
    )
    assert response.status_code == 403
    own = {**content, "deployer_id": api.organisations["provider"]["id"]}
    created = api.client.post("/v1/deployments", json={"content": own}, headers=api.headers(Role.DEPLOYER))
    assert created.status_code == 201
    bad = {**own, "sector": "casino"}
    assert (
        api.client.post(
            "/v1/deployments", json={"content": bad}, headers=api.headers(Role.DEPLOYER)
        ).status_code
        == 422
    )
    missing = {**own, "model_id": "NOPE"}
    assert (
        api.client.post(
            "/v1/deployments", json={"content": missing}, headers=api.headers(Role.DEPLOYER)
        ).status_code
        == 404
    )


def test_no_route_hands_a_confidential_value_to_someone_who_may_not_see_it(api: Api) -> None:
    """Owner-only values are planted in an organisation, a passport and a deployment, then every
    readable route is called as the public and as another organisation's provider."""
    supervisor = api.headers(Role.SUPERVISOR)
    secret_org = api.client.post(
        "/v1/organisations",
        json={
            "content": {
                "name": "Secret Bank",
                "jurisdiction": "DE",
                "annual_revenue": {"amount": "987654321", "currency": "EUR"},
            }
        },
        headers=supervisor,
    ).json()
    markers = ["987654321", "3e+25", "1000000"]
    filing_ids = [
        secret_org["filing_id"],
        api.client.get(f"/v1/models/{api.samples['model']}", headers=supervisor).json()["passport"][
            "filing_id"
        ],
    ]
    urls = [
        "/v1/organisations",
        f"/v1/organisations/{secret_org['id']}",
        "/v1/models",
        "/v1/models?min_flop=1e20",
        f"/v1/models/{api.samples['model']}",
        f"/v1/models/{api.samples['model']}/passports",
        f"/v1/models/{api.samples['model']}/export?format=cyclonedx",
        f"/v1/models/{api.samples['model']}/export?format=spdx",
        "/v1/deployments",
        f"/v1/deployments/{api.samples['deployment']}",
        *[f"/v1/filings/{f}" for f in filing_ids],
        "/v1/ledger/entries",
    ]
    for headers in ({}, provider_elsewhere(api)):
        for url in urls:
            response = api.client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.text)
            for marker in markers:
                assert marker not in response.text, (url, marker)
    # The markers are really there for those who may see them.
    assert "987654321" in api.client.get(f"/v1/organisations/{secret_org['id']}", headers=supervisor).text
    assert "3e+25" in api.client.get(f"/v1/models/{api.samples['model']}", headers=supervisor).text
    assert (
        "1000000" in api.client.get(f"/v1/deployments/{api.samples['deployment']}", headers=supervisor).text
    )
