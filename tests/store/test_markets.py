"""Market supervision on each backend: an assessment, a designation, a merger review with its
remedy and the plan that answers it kept in the views, and rebuilt identically by replay."""

from __future__ import annotations

from datetime import timedelta

from custos.core.clock import FixedClock
from custos.markets.requests import DesignationRequest, FallbackPlanRequest, MergerRequest, RemedyRequest
from custos.markets.service import MarketsService
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.store.test_registry import SUPERVISOR
from tests.store.test_replay import views_of


def test_market_filings_round_trip_and_replay(store: Store, clock: FixedClock) -> None:
    PolicyService(store).load(
        (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8"),
        origin="custos-baseline.yaml",
        by=SUPERVISOR,
    )
    registry = RegistryService(store)
    ids = {
        name: registry.register_organisation(
            OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"}),
            by=SUPERVISOR,
        ).id
        for name in ("Cloud A", "Cloud B", "Lab", "Bank")
    }
    model = registry.register_model(
        ModelRegistration(name="Frontier", provider_id=ids["Lab"]), by=SUPERVISOR
    ).id
    for host, amount in (("Cloud A", 80), ("Cloud B", 20)):
        registry.register_deployment(
            DeploymentRegistration.model_validate(
                {
                    "name": f"scoring on {host}",
                    "deployer_id": ids["Bank"],
                    "model_id": model,
                    "hosting_provider_id": ids[host],
                    "jurisdictions": ["FR"],
                    "sector": "finance",
                    "economic_exposure": {"amount": str(amount), "currency": "EUR"},
                }
            ),
            by=SUPERVISOR,
        )
    service = MarketsService(store)
    service.designate(DesignationRequest(model=model, grounds="Publicly funded"), by=SUPERVISOR)
    assessment = service.assess(by=SUPERVISOR)
    assert set(assessment.linchpins) == {
        ids["Lab"],
        ids["Cloud A"],
    }  # 100% and 80% of exposure; Cloud B has 20%
    review = service.review_merger(
        MergerRequest(acquirer="Cloud A", target="Cloud B", draws=1_000), by=SUPERVISOR
    )
    service.impose_remedy(
        review.id, RemedyRequest(remedy="interoperability", terms="Open formats"), by=SUPERVISOR
    )
    clock.advance(timedelta(days=3))
    plan = service.file_fallback_plan(
        FallbackPlanRequest(
            plan="interoperability",
            summary="Portable images",
            valid_until=clock.now().date() + timedelta(days=365),
            organisation_id=ids["Cloud A"],
        ),
        by=SUPERVISOR,
    )
    (remedy,) = service.review(review.id, by=SUPERVISOR).remedies
    assert remedy.answered_by == plan.id and remedy.imposed_at < plan.filed_at
    assert service.fallback_plans(by=SUPERVISOR)[0].valid_until == plan.valid_until
    assert registry.model(SUPERVISOR, model).public_interest_grounds == "Publicly funded"

    before = views_of(store)
    store.replay()
    assert views_of(store) == before
