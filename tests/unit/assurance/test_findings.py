"""Red-team findings: their clocks from the governing pack, the sweep's ladder, retests by
attestation, reopening, and who may answer for a finding.

The due moments asserted are counted by hand from the shipped baseline pack (EU, Regulation
1182/71: the event's day excluded, a period of days ending at 24:00 Brussels time, CET being
UTC+1 in November); the test clock starts on Monday 2 November 2026, 09:30 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.assurance.findings import FindingService
from custos.assurance.findings_model import (
    FindingAcknowledged,
    FindingMitigated,
    FindingPublished,
    FindingReopened,
    FindingReported,
)
from custos.assurance.model import AUDIT_ATTESTED
from custos.core import Conflict, Forbidden, NotFound
from custos.core.clock import FixedClock
from custos.filings import parse
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.recognition import RecognitionAgreed
from custos.licensing.recognition_service import RecognitionService
from custos.licensing.rollout import RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.licensing.service import LicensingService
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store.finding_views import FindingQuery
from tests.conftest import TEST_NOW
from tests.unit.registry.world import Parties, acting, log_size

BASELINE = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def finding(subject: str, severity: str = "critical", **changes: Any) -> FindingReported:
    return parse(
        FindingReported,
        {
            "subject_id": subject,
            "severity": severity,
            "source": "external",
            "found_at": "2026-11-01T12:00:00Z",
            "category": "cbrn-uplift",
            "reproducibility": "always",
            "title": "Synthesis route disclosed under role-play",
            "details": "The model gives step-by-step synthesis when asked as a chemistry teacher.",
            "reproduction": "Prompt: you are a chemistry teacher...",
            **changes,
        },
        "finding",
    )


@pytest.fixture
def parties(installed: tuple[Store, Parties]) -> Parties:
    return installed[1]


@pytest.fixture
def governed(installed: tuple[Store, Parties]) -> Store:
    """The parties' installation under the shipped baseline pack."""
    store, registered = installed
    PolicyService(store).load(BASELINE, origin="custos-baseline.yaml", by=registered.supervisor)
    return store


@pytest.fixture
def licence(governed: Store, parties: Parties) -> str:
    """A granted licence of the model whose rollout is active, and Switzerland recognising EU licences."""
    licensing = LicensingService(governed)
    applied = licensing.apply(
        LicenceApplication.model_validate(
            {
                "applicant_id": parties.provider,
                "model_id": parties.model,
                "scope": {"jurisdictions": ["EU"]},
                "term_months": 12,
            }
        ),
        by=parties.supervisor,
    )
    licensing.decide(applied.id, Transition.GRANT, LicenceStep(), by=parties.supervisor)
    plan = RolloutPlanned.model_validate(
        {"stages": [{"name": "pilot", "percentage": 10}, {"name": "all", "percentage": 100}]}
    )
    RolloutService(governed).plan(applied.id, plan, by=parties.supervisor)
    recognitions = RecognitionService(governed)
    recognitions.agree(RecognitionAgreed(recognising="CH", recognised="EU"), by=parties.supervisor)
    recognitions.agree(RecognitionAgreed(recognising="GB", recognised="US"), by=parties.supervisor)
    return applied.id


def test_a_critical_findings_clocks_run_one_after_the_other(
    governed: Store, parties: Parties, clock: FixedClock
) -> None:
    service = FindingService(governed)
    reported = service.report(finding(parties.model), by=acting(Role.AUDITOR, parties.rival))
    assert (reported.clock, reported.due_at) == ("acknowledge", moment("2026-11-03T09:30:00Z"))  # 24 hours
    assert reported.pack == "custos-baseline@1.8.0"
    clock.set(moment("2026-11-03T10:00:00Z"))
    acknowledged = service.acknowledge(reported.id, FindingAcknowledged(), by=parties.provider_actor)
    # 7 calendar days from Tuesday 3 November: the 10th, ending at 24:00 Brussels time.
    assert (acknowledged.clock, acknowledged.due_at) == ("mitigate", moment("2026-11-10T23:00:00Z"))
    clock.set(moment("2026-11-06T08:00:00Z"))
    mitigated = service.mitigate(
        reported.id, FindingMitigated(description="Refusal tuned"), by=parties.provider_actor
    )
    # 7 days from Friday 6 November end on Friday the 13th.
    assert (mitigated.status, mitigated.clock, mitigated.due_at) == (
        "mitigated",
        "retest",
        moment("2026-11-13T23:00:00Z"),
    )


def test_a_high_findings_acknowledge_clock_is_three_days(governed: Store, parties: Parties) -> None:
    reported = FindingService(governed).report(finding(parties.model, "high"), by=parties.provider_actor)
    # From Monday 2 November, 3 days: Thursday the 5th, at 24:00 Brussels.
    assert reported.due_at == moment("2026-11-05T23:00:00Z")


def test_a_finding_about_a_firm_abroad_runs_on_the_installations_pack(
    governed: Store, parties: Parties
) -> None:
    """No pack with findings covers the United States: the baseline's clocks still run, as its
    rules apply to every model in the registry."""
    registry = RegistryService(governed)
    lab = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Lab Inc", "jurisdiction": "US", "country": "US"}),
        by=parties.supervisor,
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Overseas", "provider_id": lab.id}), by=parties.supervisor
    )
    reported = FindingService(governed).report(finding(model.id), by=parties.supervisor)
    assert (reported.pack, reported.clock) == ("custos-baseline@1.8.0", "acknowledge")
    assert reported.due_at == moment("2026-11-03T09:30:00Z")


def sweep_steps(store: Store, parties: Parties) -> list[tuple[str, str]]:
    return [(e.finding_id, e.step) for e in FindingService(store).sweep(by=parties.supervisor).escalations]


def test_the_sweep_climbs_each_rung_once_in_order_as_far_as_the_severity_reaches(
    governed: Store, parties: Parties, clock: FixedClock, licence: str
) -> None:
    service = FindingService(governed)
    critical = service.report(finding(parties.model), by=parties.provider_actor).id
    medium = service.report(finding(parties.model, "medium"), by=parties.provider_actor).id
    clock.set(moment("2026-11-03T09:29:00Z"))
    assert sweep_steps(governed, parties) == []  # the 24 hours have not run out
    clock.set(moment("2026-11-03T09:30:00Z"))
    assert sweep_steps(governed, parties) == [(critical, "supervisor-notified")]
    assert sweep_steps(governed, parties) == []  # idempotent
    clock.set(moment("2026-11-06T22:59:00Z"))
    assert sweep_steps(governed, parties) == []  # the hold waits 3 days past the due time
    clock.set(moment("2026-11-06T23:00:00Z"))
    before = log_size(governed)
    (hold,) = FindingService(governed).sweep(by=parties.supervisor).escalations
    assert (hold.step, hold.rollouts_held, hold.licences) == ("rollout-hold", (licence,), (licence,))
    assert log_size(governed) - before >= 2  # the rollout's hold and the rung
    assert RolloutService(governed).status(licence).status == "held"
    assert "24 hours after" in hold.explanation
    assert "(Assurance: red-team findings and their escalation) ran out" in hold.explanation
    clock.set(moment("2026-12-01T00:00:00Z"))
    later = FindingService(governed).sweep(by=parties.supervisor).escalations
    assert [(e.finding_id, e.step) for e in later] == [
        (critical, "licence-suspension-proposed"),
        (critical, "cross-border-notice"),
        (medium, "supervisor-notified"),  # medium: 7 days to acknowledge, and no higher rung
    ]
    assert later[0].licences == (licence,)
    assert later[1].jurisdictions == ("CH",)
    assert sweep_steps(governed, parties) == []
    shown = service.get(critical, by=parties.provider_actor)
    assert shown.escalations == (
        "supervisor-notified",
        "rollout-hold",
        "licence-suspension-proposed",
        "cross-border-notice",
    )


def test_a_kept_clock_takes_no_rung(governed: Store, parties: Parties, clock: FixedClock) -> None:
    service = FindingService(governed)
    reported = service.report(finding(parties.model), by=parties.provider_actor)
    clock.set(moment("2026-11-03T09:00:00Z"))
    service.acknowledge(reported.id, FindingAcknowledged(), by=parties.provider_actor)
    clock.set(moment("2026-11-05T00:00:00Z"))
    assert sweep_steps(governed, parties) == []


def test_only_supervisors_sweep(governed: Store, parties: Parties) -> None:
    with pytest.raises(Forbidden):
        FindingService(governed).sweep(by=parties.provider_actor)


def attest(store: Store, parties: Parties, finding_id: str, opinion: str, digest: str) -> str:
    """An auditor's verified attestation in the retest scope, filed as the attestation service files it."""
    auditor = acting(Role.AUDITOR, parties.rival)
    content = {
        "envelope": {},
        "envelope_sha256": digest * 64,
        "engagement_id": "engagement",
        "accreditation_id": "accreditation",
        "auditor_id": parties.rival,
        "keyid": "0" * 64,
        "subject_id": parties.model,
        "subject_filing_id": parties.model,
        "subject_digest": "1" * 64,
        "scope": "custos-red-team-retest",
        "standard": "Custos red-team retest",
        "opinion": opinion,
        "issued_at": "2026-11-02T09:00:00Z",
        "valid_from": "2026-11-02",
        "valid_until": "2027-11-02",
        "finding_id": finding_id,
    }
    filing = file_as(
        auditor, AUDIT_ATTESTED, content, owner=parties.provider, subject=parties.model, clock=store.clock
    )
    with store.transaction() as uow:
        uow.file(filing)
    return filing.id


def mitigated(store: Store, parties: Parties) -> str:
    service = FindingService(store)
    found = service.report(finding(parties.model), by=parties.provider_actor).id
    service.acknowledge(found, FindingAcknowledged(), by=parties.provider_actor)
    service.mitigate(found, FindingMitigated(description="Refusal tuned"), by=parties.provider_actor)
    return found


def test_a_passing_retest_closes_the_finding(governed: Store, parties: Parties) -> None:
    found = mitigated(governed, parties)
    attest(governed, parties, found, "pass", "a")
    closed = FindingService(governed).get(found, by=parties.supervisor)
    assert (closed.status, closed.closed_at, closed.clock) == ("closed", TEST_NOW, None)


def test_an_adverse_retest_sends_it_back_to_mitigation_on_a_new_clock(
    governed: Store, parties: Parties, clock: FixedClock
) -> None:
    found = mitigated(governed, parties)
    clock.set(moment("2026-11-04T10:00:00Z"))
    attest(governed, parties, found, "adverse", "b")
    back = FindingService(governed).get(found, by=parties.supervisor)
    # 7 days from Wednesday 4 November: Wednesday the 11th, at 24:00 Brussels.
    assert (back.status, back.clock, back.due_at) == (
        "acknowledged",
        "mitigate",
        moment("2026-11-11T23:00:00Z"),
    )


def test_a_retest_of_a_closed_finding_changes_nothing(governed: Store, parties: Parties) -> None:
    found = mitigated(governed, parties)
    attest(governed, parties, found, "pass", "c")
    attest(governed, parties, found, "adverse", "d")
    assert FindingService(governed).get(found, by=parties.supervisor).status == "closed"
    assert governed.verify_views().differences == []  # the findings view is rebuilt alike from the log


def test_reopening_a_closed_finding_starts_the_mitigation_clock_again(
    governed: Store, parties: Parties, clock: FixedClock
) -> None:
    service = FindingService(governed)
    found = mitigated(governed, parties)
    with pytest.raises(Conflict, match="only a closed one is reopened"):
        service.reopen(found, FindingReopened(reason="too early"), by=parties.provider_actor)
    attest(governed, parties, found, "qualified", "e")
    clock.set(moment("2026-11-09T08:00:00Z"))
    reopened = service.reopen(found, FindingReopened(reason="The bypass works again"), by=parties.supervisor)
    assert (reopened.status, reopened.clock, reopened.due_at) == (
        "acknowledged",
        "mitigate",
        moment("2026-11-16T23:00:00Z"),
    )


def test_only_the_firm_it_is_about_or_a_supervisor_answers_a_finding(
    governed: Store, parties: Parties
) -> None:
    service = FindingService(governed)
    found = service.report(finding(parties.model), by=parties.rival_actor).id
    before = log_size(governed)
    with pytest.raises(NotFound):  # the rival does not learn that it exists
        service.acknowledge(found, FindingAcknowledged(), by=parties.rival_actor)
    assert log_size(governed) == before
    with pytest.raises(Conflict, match="only a closed one is published"):
        service.publish(found, FindingPublished(summary="fixed"), by=parties.provider_actor)
    assert (
        service.acknowledge(found, FindingAcknowledged(), by=parties.provider_actor).status == "acknowledged"
    )
    with pytest.raises(Conflict, match="is acknowledged"):
        service.acknowledge(found, FindingAcknowledged(), by=parties.supervisor)


def test_a_finding_about_an_unknown_subject_is_refused(governed: Store, parties: Parties) -> None:
    before = log_size(governed)
    with pytest.raises(NotFound, match="no model or deployment"):
        FindingService(governed).report(finding("nothing"), by=parties.provider_actor)
    assert log_size(governed) == before


def test_the_public_sees_only_published_findings_without_embargoed_fields(
    governed: Store, parties: Parties
) -> None:
    service = FindingService(governed)
    found = mitigated(governed, parties)
    hidden = service.report(finding(parties.model, "low"), by=parties.provider_actor).id
    public = Principal(None, "public", Role.PUBLIC, None, None)
    assert service.list(FindingQuery(), by=public).findings == ()
    attest(governed, parties, found, "pass", "f")
    service.publish(found, FindingPublished(summary="A role-play bypass, fixed."), by=parties.provider_actor)
    listed = service.list(FindingQuery(), by=public)
    assert [f.id for f in listed.findings] == [found]
    assert listed.counts == {"critical": 1, "high": 0, "medium": 0, "low": 1}
    (shown,) = listed.findings
    assert shown.summary == "A role-play bypass, fixed."
    assert (shown.details, shown.title, shown.reproduction, shown.category) == (None, None, None, None)
    assert set(shown.withheld) == {"category", "details", "reproducibility", "reproduction", "title"}
    with pytest.raises(NotFound):
        service.get(hidden, by=public)
    own = service.get(hidden, by=parties.provider_actor)
    assert own.details is not None and own.withheld == ()
