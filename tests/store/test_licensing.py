"""Licences on each backend: the lifecycle, the scope, and the decision point."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custos.access.model import Principal, Role
from custos.core import Conflict, FixedClock, Forbidden, InvalidInput, NotFound
from custos.filings import parse
from custos.licensing.decision import Context, DecisionPoint
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.recognition import RecognitionAgreed
from custos.licensing.rollout import RolloutPlanned
from custos.licensing.service import LicensingService
from custos.passports.model import Passport
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.store.test_registry import SUPERVISOR


@pytest.fixture
def world(store: Store) -> dict[str, str]:
    registry = RegistryService(store)
    provider = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Lab", "jurisdiction": "FR", "country": "FR"}),
        by=SUPERVISOR,
    )
    bank = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Bank", "jurisdiction": "DE", "country": "DE"}),
        by=SUPERVISOR,
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Frontier", "provider_id": provider.id}), by=SUPERVISOR
    )
    return {"provider": provider.id, "bank": bank.id, "model": model.id}


def application(world: dict[str, str], applicant: str = "bank", **scope: object) -> LicenceApplication:
    return LicenceApplication.model_validate(
        {
            "applicant_id": world[applicant],
            "model_id": world["model"],
            "scope": {"jurisdictions": ["EU"], "sectors": ["finance"], "max_users": 10_000, **scope},
            "term_months": 12,
        }
    )


def test_the_lifecycle_refuses_illegal_transitions_with_the_reason(
    store: Store, world: dict[str, str]
) -> None:
    service = LicensingService(store)
    licence = service.apply(application(world), by=SUPERVISOR)
    assert licence.status == "applied"
    with pytest.raises(Conflict, match="cannot suspend a licence that is applied"):
        service.decide(licence.id, Transition.SUSPEND, LicenceStep(reason="x"), by=SUPERVISOR)
    granted = service.decide(licence.id, Transition.GRANT, LicenceStep(), by=SUPERVISOR)
    assert granted.status == "granted" and granted.valid_until
    assert (
        service.decide(
            licence.id, Transition.SUSPEND, LicenceStep(reason="audit overdue"), by=SUPERVISOR
        ).status
        == "suspended"
    )
    assert (
        service.decide(
            licence.id, Transition.REINSTATE, LicenceStep(reason="audit filed"), by=SUPERVISOR
        ).status
        == "granted"
    )
    assert (
        service.decide(licence.id, Transition.REVOKE, LicenceStep(reason="breach"), by=SUPERVISOR).status
        == "revoked"
    )
    with pytest.raises(Conflict, match="closed"):
        service.decide(licence.id, Transition.REINSTATE, LicenceStep(reason="x"), by=SUPERVISOR)
    store.verify()


def test_who_may_apply_and_decide(store: Store, world: dict[str, str]) -> None:
    service = LicensingService(store)
    deployer = Principal("d", "d", Role.DEPLOYER, world["bank"], "DE")
    stranger = Principal("p", "p", Role.PROVIDER, world["bank"], "DE")
    with pytest.raises(Forbidden, match="models it deploys"):
        service.apply(application(world), by=deployer)  # the bank does not deploy the model yet
    deployment = {
        "name": "Credit scoring",
        "deployer_id": world["bank"],
        "model_id": world["model"],
        "sector": "finance",
        "jurisdictions": ["DE"],
    }
    RegistryService(store).register_deployment(
        DeploymentRegistration.model_validate(deployment), by=SUPERVISOR
    )
    licence = service.apply(application(world), by=deployer)
    with pytest.raises(Forbidden):
        service.apply(application(world), by=stranger)  # a provider applies for its own models only
    with pytest.raises(Forbidden):
        service.decide(licence.id, Transition.GRANT, LicenceStep(), by=deployer)
    with pytest.raises(NotFound):
        service.apply(application(world).model_copy(update={"model_id": "NOPE"}), by=SUPERVISOR)


def test_a_grant_never_exceeds_the_application(store: Store, world: dict[str, str]) -> None:
    service = LicensingService(store)
    licence = service.apply(application(world), by=SUPERVISOR)
    with pytest.raises(InvalidInput, match="more users"):
        service.decide(
            licence.id,
            Transition.GRANT,
            LicenceStep.model_validate(
                {"scope": {"jurisdictions": ["EU"], "sectors": ["finance"], "max_users": 20_000}}
            ),
            by=SUPERVISOR,
        )
    with pytest.raises(InvalidInput, match="jurisdictions"):
        service.decide(
            licence.id,
            Transition.GRANT,
            LicenceStep.model_validate(
                {"scope": {"jurisdictions": ["US"], "sectors": ["finance"], "max_users": 10}}
            ),
            by=SUPERVISOR,
        )
    assert LicensingService(store).show(SUPERVISOR, licence.id).status == "applied"


def test_decisions_follow_the_licence(store: Store, world: dict[str, str], clock: FixedClock) -> None:
    service = LicensingService(store)
    point = DecisionPoint(store)
    request = Context(jurisdiction="DE", sector="finance", users=500)
    assert not point.decide(world["bank"], world["model"], request).allow
    licence = service.apply(application(world), by=SUPERVISOR)
    service.decide(licence.id, Transition.GRANT, LicenceStep(), by=SUPERVISOR)
    allowed = point.decide(world["bank"], world["model"], request)
    assert allowed.allow and allowed.licence_id == licence.id
    for context, reason in [
        (Context(jurisdiction="US", sector="finance", users=5), "jurisdiction US"),
        (Context(jurisdiction="FR", sector="health", users=5), "sector health"),
        (Context(jurisdiction="FR", sector="finance", users=50_000), "50000 users exceed"),
    ]:
        denied = point.decide(world["bank"], world["model"], context)
        assert not denied.allow and reason in " ".join(denied.reasons)
    other = point.decide(world["provider"], world["model"], request)
    assert not other.allow  # the bank's licence does not cover the provider's own use
    service.decide(licence.id, Transition.SUSPEND, LicenceStep(reason="stress test failed"), by=SUPERVISOR)
    suspended = point.decide(world["bank"], world["model"], request)
    assert not suspended.allow and "suspended: stress test failed" in suspended.reasons[0]
    service.decide(licence.id, Transition.REINSTATE, LicenceStep(reason="passed"), by=SUPERVISOR)
    assert point.decide(world["bank"], world["model"], request).allow
    clock.advance(timedelta(days=400))
    late = point.decide(world["bank"], world["model"], request)
    assert not late.allow and "expired" in late.reasons[0]


def test_a_rollout_admits_its_stages_share_and_promotes_through_its_gates(
    store: Store, world: dict[str, str], clock: FixedClock
) -> None:
    from custos.licensing.rollout import included
    from custos.licensing.rollout_service import RolloutService

    service, rollouts = LicensingService(store), RolloutService(store)
    licence = service.apply(application(world), by=SUPERVISOR)
    service.decide(licence.id, Transition.GRANT, LicenceStep(), by=SUPERVISOR)
    with pytest.raises(InvalidInput, match="max_users"):
        rollouts.plan(
            licence.id,
            RolloutPlanned.model_validate(
                {"stages": [{"name": "pilot", "percentage": 5, "max_users": 50_000}]}
            ),
            by=SUPERVISOR,
        )
    falling = {"stages": [{"name": "a", "percentage": 50}, {"name": "b", "percentage": 5}]}
    with pytest.raises(InvalidInput, match=r"invalid rollout plan: .*percentages must rise"):
        parse(RolloutPlanned, falling, "rollout plan")  # refused where it is read, before the service
    plan = {
        "stages": [
            {"name": "pilot", "percentage": 5, "max_users": 1000, "gates": {"min_days": 30}},
            {"name": "wide", "percentage": 50, "max_users": 10_000},
        ]
    }
    assert rollouts.plan(licence.id, RolloutPlanned.model_validate(plan), by=SUPERVISOR).stage_name == "pilot"
    point = DecisionPoint(store)
    keys = [f"customer-{i}" for i in range(400)]
    admitted = {
        k
        for k in keys
        if point.decide(world["bank"], world["model"], Context("DE", "finance", 10, None, k)).allow
    }
    assert admitted == {k for k in keys if included(licence.id, k, 5)}
    assert not point.decide(
        world["bank"], world["model"], Context("DE", "finance", 10)
    ).allow  # no subject key
    with pytest.raises(Conflict, match="days in the stage"):
        rollouts.promote(licence.id, "pilot went well", by=SUPERVISOR)
    clock.advance(timedelta(days=31))
    assert rollouts.promote(licence.id, "pilot went well", by=SUPERVISOR).stage_name == "wide"
    widened = {
        k
        for k in keys
        if point.decide(world["bank"], world["model"], Context("DE", "finance", 10, None, k)).allow
    }
    assert admitted <= widened and len(widened) > len(admitted)
    assert rollouts.rollback(licence.id, 0, "incident", by=SUPERVISOR).stage_name == "pilot"
    with pytest.raises(Conflict, match="earlier stage"):
        rollouts.rollback(licence.id, 1, "no", by=SUPERVISOR)
    store.verify()


def test_an_open_serious_incident_holds_a_rollout_back_until_it_is_closed(
    store: Store, world: dict[str, str]
) -> None:
    from custos.licensing.rollout_service import RolloutService
    from custos.oversight.incidents import IncidentService
    from custos.oversight.model import IncidentReported

    service, rollouts, incidents = LicensingService(store), RolloutService(store), IncidentService(store)
    licence = service.apply(application(world), by=SUPERVISOR)
    service.decide(licence.id, Transition.GRANT, LicenceStep(), by=SUPERVISOR)
    stages = [{"name": "pilot", "percentage": 5}, {"name": "wide", "percentage": 50}]
    plan = RolloutPlanned.model_validate({"stages": [{**s, "max_users": 1000} for s in stages]})
    rollouts.plan(licence.id, plan, by=SUPERVISOR)

    def report(severity: str, model: str = world["model"]) -> str:
        content = {
            "model_id": model,
            "severity": severity,
            "summary": "credit decisions reversed",
            "occurred_at": "2026-03-01T09:00:00Z",
        }
        return incidents.report(IncidentReported.model_validate(content), by=SUPERVISOR).id

    report("minor")
    serious = report("serious")
    assert rollouts.status(licence.id).gates_unmet == [f"serious incident {serious} about the model is open"]
    with pytest.raises(Conflict, match=f"serious incident {serious}"):
        rollouts.promote(licence.id, "go", by=SUPERVISOR)
    with pytest.raises(NotFound, match="no incident"):
        incidents.close(licence.id, "not an incident", by=SUPERVISOR)
    with pytest.raises(NotFound, match="no model"):
        report("minor", model="NOPE")
    incidents.close(serious, "root cause fixed and verified", by=SUPERVISOR)
    with pytest.raises(Conflict, match="already closed"):
        incidents.close(serious, "again", by=SUPERVISOR)
    assert rollouts.promote(licence.id, "go", by=SUPERVISOR).stage_name == "wide"
    store.verify()


def test_only_answerable_or_confirmed_reports_hold_a_rollout_back(
    store: Store, world: dict[str, str]
) -> None:
    from custos.licensing.rollout_service import RolloutService
    from custos.oversight.incidents import IncidentService
    from custos.oversight.model import IncidentReported

    rival = RegistryService(store).register_organisation(
        OrganisationRegistered.model_validate({"name": "Rival", "jurisdiction": "DE"}), by=SUPERVISOR
    )
    service, rollouts, incidents = LicensingService(store), RolloutService(store), IncidentService(store)
    licence = service.apply(application(world), by=SUPERVISOR)
    service.decide(licence.id, Transition.GRANT, LicenceStep(), by=SUPERVISOR)
    rollouts.plan(
        licence.id,
        RolloutPlanned.model_validate(
            {
                "stages": [
                    {"name": "pilot", "percentage": 5, "max_users": 500},
                    {"name": "all", "percentage": 100, "max_users": 10_000},
                ]
            }
        ),
        by=SUPERVISOR,
    )

    def report(organisation: str) -> str:
        reporter = Principal(f"actor-{organisation}", "reporter", Role.DEPLOYER, organisation, "DE")
        content = {
            "model_id": world["model"],
            "severity": "serious",
            "summary": "outage",
            "occurred_at": "2026-03-01T09:00:00Z",
        }
        return incidents.report(IncidentReported.model_validate(content), by=reporter).id

    third_party = report(rival.id)
    assert rollouts.status(licence.id).gates_unmet == []  # a rival's word alone stops nobody
    with pytest.raises(Forbidden):
        incidents.confirm(third_party, "triaged", by=Principal("x", "x", Role.DEPLOYER, rival.id, "DE"))
    incidents.confirm(third_party, "triaged: the outage is real", by=SUPERVISOR)
    with pytest.raises(Conflict, match="already confirmed"):
        incidents.confirm(third_party, "again", by=SUPERVISOR)
    assert rollouts.status(licence.id).gates_unmet == [
        f"serious incident {third_party} about the model is open"
    ]
    incidents.close(third_party, "fixed", by=SUPERVISOR)
    with pytest.raises(Conflict, match="already closed"):
        incidents.confirm(third_party, "late", by=SUPERVISOR)

    for answerable in (world["bank"], world["provider"]):  # the holder's own report, the provider's
        own = report(answerable)
        assert rollouts.status(licence.id).gates_unmet == [f"serious incident {own} about the model is open"]
        incidents.close(own, "fixed", by=SUPERVISOR)
    store.verify()


def test_a_recognised_licence_counts_abroad_and_lapses_with_its_origin(
    store: Store, world: dict[str, str]
) -> None:
    from custos.licensing.recognition_service import RecognitionService

    service, recognitions = LicensingService(store), RecognitionService(store)
    licence = service.apply(application(world, jurisdictions=["US-CA"]), by=SUPERVISOR)
    service.decide(licence.id, Transition.GRANT, LicenceStep(), by=SUPERVISOR)
    point = DecisionPoint(store)
    in_britain = Context(jurisdiction="GB", sector="finance", users=10)
    assert not point.decide(world["bank"], world["model"], in_britain).allow
    terms = {
        "recognising": "GB",
        "recognised": "US-CA",
        "sectors": ["finance"],
        "extra_conditions": [
            {"id": "uk-contact", "description": "A UK point of contact", "evidence": "contact.filed"}
        ],
    }
    agreement = recognitions.agree(RecognitionAgreed.model_validate(terms), by=SUPERVISOR)
    recognised = point.decide(world["bank"], world["model"], in_britain)
    assert recognised.allow and agreement.id in recognised.reasons[0]
    assert "extra condition: A UK point of contact" in recognised.reasons
    assert not point.decide(world["bank"], world["model"], Context("GB", "health", 10)).allow
    service.decide(licence.id, Transition.SUSPEND, LicenceStep(reason="breach in California"), by=SUPERVISOR)
    assert not point.decide(world["bank"], world["model"], in_britain).allow  # lapses with B's licence
    service.decide(licence.id, Transition.REINSTATE, LicenceStep(reason="remedied"), by=SUPERVISOR)
    recognitions.end(agreement.id, "agreement terminated", by=SUPERVISOR)
    assert not point.decide(world["bank"], world["model"], in_britain).allow
    with pytest.raises(InvalidInput, match="its own licences"):
        recognitions.agree(RecognitionAgreed(recognising="FR", recognised="FR"), by=SUPERVISOR)


def test_a_lapsed_condition_suspends_the_licence_when_it_says_so(
    store: Store, world: dict[str, str], clock: FixedClock
) -> None:
    import custos.policy  # noqa: F401
    from custos.licensing.compliance import sweep
    from custos.policy.service import PolicyService
    from tests.unit.policy.test_pack import GOOD

    RegistryService(store).file_passport(
        world["model"],
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}),
        by=SUPERVISOR,
    )
    PolicyService(store).load(GOOD, origin="test-pack.yaml", by=SUPERVISOR)  # notify within 14 days
    service = LicensingService(store)
    licence = service.apply(application(world), by=SUPERVISOR)
    conditions = [
        {
            "id": "notified",
            "description": "Notify in time",
            "obligation": "test-pack/big-model/notify",
            "suspend_on_lapse": True,
        },
        {"id": "audited", "description": "An audit on file", "evidence": "audit.attested"},
    ]
    service.decide(
        licence.id, Transition.GRANT, LicenceStep.model_validate({"conditions": conditions}), by=SUPERVISOR
    )
    first = sweep(store, by=SUPERVISOR)
    assert [(r.licence_id, r.suspended) for r in first] == [(licence.id, False)]
    assert [c.id for c in first[0].lapsed] == ["audited"]
    clock.advance(timedelta(days=15))
    second = sweep(store, by=SUPERVISOR)
    assert second[0].suspended is True
    shown = service.show(SUPERVISOR, licence.id)
    assert shown.status == "suspended" and "notified: obligation test-pack/big-model/notify is overdue" in (
        shown.reason or ""
    )
    assert sweep(store, by=SUPERVISOR) == []  # a suspended licence is not swept again


def test_decisions_kept_for_audit_are_filed_in_batches(store: Store, world: dict[str, str]) -> None:
    from sqlalchemy import func, select

    from custos.store._tables import filings

    point = DecisionPoint(store, log_rate=1.0)
    for _ in range(5):
        point.decide(world["bank"], world["model"], Context("DE", "finance", 5, None, "customer-1"))
    assert point.flush() == 5
    with store.read() as conn:
        kept = conn.execute(
            select(func.count()).select_from(filings).where(filings.c.kind == "decision.logged")
        )
        assert kept.scalar_one() == 5
    with pytest.raises(ValueError, match="share"):
        DecisionPoint(store, log_rate=2.0)
    store.verify()
