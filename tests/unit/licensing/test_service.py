"""The licensing service's boundary: it takes the application and the step as their payload
models and answers with the licence's read model.

Pinned from docs/architecture.md (services take payload models, return frozen read models) and
the licence lifecycle: the applicant left out is the caller's organisation; a grant without dates
runs from today for the term applied for; a refusal files only its reason."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from custos.core import Forbidden, InvalidInput
from custos.filings import parse
from custos.licensing.model import LicenceApplication, LicenceStatus, LicenceStep, Scope, Transition
from custos.licensing.service import LicensingService, add_months
from custos.licensing.views import LicenceView
from custos.registry.model import DeploymentRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.registry.world import Parties


def application(world: Parties, **fields: object) -> LicenceApplication:
    return LicenceApplication(
        model_id=world.model, scope=Scope(jurisdictions=("EU",)), term_months=12, **fields
    )


def test_the_applicant_left_out_is_the_callers_organisation(store: Store, world: Parties) -> None:
    deployment = {
        "name": "Scoring",
        "deployer_id": world.deployer,
        "model_id": world.model,
        "sector": "finance",
    }
    RegistryService(store).register_deployment(
        DeploymentRegistration.model_validate({**deployment, "jurisdictions": ["DE"]}), by=world.supervisor
    )
    applied = LicensingService(store).apply(application(world), by=world.deployer_actor)
    assert isinstance(applied, LicenceView)
    assert (applied.applicant_id, applied.status, applied.valid_from) == (
        world.deployer,
        LicenceStatus.APPLIED,
        None,
    )
    with pytest.raises(ValidationError):
        applied.status = LicenceStatus.GRANTED  # type: ignore[misc]  # a read model is frozen
    with pytest.raises(Forbidden, match="own organisation"):
        LicensingService(store).apply(application(world, applicant_id=world.rival), by=world.deployer_actor)


def test_a_grant_without_dates_runs_from_today_for_the_term(store: Store, world: Parties) -> None:
    licensing = LicensingService(store)
    applied = licensing.apply(application(world, applicant_id=world.provider), by=world.supervisor)
    granted = licensing.decide(applied.id, Transition.GRANT, LicenceStep(), by=world.supervisor)
    today = store.clock.now().date()
    assert (granted.valid_from, granted.valid_until) == (today, add_months(today, 12))
    assert granted.model_dump(mode="json", exclude_unset=True)["scope"] == {
        "jurisdictions": ["EU"],
        "sectors": [],
        "capability_classes": [],
        "max_users": None,
    }


def test_a_refusal_files_its_reason_only_and_a_grant_refuses_what_it_does_not_take(
    store: Store, world: Parties
) -> None:
    licensing = LicensingService(store)
    applied = licensing.apply(application(world, applicant_id=world.provider), by=world.supervisor)
    with pytest.raises(InvalidInput, match="reason"):
        licensing.decide(applied.id, Transition.GRANT, LicenceStep(reason="why not"), by=world.supervisor)
    step = LicenceStep(reason="insufficient testing", valid_from=date(2026, 1, 1))
    refused = licensing.decide(applied.id, Transition.REFUSE, step, by=world.supervisor)
    assert (refused.status, refused.reason, refused.valid_from) == (
        LicenceStatus.REFUSED,
        "insufficient testing",
        None,
    )


def test_terms_read_from_a_file_are_refused_with_each_field_named() -> None:
    """What the command line does with ``--terms``: every offending field in one message."""
    with pytest.raises(InvalidInput) as refused:
        parse(LicenceStep, {"valid_until": "someday", "scope": {"jurisdictions": []}}, "licence terms")
    assert "valid_until" in str(refused.value) and "scope.jurisdictions" in str(refused.value)
