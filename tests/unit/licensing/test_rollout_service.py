"""The rollout service's boundary: plans and figures come in as their payload models, and every
step answers with where the rollout stands (:class:`RolloutView`)."""

from __future__ import annotations

import pytest

from custos.core import InvalidInput
from custos.licensing.model import LicenceApplication, LicenceStep, Scope, Transition
from custos.licensing.rollout import MetricsReported, RolloutPlanned, Stage
from custos.licensing.rollout_service import RolloutService
from custos.licensing.service import LicensingService
from custos.licensing.views import RolloutView
from custos.store import Store
from tests.unit.registry.world import Parties


def granted(store: Store, world: Parties, max_users: int | None = None) -> str:
    licensing = LicensingService(store)
    scope = Scope(jurisdictions=("EU",), max_users=max_users)
    application = LicenceApplication(
        applicant_id=world.deployer, model_id=world.model, scope=scope, term_months=12
    )
    applied = licensing.apply(application, by=world.supervisor)
    return licensing.decide(applied.id, Transition.GRANT, LicenceStep(), by=world.supervisor).id


def test_a_plan_answers_with_its_first_stage_and_every_term(store: Store, world: Parties) -> None:
    licence = granted(store, world)
    plan = RolloutPlanned(stages=(Stage(name="pilot", percentage=5), Stage(name="all", percentage=100)))
    view = RolloutService(store).plan(licence, plan, by=world.supervisor)
    assert isinstance(view, RolloutView)
    assert (view.stage, view.stage_name, view.percentage, view.status) == (0, "pilot", 5, "active")
    shown = view.model_dump(mode="json", exclude_unset=True)
    assert shown["plan"]["stages"][0]["gates"] == {"min_days": 0, "no_serious_incident": True, "metrics": {}}
    assert shown["gates_unmet"] == []  # no figures bounded, no serious incident open


def test_a_plan_beyond_the_licence_is_refused_by_field(store: Store, world: Parties) -> None:
    licence = granted(store, world, max_users=100)
    plan = RolloutPlanned(stages=(Stage(name="pilot", percentage=5, max_users=500),))
    with pytest.raises(InvalidInput, match=r"stages\.0\.max_users"):
        RolloutService(store).plan(licence, plan, by=world.supervisor)


def test_figures_reported_answer_with_the_gates_they_leave_unmet(store: Store, world: Parties) -> None:
    licence = granted(store, world)
    rollouts = RolloutService(store)
    gated = {"name": "pilot", "percentage": 5, "gates": {"metrics": {"override_rate": {"max": 0.05}}}}
    rollouts.plan(licence, RolloutPlanned.model_validate({"stages": [gated]}), by=world.supervisor)
    view = rollouts.report_metrics(
        licence, MetricsReported(values={"override_rate": 0.2}), by=world.supervisor
    )
    assert view.gates_unmet == ["override_rate = 0.2 is above its maximum 0.05"]
    assert rollouts.hold(licence, "wait", by=world.supervisor).status == "held"
