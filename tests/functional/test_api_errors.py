"""Bad input gets a problem document with the reason, and changes nothing."""

from __future__ import annotations

import pytest

from custos.access.model import Role
from custos.store import ledger_sql
from tests.functional.conftest import Api


def size(api: Api) -> int:
    with api.store.read() as conn:
        return ledger_sql.tree_size(conn)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"content": {"jurisdiction": "FR"}}, "name: Field required"),
        ({"content": {"name": "X", "jurisdiction": "XX"}}, "unknown jurisdiction"),
        ({"content": {"name": "", "jurisdiction": "FR"}}, "name: String should have at least 1 character"),
        ({"content": {"name": "X", "extra": 1}}, "extra: Extra inputs are not permitted"),
        ({"content": {"name": "X", "kinds": ["bank"]}}, "kinds.0: Input should be"),
        (
            {"content": {"name": "X", "annual_revenue": {"amount": "-1", "currency": "EUR"}}},
            "annual_revenue.amount",
        ),
        ({"name": "X"}, "body.content: Field required"),
        ({"content": {"name": "Provider SA", "jurisdiction": "FR"}}, "already registered"),
    ],
)
def test_bad_organisations_are_refused_with_the_reason(
    api: Api, body: dict[str, object], reason: str
) -> None:
    before = size(api)
    response = api.client.post("/v1/organisations", json=body, headers=api.headers(Role.SUPERVISOR))
    assert response.status_code in (409, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.json()["detail"]
    assert size(api) == before


def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    response = api.client.post(
        "/v1/organisations",
        content=b"{not json",
        headers={**api.headers(Role.SUPERVISOR), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Invalid input"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/filings/NOPE", 404),
        ("/v1/ledger/proofs/inclusion?index=5&size=3", 422),
        ("/v1/ledger/proofs/inclusion?index=0&size=99999", 422),
        ("/v1/ledger/proofs/inclusion?index=-1&size=3", 422),
        ("/v1/ledger/proofs/consistency?old=9&size=3", 422),
        ("/v1/ledger/entries?start=10&end=5", 422),
        ("/v1/ledger/entries?start=0&end=5000", 422),
        ("/v1/ledger/entries?start=99999999999999999999", 422),
        ("/v1/ledger/entries?start=0&end=99999999999999999999", 422),
        ("/v1/ledger/proofs/inclusion?index=0&size=99999999999999999999", 422),
        ("/v1/ledger/proofs/consistency?old=99999999999999999999&size=1", 422),
        ("/v1/nowhere", 404),
    ],
)
def test_bad_requests_are_problems_not_crashes(api: Api, url: str, status: int) -> None:
    response = api.client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]


def test_a_token_for_an_unknown_actor_is_404(api: Api) -> None:
    response = api.client.post("/v1/actors/NOPE/tokens", headers=api.headers(Role.SUPERVISOR))
    assert response.status_code == 404


def test_issued_tokens_work_once_shown_and_are_stored_hashed(api: Api) -> None:
    actor_id = api.actors[Role.AUDITOR]["id"]
    token = api.client.post(f"/v1/actors/{actor_id}/tokens", headers=api.headers(Role.SUPERVISOR)).json()[
        "token"
    ]
    me = api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["actor_id"], me["role"]) == (actor_id, "auditor")
    with api.store.read() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM api_tokens").scalars().all()
    assert token not in stored and len(stored) == len(api.tokens) + 1


def test_a_wrong_method_says_which_methods_the_route_takes(api: Api) -> None:
    response = api.client.delete("/v1/ledger/entries")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.headers["content-type"] == "application/problem+json"


def test_the_openapi_document_is_valid_and_documents_every_problem(api: Api) -> None:
    from openapi_spec_validator import validate

    document = api.client.get("/openapi.json").json()
    validate(document)
    assert set(document["components"]["schemas"]["Problem"]["required"]) == {"title", "status", "detail"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "404", "409", "422"):
                content = list(operation["responses"][status]["content"])
                if "x-protocol" in operation:  # a protocol's own answers beside the problems
                    assert content[0] == "application/problem+json", (method, path, status)
                else:
                    assert content == ["application/problem+json"], (method, path, status)
