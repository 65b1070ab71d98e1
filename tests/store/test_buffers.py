"""Buffers on each backend: a stress run's requirement read back from the log, a declaration and
a policy kept in the views with Custos's verification, the packs' shortfall fact, and the views
rebuilt identically by replay."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from custos.buffers.requests import DeclarationRequest, PolicyRequest
from custos.buffers.service import BuffersService
from custos.core.clock import FixedClock
from custos.registry.model import DeploymentRegistration, ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import buffers_views as bv
from tests.functional.pool_samples import baseline
from tests.functional.test_buffers_api import file_run
from tests.store.organisations import registered
from tests.store.test_registry import SUPERVISOR
from tests.store.test_replay import views_of


def test_buffer_filings_round_trip_and_replay(store: Store, clock: FixedClock) -> None:
    baseline(store, SUPERVISOR)
    registry = RegistryService(store)
    ids = registered(store, ("Lab", "Bank", "Insurer"))
    model = registry.register_model(
        ModelRegistration(name="Frontier", provider_id=ids["Lab"]), by=SUPERVISOR
    ).id
    deployments = [
        registry.register_deployment(
            DeploymentRegistration.model_validate(
                {
                    "name": f"scoring {n}",
                    "deployer_id": ids["Bank"],
                    "model_id": model,
                    "jurisdictions": ["FR"],
                    "sector": "finance",
                    "economic_exposure": {"amount": "100", "currency": "EUR"},
                }
            ),
            by=SUPERVISOR,
        ).id
        for n in (1, 2)
    ]
    # 0.1 + 0.2 is not 0.3 in binary floating point; the requirement is summed exactly.
    file_run(store, {deployments[0]: (ids["Bank"], 0.1), deployments[1]: (ids["Bank"], 0.2)}, SUPERVISOR)
    with store.read() as conn:
        assert bv.shortfalls_at_latest_run(conn, None) == {ids["Bank"]: 0.3}
    service = BuffersService(store)
    today = clock.now().date()
    clock.advance(timedelta(minutes=1))
    declared = service.declare(
        DeclarationRequest.model_validate(
            {
                "organisation_id": ids["Bank"],
                "amount": "0.20",
                "currency": "EUR",
                "composition": [
                    {"component": "CET1", "amount": "0.15"},
                    {"component": "AT1", "amount": "0.05"},
                ],
                "as_of": today.isoformat(),
            }
        ),
        by=SUPERVISOR,
    )
    clock.advance(timedelta(minutes=1))
    bound = service.bind(
        PolicyRequest(
            insurer_id=ids["Insurer"],
            insured_id=ids["Bank"],
            limit=Decimal("0.10"),
            attachment_point=Decimal("0.20"),
            premium=Decimal("0.01"),
            currency="EUR",
            term_start=today,
            term_end=today + timedelta(days=30),
            policy_reference="P-1",
        ),
        by=SUPERVISOR,
    )
    assert (declared.verdict, declared.shortfall) == ("shortfall", Decimal("0.10"))
    assert (bound.verdict, bound.held, bound.requirement) == ("sufficient", Decimal("0.30"), Decimal("0.30"))
    assert [d.composition[1].amount for d in service.declarations(by=SUPERVISOR)] == [Decimal("0.05")]
    # The packs judge the firm as it stood when the run was filed: it held nothing then.
    with store.read() as conn:
        assert bv.shortfalls_at_latest_run(conn, [ids["Bank"]]) == {ids["Bank"]: 0.3}

    before = views_of(store)
    store.replay()
    assert views_of(store) == before
    assert before["buffer_policies"][0]["limit_amount"] == "0.10"
