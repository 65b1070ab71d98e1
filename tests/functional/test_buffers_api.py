"""Buffers over HTTP: filing as each role, what each role sees, and refusals with their reasons.

The seeded installation's deployment is Provider SA's; a stress run filed by hand asks it for
EUR 1,000,000.50 of capital."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from custos.access.filer import file_as
from custos.access.model import OPERATOR_ID, Principal, Role
from custos.access.service import operator
from custos.core.ids import new_id
from custos.risk.filings import (
    STRESS_TEST_COMPLETED,
    STRESS_TEST_PARTICIPATED,
    StressTestCompleted,
    StressTestParticipated,
)
from custos.store import Store
from custos.store import buffers_views as bv
from tests.conftest import TEST_NOW
from tests.functional.conftest import Api

BUFFERS = "/v1/buffers"
TODAY = TEST_NOW.date()


def file_run(store: Store, capital: dict[str, tuple[str, float]], by: Principal | None = None) -> str:
    """A stress run as the risk service files it (as ``by``, the operator when None): ``capital``
    maps deployments to (deployer, capital)."""
    by = by or operator(store)
    run_id = new_id()
    content = StressTestCompleted(
        run_id=run_id,
        scenario="by hand",
        scenario_digest="sha256:0",
        network_digest="sha256:0",
        network={"name": "registry", "currency": "EUR"},
        results_digest="sha256:0",
        seed=1,
        draws=1,
        engine="test",
        contagion_model="none",
        headline={},
    )
    run = file_as(
        by,
        STRESS_TEST_COMPLETED,
        content,
        owner=by.organisation_id or OPERATOR_ID,
        subject=run_id,
        clock=store.clock,
    )
    parts = [
        file_as(
            by,
            STRESS_TEST_PARTICIPATED,
            StressTestParticipated(
                run_id=run_id,
                run_filing_id=run.id,
                currency="EUR",
                expected_loss=0.0,
                capital=amount,
                premium=0.0,
                pool_contribution=0.0,
            ),
            owner=deployer,
            subject=deployment,
            clock=store.clock,
        )
        for deployment, (deployer, amount) in capital.items()
    ]
    with store.transaction() as uow:
        uow.file(run, *parts)
    return run.id


def _ran(api: Api) -> None:
    with api.store.read() as conn:
        if bv.latest_run(conn) is not None:
            return
    provider = api.organisations["provider"]["id"]
    file_run(api.store, {api.samples["deployment"]: (provider, 1_000_000.5)})


def declaration(amount: str = "1000000.50", **extra: Any) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": "EUR",
        "composition": [{"component": "CET1", "amount": amount}],
        "as_of": TODAY.isoformat(),
        **extra,
    }


def policy(api: Api, **extra: Any) -> dict[str, Any]:
    return {
        "insurer_id": api.organisations["other"]["id"],
        "insured_id": api.organisations["provider"]["id"],
        "limit": "500000",
        "attachment_point": "0",
        "premium": "1000",
        "currency": "EUR",
        "term_start": TODAY.isoformat(),
        "term_end": (TODAY + timedelta(days=300)).isoformat(),
        "policy_reference": "P-1",
        **extra,
    }


def buffers_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed buffers request the roles holding the route's permission may make: writes act
    for Provider SA, the organisation of every actor but the supervisor."""
    provider = api.organisations["provider"]["id"]
    _ran(api)
    if (method, path) == ("POST", f"{BUFFERS}/declarations"):
        return path, {"json": declaration(organisation_id=provider)}
    if (method, path) == ("POST", f"{BUFFERS}/policies"):
        return path, {"json": policy(api)}
    if path == f"{BUFFERS}/positions/{{organisation}}":
        return path.replace("{organisation}", provider), {}
    return path, {}


def test_a_firm_declares_and_reads_its_own_position(api: Api) -> None:
    _ran(api)
    answer = api.client.post(
        f"{BUFFERS}/declarations", headers=api.headers(Role.DEPLOYER), json=declaration()
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["verdict"], body["requirement"], body["held"]) == ("sufficient", "1000000.50", "1000000.50")
    assert body["valid_until"] == TODAY.replace(year=TODAY.year + 1).isoformat()
    mine = api.client.get(f"{BUFFERS}/positions", headers=api.headers(Role.PROVIDER)).json()
    assert [(f["organisation"], f["shortfall"]) for f in mine["firms"]] == [("Provider SA", "0.00")]


def test_the_public_sees_nothing_and_bad_input_is_refused_with_its_reason(api: Api) -> None:
    _ran(api)
    assert api.client.get(f"{BUFFERS}/positions").status_code == 401
    assert api.client.get(f"{BUFFERS}/declarations").status_code == 401
    bad = declaration(composition=[{"component": "CET1", "amount": "1"}])
    answer = api.client.post(f"{BUFFERS}/declarations", headers=api.headers(Role.PROVIDER), json=bad)
    assert answer.status_code == 422 and "adds up to 1" in answer.text
    future = declaration(as_of=(TODAY + timedelta(days=1)).isoformat())
    answer = api.client.post(f"{BUFFERS}/declarations", headers=api.headers(Role.PROVIDER), json=future)
    assert answer.status_code == 422 and "in the future" in answer.json()["detail"]
    other = api.organisations["other"]["id"]
    answer = api.client.post(
        f"{BUFFERS}/declarations", headers=api.headers(Role.PROVIDER), json=declaration(organisation_id=other)
    )
    assert answer.status_code == 403
    hidden = api.client.get(f"{BUFFERS}/positions/{other}", headers=api.headers(Role.PROVIDER))
    assert hidden.status_code == 404


def test_a_second_policy_under_one_reference_is_a_conflict_and_a_premium_above_the_limit_refused(
    api: Api,
) -> None:
    _ran(api)
    headers = api.headers(Role.PROVIDER)
    first = api.client.post(f"{BUFFERS}/policies", headers=headers, json=policy(api, currency="eur"))
    assert first.status_code == 201, first.text
    assert (first.json()["currency"], first.json()["verified_currency"]) == ("EUR", "EUR")
    twin = api.client.post(f"{BUFFERS}/policies", headers=headers, json=policy(api, limit="1000"))
    assert twin.status_code == 409 and "'P-1' is already filed and in force" in twin.json()["detail"]
    dear = policy(api, policy_reference="P-2", premium="500000.01")
    answer = api.client.post(f"{BUFFERS}/policies", headers=headers, json=dear)
    assert answer.status_code == 422 and "is above the limit (500000)" in answer.text
