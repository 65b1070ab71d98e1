"""The decision point: may this deployer serve this request with this model, now?

Pinned from docs/licensing.md and the licensing models: a deployer is covered by its own
licence for the model or by the model provider's; a licence answers only while granted, from
``valid_from`` up to (not including) ``valid_until`` (the grant's term: ``term_months`` after
``valid_from``), within its jurisdictions (the EU covers its member states, a country its
subdivisions), sectors, capability classes and maximum users; a rollout admits the subjects whose
Unleash bucket is at most the stage's percentage, within the stage's caps; an agreement lets a
licence valid in B answer in A; an allow lists the model's open obligations. The index behind
the answers is rebuilt at once after a licence filing in this process and within
``refresh_interval`` after one made elsewhere; a share ``log_rate`` of decisions is filed as
``decision.logged``.

Expected answers are worked out by hand from those rules (dates, jurisdictions, Unleash's
shared bucketing vectors), never read back from the code.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from custos.core import FixedClock, NotFound
from custos.core.settings import Settings
from custos.installation import composition
from custos.licensing import decision as decision_module
from custos.licensing.decision import Context, DecisionPoint
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.recognition import RecognitionAgreed
from custos.licensing.recognition_service import RecognitionService
from custos.licensing.rollout import RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.licensing.service import LicensingService
from custos.licensing.views import DecisionView
from custos.passports.model import Passport
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Composition, Store
from custos.store._tables import filings
from tests.unit.registry.world import Parties, throwaway

IN_SCOPE = Context(jurisdiction="DE", sector="finance", users=500, capability_class="general-purpose")


@pytest.fixture
def licensing(store: Store) -> LicensingService:
    return LicensingService(store)


@pytest.fixture
def point(store: Store) -> DecisionPoint:
    return DecisionPoint(store)


def licence(
    licensing: LicensingService,
    world: Parties,
    *,
    holder: str | None = None,
    model: str | None = None,
    grant: dict[str, Any] | None = None,
    term_months: int = 12,
    **scope: Any,
) -> str:
    """A licence applied for (by a supervisor on the holder's behalf) and, unless ``grant`` is
    None, granted with ``grant``'s terms; the scope defaults to the EU, without other limits."""
    application = {
        "applicant_id": holder or world.deployer,
        "model_id": model or world.model,
        "scope": {"jurisdictions": ["EU"], **scope},
        "term_months": term_months,
    }
    applied = licensing.apply(LicenceApplication.model_validate(application), by=world.supervisor)
    if grant is not None:
        licensing.decide(applied.id, Transition.GRANT, LicenceStep.model_validate(grant), by=world.supervisor)
    return applied.id


# --- who is covered -----------------------------------------------------------------------


def test_without_a_licence_in_force_the_answer_is_no(
    licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    """Nothing applied for, only applied for, or refused: no licence is in force."""
    nothing = f"no licence in force for model {world.model}"
    assert point.decide(world.deployer, world.model, IN_SCOPE).reasons == (nothing,)
    pending = licence(licensing, world, grant=None)
    assert point.decide(world.deployer, world.model, IN_SCOPE).reasons == (nothing,)
    licensing.decide(
        pending, Transition.REFUSE, LicenceStep(reason="insufficient testing"), by=world.supervisor
    )
    refused = point.decide(world.deployer, world.model, IN_SCOPE)
    assert not refused.allow and refused.reasons == (nothing,) and refused.licence_id is None


def test_a_granted_licence_in_scope_allows(
    licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    granted = licence(licensing, world, grant={})
    answer = point.decide(world.deployer, world.model, IN_SCOPE)
    assert answer.allow and answer.licence_id == granted and answer.stage is None
    assert answer.reasons == (f"licence {granted} held by the deployer covers the request",)
    assert DecisionView.model_validate(answer, from_attributes=True).model_dump(mode="json") == {
        "allow": True,
        "reasons": [f"licence {granted} held by the deployer covers the request"],
        "licence_id": granted,
        "stage": None,
        "obligations": [],
    }


def test_the_providers_licence_covers_its_deployers(
    licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    granted = licence(licensing, world, holder=world.provider, grant={})
    for deployer in (world.deployer, world.rival):
        answer = point.decide(deployer, world.model, IN_SCOPE)
        assert answer.allow and answer.reasons == (
            f"licence {granted} held by the provider covers the request",
        )
    own_use = point.decide(world.provider, world.model, IN_SCOPE)  # the provider deploying its own model
    assert own_use.allow and own_use.licence_id == granted


def test_another_deployers_licence_covers_nobody_else(
    licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    licence(licensing, world, grant={})
    for outsider in (world.rival, world.provider):
        answer = point.decide(outsider, world.model, IN_SCOPE)
        assert not answer.allow
        assert answer.reasons == (
            f"neither deployer {outsider} nor the model's provider holds a licence for model {world.model}",
        )


def test_a_suspended_licence_denies_with_the_suspensions_reason_until_reinstated(
    licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    granted = licence(licensing, world, grant={})
    licensing.decide(
        granted, Transition.SUSPEND, LicenceStep(reason="stress test failed"), by=world.supervisor
    )
    answer = point.decide(world.deployer, world.model, IN_SCOPE)
    assert not answer.allow and answer.reasons == (f"licence {granted}: suspended: stress test failed",)
    licensing.decide(
        granted, Transition.REINSTATE, LicenceStep(reason="stress test passed"), by=world.supervisor
    )
    assert point.decide(world.deployer, world.model, IN_SCOPE).allow
    licensing.decide(granted, Transition.REVOKE, LicenceStep(reason="fraud"), by=world.supervisor)
    assert point.decide(world.deployer, world.model, IN_SCOPE).reasons == (
        f"no licence in force for model {world.model}",
    )


def test_one_licence_in_force_is_enough(
    licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    """A suspended licence of the deployer does not stand in the way of the provider's."""
    own = licence(licensing, world, grant={})
    licensing.decide(own, Transition.SUSPEND, LicenceStep(reason="audit overdue"), by=world.supervisor)
    providers = licence(licensing, world, holder=world.provider, grant={})
    answer = point.decide(world.deployer, world.model, IN_SCOPE)
    assert answer.allow and answer.licence_id == providers


# --- the scope ----------------------------------------------------------------------------

SCOPED: dict[str, Any] = {
    "jurisdictions": ["EU"],
    "sectors": ["finance", "health"],
    "capability_classes": ["general-purpose"],
    "max_users": 10_000,
}


@pytest.mark.parametrize(
    ("context", "problem"),
    [
        (Context("DE", "finance", 10_000, "general-purpose"), None),  # the cap is inclusive
        (Context("DE-BY", "health", 1, "general-purpose"), None),  # Bavaria is in Germany, in the EU
        (Context("IT", "finance", 10_001, "general-purpose"), "10001 users exceed the licensed 10000"),
        (
            Context("US", "finance", 5, "general-purpose"),
            "jurisdiction US is outside ['EU'], and no agreement there recognises it",
        ),
        (
            Context("CH", "finance", 5, "general-purpose"),
            "jurisdiction CH is outside ['EU'], and no agreement there recognises it",
        ),
        (
            Context("FR", "education", 5, "general-purpose"),
            "sector education is outside ['finance', 'health']",
        ),
        (Context("FR", None, 5, "general-purpose"), "sector None is outside ['finance', 'health']"),
        (Context("FR", "finance", 5, "frontier"), "capability class frontier is outside ['general-purpose']"),
    ],
)
def test_a_request_outside_the_licences_scope_is_denied_saying_where(
    licensing: LicensingService, point: DecisionPoint, world: Parties, context: Context, problem: str | None
) -> None:
    granted = licence(licensing, world, grant={}, **SCOPED)
    answer = point.decide(world.deployer, world.model, context)
    if problem is None:
        assert answer.allow, answer.reasons
    else:
        assert not answer.allow and answer.reasons == (f"licence {granted}: {problem}",)


def test_every_problem_of_a_request_is_named(
    licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    granted = licence(licensing, world, grant={}, **SCOPED)
    answer = point.decide(world.deployer, world.model, Context("GB", "energy", 20_000, "frontier"))
    assert answer.reasons == (
        f"licence {granted}: jurisdiction GB is outside ['EU'], and no agreement there recognises it",
        f"licence {granted}: sector energy is outside ['finance', 'health']",
        f"licence {granted}: capability class frontier is outside ['general-purpose']",
        f"licence {granted}: 20000 users exceed the licensed 10000",
    )


def test_a_licence_answers_from_valid_from_until_the_day_before_valid_until(
    licensing: LicensingService, point: DecisionPoint, world: Parties, clock: FixedClock
) -> None:
    """Granted from 31 January 2028 for one month: the term ends on 29 February 2028 (a leap
    year, and no 31 February), which is the first day it no longer answers."""
    granted = licence(licensing, world, term_months=1, grant={"valid_from": "2028-01-31"})
    assert licensing.show(world.supervisor, granted).valid_until == date(2028, 2, 29)
    for moment, problem in [
        (datetime(2028, 1, 30, 23, 59, tzinfo=UTC), "not valid before 2028-01-31"),
        (datetime(2028, 1, 31, 0, 0, tzinfo=UTC), None),
        (datetime(2028, 2, 28, 23, 59, tzinfo=UTC), None),
        (datetime(2028, 2, 29, 0, 0, tzinfo=UTC), "expired on 2028-02-29"),
        (datetime(2029, 1, 1, tzinfo=UTC), "expired on 2028-02-29"),
    ]:
        clock.set(moment)
        answer = point.decide(world.deployer, world.model, IN_SCOPE)
        assert answer.allow is (problem is None), moment
        if problem is not None:
            assert answer.reasons == (f"licence {granted}: {problem}",)


#: Places a licence can cover, and by hand which requests each one covers: the EU covers its
#: member states and their regions, a country its regions, a region itself only.
COVERED = {
    "EU": {"FR", "DE", "DE-BY", "IT", "ES-CT"},
    "FR": {"FR"},
    "DE": {"DE", "DE-BY"},
    "DE-BY": {"DE-BY"},
    "US": {"US", "US-CA", "US-NY"},
    "US-CA": {"US-CA"},
    "GB": {"GB"},
}
PLACES = sorted({"CH", "NO", *(place for places in COVERED.values() for place in places)})


def test_a_decision_never_allows_outside_the_licences_jurisdictions() -> None:
    """For any set of licensed jurisdictions, a request is allowed exactly where one of them
    covers it, and denied everywhere else (no agreement recognises anything here)."""
    store, world = throwaway()
    registry, licensing = RegistryService(store), LicensingService(store)
    point = DecisionPoint(store, refresh_interval=3600)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scope=st.lists(st.sampled_from(sorted(COVERED)), min_size=1, max_size=3, unique=True))
    def check(scope: list[str]) -> None:
        model = registry.register_model(
            ModelRegistration.model_validate({"name": "M", "provider_id": world.provider}),
            by=world.supervisor,
        ).id
        licence(licensing, world, model=model, grant={}, jurisdictions=scope)
        for place in PLACES:
            answer = point.decide(world.deployer, model, Context(place, "finance", 10))
            assert answer.allow is any(place in COVERED[code] for code in scope), (scope, place)

    try:
        check()
    finally:
        store.close()


# --- rollouts -----------------------------------------------------------------------------


def rollout(
    store: Store, world: Parties, licence_id: str, *stages: dict[str, Any], group: str | None = None
) -> None:
    plan: dict[str, Any] = {"stages": list(stages), **({"group": group} if group else {})}
    RolloutService(store).plan(licence_id, RolloutPlanned.model_validate(plan), by=world.supervisor)


@pytest.mark.parametrize(("group", "key", "bucket"), [("gr1", "123", 73), ("groupX", "999", 25)])
def test_a_subject_is_admitted_by_its_unleash_bucket(
    store: Store,
    licensing: LicensingService,
    point: DecisionPoint,
    world: Parties,
    group: str,
    key: str,
    bucket: int,
) -> None:
    """The shared vectors every Unleash client computes: subject 123 of group gr1 is in bucket
    73, subject 999 of groupX in bucket 25. A stage admits it at its bucket's percentage, not
    one point below."""
    granted = licence(licensing, world, grant={})
    rollout(store, world, granted, {"name": "just-below", "percentage": bucket - 1}, group=group)
    below = point.decide(world.deployer, world.model, dataclasses.replace(IN_SCOPE, subject_key=key))
    assert not below.allow
    assert below.reasons == (
        f"licence {granted}: the subject is outside rollout stage just-below ({bucket - 1}% of subjects)",
    )
    rollout(store, world, granted, {"name": "at-bucket", "percentage": bucket}, group=group)
    at = point.decide(world.deployer, world.model, dataclasses.replace(IN_SCOPE, subject_key=key))
    assert at.allow and at.stage == "at-bucket"


def test_a_rollout_stage_applies_its_own_caps(
    store: Store, licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    """Subject 123 of group gr1 (bucket 73) is inside an 80% pilot; the pilot's caps on users
    and sectors, narrower than the licence's, still deny; the next stage lifts them."""
    granted = licence(licensing, world, grant={}, sectors=["finance", "health"], max_users=10_000)
    rollout(
        store,
        world,
        granted,
        {"name": "pilot", "percentage": 80, "max_users": 500, "sectors": ["finance"]},
        {"name": "general", "percentage": 100, "max_users": 10_000},
        group="gr1",
    )
    keyed = dataclasses.replace(IN_SCOPE, subject_key="123")
    assert point.decide(world.deployer, world.model, keyed).stage == "pilot"
    for context, problem in [
        (
            dataclasses.replace(IN_SCOPE, subject_key=None),
            "the licence is in rollout stage pilot: give a subject key",
        ),
        (dataclasses.replace(keyed, users=501), "501 users exceed stage pilot's 500"),
        (dataclasses.replace(keyed, sector="health"), "sector health is outside stage pilot"),
    ]:
        assert point.decide(world.deployer, world.model, context).reasons == (
            f"licence {granted}: {problem}",
        )
    RolloutService(store).promote(granted, "pilot went well", by=world.supervisor)
    wide = point.decide(world.deployer, world.model, dataclasses.replace(keyed, users=501, sector="health"))
    assert wide.allow and wide.stage == "general"


def test_the_share_admitted_at_a_stage_is_its_percentage() -> None:
    """Of 2,000 subject keys, a stage of p% admits close to p% (within five binomial standard
    deviations), always the same ones, and raising the percentage keeps every one admitted."""
    store, world = throwaway()
    licensing = LicensingService(store)
    granted = licence(licensing, world, grant={})
    point = DecisionPoint(store, refresh_interval=3600)
    keys = [f"customer-{i}" for i in range(2000)]

    def admitted(percentage: int) -> set[str]:
        rollout(store, world, granted, {"name": f"at-{percentage}", "percentage": percentage})
        return {
            k
            for k in keys
            if point.decide(world.deployer, world.model, dataclasses.replace(IN_SCOPE, subject_key=k)).allow
        }

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(low=st.integers(1, 100), high=st.integers(1, 100))
    def check(low: int, high: int) -> None:
        low, high = sorted((low, high))
        fewer, more = admitted(low), admitted(high)
        share, p = len(fewer) / len(keys), low / 100
        assert abs(share - p) <= 5 * math.sqrt(p * (1 - p) / len(keys)) + 1e-9, (low, share)
        assert fewer <= more
        assert admitted(low) == fewer

    try:
        check()
    finally:
        store.close()


# --- recognition --------------------------------------------------------------------------


def test_an_agreement_lets_a_licence_valid_elsewhere_answer(
    store: Store, licensing: LicensingService, point: DecisionPoint, world: Parties, clock: FixedClock
) -> None:
    """Britain recognises Californian licences for finance, with an extra condition: a
    Californian licence then answers in Britain for finance only, naming the agreement and the
    condition, within its own limits, and lapses with the licence or the agreement."""
    granted = licence(licensing, world, grant={}, jurisdictions=["US-CA"], max_users=1000)
    in_britain = Context("GB", "finance", 100)
    refusal = f"licence {granted}: jurisdiction GB is outside ['US-CA'], and no agreement there recognises it"
    assert point.decide(world.deployer, world.model, in_britain).reasons == (refusal,)
    terms = {
        "recognising": "GB",
        "recognised": "US-CA",
        "sectors": ["finance"],
        "extra_conditions": [
            {"id": "uk-contact", "description": "A UK point of contact", "evidence": "contact.filed"}
        ],
    }
    agreement = (
        RecognitionService(store).agree(RecognitionAgreed.model_validate(terms), by=world.supervisor).id
    )
    answer = point.decide(world.deployer, world.model, in_britain)
    assert answer.allow and answer.licence_id == granted
    assert answer.reasons == (
        f"licence {granted}, valid in US-CA, is recognised in GB under agreement {agreement}",
        "extra condition: A UK point of contact",
    )
    assert point.decide(world.deployer, world.model, Context("GB", "health", 100)).reasons == (refusal,)
    assert point.decide(world.deployer, world.model, Context("FR", "finance", 100)).reasons == (
        f"licence {granted}: jurisdiction FR is outside ['US-CA'], and no agreement there recognises it",
    )
    assert point.decide(world.deployer, world.model, Context("GB", "finance", 1001)).reasons == (
        f"licence {granted}: 1001 users exceed the licensed 1000",
    )
    clock.set(datetime(2027, 11, 2, tzinfo=UTC))  # twelve months after the grant of 2 November 2026
    assert point.decide(world.deployer, world.model, in_britain).reasons == (
        f"licence {granted}: expired on 2027-11-02",
    )
    clock.set(datetime(2027, 11, 1, tzinfo=UTC))
    assert point.decide(world.deployer, world.model, in_britain).allow
    RecognitionService(store).end(agreement, "terminated", by=world.supervisor)
    assert point.decide(world.deployer, world.model, in_britain).reasons == (refusal,)


def test_an_agreement_of_the_eu_recognises_in_every_member_state(
    store: Store, licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    """The EU recognising US licences: a US-wide licence, valid in California too, answers in
    Italy; a licence of a region the agreement does not name does not."""
    licence(licensing, world, grant={}, jurisdictions=["US"])
    RecognitionService(store).agree(
        RecognitionAgreed(recognising="EU", recognised="US-CA"), by=world.supervisor
    )
    assert point.decide(world.deployer, world.model, Context("IT", "finance", 10)).allow
    assert not point.decide(world.deployer, world.model, Context("CH", "finance", 10)).allow


# --- obligations --------------------------------------------------------------------------

PACK = """\
id: unit-pack
version: 1.0.0
title: A pack for the decision point's tests
jurisdiction: EU
effective:
  from: 2026-01-01
sources:
  law: {document: The Unit Act}
facts: [training_flop]
parameters:
  threshold: 1e25
obligations:
  notify:
    title: Notify the authority
    cite: {source: law, article: "Art. 1"}
    deadline: {within: 14}
  assess:
    title: Assess systemic risk
    cite: {source: law, article: "Art. 2"}
    deadline: {within: 30}
rules:
  - id: big-model
    title: A model trained with more than 1e25 FLOP
    subject: model
    cite: {source: law, article: "Art. 3"}
    condition: training_flop > params.threshold
    obligations: [notify, assess]
"""


def test_an_allow_lists_the_models_open_obligations(
    store: Store, licensing: LicensingService, world: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model trained with 3e25 FLOP is above the pack's 1e25: both of the rule's obligations
    are open on it and listed, in key order; one waived is no longer listed once the index is
    rebuilt (an obligation is not a licence filing: within ``refresh_interval``)."""
    clock = Monotonic(monkeypatch)
    policy = PolicyService(store)
    policy.load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}),
        by=world.supervisor,
    )
    licence(licensing, world, grant={})
    point = DecisionPoint(store, refresh_interval=1.0)
    answer = point.decide(world.deployer, world.model, IN_SCOPE)
    assert answer.allow and answer.obligations == ("unit-pack/big-model/assess", "unit-pack/big-model/notify")
    (notify,) = [o.id for o in policy.obligations(world.supervisor) if o.key.endswith("/notify")]
    policy.waive(notify, "notified by letter", by=world.supervisor)
    clock.now += 1.5
    assert point.decide(world.deployer, world.model, IN_SCOPE).obligations == ("unit-pack/big-model/assess",)


def test_a_model_below_every_threshold_has_no_obligations_listed(
    store: Store, licensing: LicensingService, point: DecisionPoint, world: Parties
) -> None:
    PolicyService(store).load(PACK, origin="unit-pack.yaml", by=world.supervisor)
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 5e24}}),
        by=world.supervisor,
    )
    licence(licensing, world, grant={})
    answer = point.decide(world.deployer, world.model, IN_SCOPE)
    assert answer.allow and answer.obligations == ()


# --- keeping the index fresh --------------------------------------------------------------


class Monotonic:
    """Stands in for the decision point's monotonic clock, so a test decides when time passes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(decision_module, "time", self)

    def monotonic(self) -> float:
        return self.now


def test_a_licence_filing_in_this_process_is_answered_at_once(
    licensing: LicensingService, store: Store, world: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even with an hour between checks and no time passing, a grant is allowed and a
    suspension denied on the very next decision."""
    Monotonic(monkeypatch)
    point = DecisionPoint(store, refresh_interval=3600)
    assert not point.decide(world.deployer, world.model, IN_SCOPE).allow
    granted = licence(licensing, world, grant={})
    assert point.decide(world.deployer, world.model, IN_SCOPE).allow
    licensing.decide(granted, Transition.SUSPEND, LicenceStep(reason="breach"), by=world.supervisor)
    assert not point.decide(world.deployer, world.model, IN_SCOPE).allow


def test_a_filing_made_elsewhere_is_answered_within_the_refresh_interval(
    store: Store,
    world: Parties,
    sqlite_settings: Settings,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process shares the database but not this process's memory. Its grant is not
    seen before ``refresh_interval`` has passed since the index was last checked, and is seen
    once it has."""
    time = Monotonic(monkeypatch)
    point = DecisionPoint(store, refresh_interval=5.0)
    assert not point.decide(world.deployer, world.model, IN_SCOPE).allow
    elsewhere = Store.open(sqlite_settings, other_process(), clock=clock)
    try:
        granted = licence(LicensingService(elsewhere), world, grant={})
    finally:
        elsewhere.close()
    time.now += 4.9
    assert not point.decide(world.deployer, world.model, IN_SCOPE).allow
    time.now += 0.2
    answer = point.decide(world.deployer, world.model, IN_SCOPE)
    assert answer.allow and answer.licence_id == granted


def other_process() -> Composition:
    """The installation's composition as another process holds it: its licence filings bump
    that process's index generation, not this one's."""
    return Composition(
        *(
            dataclasses.replace(c, hooks=()) if c.name == "licensing" else c
            for c in composition().contributions
        )
    )


# --- questions about the unknown, and decisions kept for audit -----------------------------


def test_a_question_about_an_unknown_organisation_or_model_is_refused(
    point: DecisionPoint, world: Parties
) -> None:
    point.require_known(world.deployer, world.model)
    with pytest.raises(NotFound, match="no organisation 'NOBODY' in the registry"):
        point.require_known("NOBODY", world.model)
    with pytest.raises(NotFound, match="no model 'NOTHING' in the registry"):
        point.require_known(world.deployer, "NOTHING")


def kept(store: Store) -> list[dict[str, Any]]:
    """The ``decision.logged`` filings, in log order."""
    with store.read() as conn:
        rows = conn.execute(
            select(filings.c.document).where(filings.c.kind == "decision.logged").order_by(filings.c.idx)
        ).scalars()
        return [json.loads(document) for document in rows]


def test_every_decision_is_kept_at_a_rate_of_one(
    store: Store, licensing: LicensingService, world: Parties, clock: FixedClock
) -> None:
    granted = licence(licensing, world, grant={})
    point = DecisionPoint(store, log_rate=1.0)
    allowed = point.decide(world.deployer, world.model, IN_SCOPE)
    denied = point.decide(world.rival, world.model, Context("FR"))
    assert kept(store) == []  # filed in batches, not on the decision's path
    assert point.flush() == 2 and point.flush() == 0
    first, second = kept(store)
    assert (first["organisation"], first["subject"], first["jurisdiction"], first["actor"]) == (
        world.deployer,
        world.model,
        "DE",
        "decision-point",
    )
    assert first["content"] == {
        "deployer": world.deployer,
        "model": world.model,
        "context": {
            "jurisdiction": "DE",
            "sector": "finance",
            "users": 500,
            "capability_class": "general-purpose",
        },
        "allow": True,
        "reasons": list(allowed.reasons),
        "licence_id": granted,
        "stage": None,
        "decided_at": clock.now().isoformat(),
    }
    assert second["content"]["context"] == {"jurisdiction": "FR"}  # what was not asked is not recorded
    assert (second["content"]["allow"], second["content"]["reasons"]) == (False, list(denied.reasons))
    store.verify()


def test_decisions_are_kept_at_the_given_rate(store: Store, world: Parties) -> None:
    """At 0 nothing is kept; at 0.5, about half of 400 (six standard deviations either way)."""
    silent = DecisionPoint(store, log_rate=0.0)
    for _ in range(50):
        silent.decide(world.deployer, world.model, IN_SCOPE)
    assert silent.flush() == 0
    half = DecisionPoint(store, log_rate=0.5)
    for _ in range(400):
        half.decide(world.deployer, world.model, IN_SCOPE)
    filed = half.flush()
    assert 140 <= filed <= 260 and len(kept(store)) == filed


def test_a_full_batch_is_filed_without_waiting_for_a_flush(
    store: Store, world: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decision_module, "LOG_BATCH", 5)
    point = DecisionPoint(store, log_rate=1.0)
    for _ in range(12):
        point.decide(world.deployer, world.model, IN_SCOPE)
    assert len(kept(store)) == 10
    assert point.flush() == 2 and len(kept(store)) == 12


@pytest.mark.parametrize("rate", [-0.1, 1.01, 2.0])
def test_a_log_rate_is_a_share(store: Store, rate: float) -> None:
    with pytest.raises(ValueError, match="log_rate is a share, from 0 to 1"):
        DecisionPoint(store, log_rate=rate)
