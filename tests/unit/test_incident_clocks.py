"""The clocks an incident report starts, on every model and deployment it names, under each
pack's defined terms, and the view that lists them.

Worked by hand:
- EU AI Act Art. 73 (Regulation 1182/71 Art. 3): aware on Wednesday 5 January 2028. 15 days
  (73(2)): Thursday 20 January, ending at 24:00 in Brussels, 23:00 UTC. 10 days for a death
  (73(4)): Saturday 15 January, moved to Monday 17 January (Art. 3(4)). 2 days (73(3)): Friday 7
  January.
- California, Bus. & Prof. Code § 22757.13(c): discovered Saturday 31 October 2026, 16:00 UTC.
  15 days (Code Civ. Proc. §§ 12, 12a): Monday 16 November, ending 24:00 in Los Angeles,
  2026-11-17 08:00 UTC; 24 hours when the risk is imminent: 2026-11-01 16:00 UTC.
- New York, Gen. Bus. Law § 1422(3)(a): 72 elapsed hours from the determination.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest

from custos.core.clock import FixedClock
from custos.oversight.definitions import point_met
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentDisclosed, IncidentFact, IncidentReported, IncidentUpdated
from custos.oversight.views import IncidentClock
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN, builtin_packs
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.policy.test_high_risk_incidents import scoring
from tests.unit.registry import world as parties
from tests.unit.registry.world import Parties

# The parties' installation (a provider with a model, a deployer, a rival, the supervisor).
installed, store, world = parties.installed, parties.store, parties.world

EU_AWARE = datetime(2028, 1, 5, 10, 0, tzinfo=UTC)
EU_15_DAYS = datetime(2028, 1, 20, 23, 0, tzinfo=UTC)
EU_10_DAYS = datetime(2028, 1, 17, 23, 0, tzinfo=UTC)
EU_2_DAYS = datetime(2028, 1, 7, 23, 0, tzinfo=UTC)
CA_DISCOVERED = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
CA_15_DAYS = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
#: Bus. & Prof. Code § 22757.11(d)(1): weights exfiltrated, with a bodily injury.
CRITICAL = (IncidentFact.WEIGHTS_COMPROMISED, IncidentFact.BODILY_INJURY)


def load(store: Store, world: Parties, name: str) -> None:
    text = (BUILTIN / name).read_text(encoding="utf-8")
    PolicyService(store).load(text, origin=name, by=world.supervisor)


def frontier(store: Store, world: Parties, model: str, flop: float = 2e26) -> None:
    RegistryService(store).file_passport(
        model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": flop}}),
        by=world.supervisor,
    )


def second_model(store: Store, world: Parties) -> str:
    registration = ModelRegistration.model_validate({"name": "Second model", "provider_id": world.provider})
    return RegistryService(store).register_model(registration, by=world.supervisor).id


def report(
    store: Store,
    world: Parties,
    aware: datetime,
    facts: tuple[IncidentFact, ...],
    *,
    models: tuple[str, ...] | None = None,
    deployments: tuple[str, ...] = (),
    imminent: bool = False,
) -> str:
    incident = IncidentReported.model_validate(
        {
            "model_ids": models or (world.model,),
            "deployment_ids": deployments,
            "severity": "serious",
            "occurred_at": aware - timedelta(hours=2),
            "discovered_at": aware,
            "facts": facts,
            "imminent_risk": imminent,
            "summary": "what happened",
        }
    )
    return IncidentService(store).report(incident, by=world.supervisor).id


def clocks(store: Store, world: Parties, incident: str) -> dict[str, IncidentClock]:
    """The incident's clocks by obligation and subject, as its view lists them."""
    view = IncidentService(store).get(incident, by=world.supervisor)
    assert view.clocks is not None
    return {f"{c.title[:30]}|{c.subject_id}": c for c in view.clocks}


def only(found: dict[str, IncidentClock], title: str) -> IncidentClock:
    (clock,) = [c for key, c in found.items() if key.startswith(title)]
    return clock


# --- EU AI Act, Art. 73 for a high-risk deployment -----------------------------------------------


@pytest.mark.parametrize(
    ("filed", "status"), [(EU_15_DAYS, "discharged_on_time"), (EU_15_DAYS + SECOND, "discharged_late")]
)
def test_eu_15_days_end_at_midnight_in_brussels(
    store: Store, world: Parties, clock: FixedClock, filed: datetime, status: str
) -> None:
    clock.set(datetime(2028, 1, 4, 9, 0, tzinfo=UTC))
    deployment = scoring(store, world)
    clock.set(filed)
    incident = report(
        store, world, EU_AWARE, (IncidentFact.SERIOUS_HARM_TO_HEALTH,), deployments=(deployment,)
    )
    found = clocks(store, world, incident)
    serious = only(found, "Report a serious incident to t")
    assert (serious.due_at, serious.status, serious.subject_id) == (EU_15_DAYS, status, deployment)
    assert (serious.pack, serious.jurisdiction, serious.article) == (
        "eu-ai-act",
        "EU",
        "Art. 73(1)-(2), with Art. 26(5) for deployers",
    )
    assert not any(key.startswith("Report a serious incident that") for key in found)  # no death


def test_eu_a_death_gives_10_days_and_a_disruption_2(store: Store, world: Parties, clock: FixedClock) -> None:
    clock.set(datetime(2028, 1, 4, 9, 0, tzinfo=UTC))
    deployment = scoring(store, world)
    clock.set(EU_10_DAYS + SECOND)
    facts = (IncidentFact.DEATH, IncidentFact.CRITICAL_INFRASTRUCTURE_DISRUPTION)
    found = clocks(store, world, report(store, world, EU_AWARE, facts, deployments=(deployment,)))
    death = only(found, "Report a serious incident that")
    assert (death.due_at, death.status) == (EU_10_DAYS, "discharged_late")
    widespread = only(found, "Report a widespread infringeme")
    assert (widespread.due_at, widespread.status) == (EU_2_DAYS, "discharged_late")
    assert only(found, "Report a serious incident to t").status == "discharged_on_time"


def test_eu_an_incident_that_is_not_a_serious_incident_starts_no_clock(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    clock.set(datetime(2028, 1, 10, 9, 0, tzinfo=UTC))
    deployment = scoring(store, world)
    incident = report(store, world, EU_AWARE, (IncidentFact.LOSS_OF_CONTROL,), deployments=(deployment,))
    assert clocks(store, world, incident) == {}


def test_eu_an_incident_before_2_december_2027_starts_no_clock(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    clock.set(datetime(2028, 1, 10, 9, 0, tzinfo=UTC))
    deployment = scoring(store, world)
    before = datetime(2027, 12, 1, 10, 0, tzinfo=UTC)
    incident = report(store, world, before, (IncidentFact.DEATH,), deployments=(deployment,))
    assert clocks(store, world, incident) == {}
    after = report(
        store,
        world,
        datetime(2027, 12, 2, 10, 0, tzinfo=UTC),
        (IncidentFact.DEATH,),
        deployments=(deployment,),
    )
    assert len(clocks(store, world, after)) == 2  # 15 days and 10 days


# --- California SB 53 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "status"), [(CA_15_DAYS, "discharged_on_time"), (CA_15_DAYS + SECOND, "discharged_late")]
)
def test_california_15_days_end_at_midnight_in_los_angeles(
    store: Store, world: Parties, clock: FixedClock, filed: datetime, status: str
) -> None:
    frontier(store, world, world.model)
    load(store, world, "california-sb53.yaml")
    clock.set(filed)
    found = clocks(store, world, report(store, world, CA_DISCOVERED, CRITICAL))
    fifteen = only(found, "Report a critical safety incid")
    assert (fifteen.due_at, fifteen.status, fifteen.article) == (
        CA_15_DAYS,
        status,
        "Bus. & Prof. Code § 22757.13(c)(1)",
    )


@pytest.mark.parametrize(
    ("late", "status"), [(timedelta(0), "discharged_on_time"), (SECOND, "discharged_late")]
)
def test_california_24_hours_when_imminent_answered_by_the_disclosure(
    store: Store, world: Parties, clock: FixedClock, late: timedelta, status: str
) -> None:
    frontier(store, world, world.model)
    load(store, world, "california-sb53.yaml")
    clock.set(CA_DISCOVERED + timedelta(hours=1))
    incident = report(store, world, CA_DISCOVERED, CRITICAL, imminent=True)
    assert only(clocks(store, world, incident), "Disclose within 24 hours").status == "open"
    due = CA_DISCOVERED + timedelta(hours=24)
    clock.set(due + late)
    disclosure = IncidentDisclosed(incident_id=incident, authority="Sheriff", disclosed_at=due + late)
    IncidentService(store).disclose(disclosure, by=world.supervisor)
    disclosed = only(clocks(store, world, incident), "Disclose within 24 hours")
    assert (disclosed.due_at, disclosed.status) == (due, status)


def test_california_an_incident_that_is_not_critical_starts_no_clock(store: Store, world: Parties) -> None:
    """Weights exfiltrated without death or bodily injury is not point (d)(1)."""
    frontier(store, world, world.model)
    load(store, world, "california-sb53.yaml")
    incident = report(store, world, CA_DISCOVERED, (IncidentFact.WEIGHTS_COMPROMISED,))
    assert clocks(store, world, incident) == {}


def test_an_incident_about_two_models_starts_the_clocks_of_both(store: Store, world: Parties) -> None:
    other = second_model(store, world)
    for model in (world.model, other):
        frontier(store, world, model)
    load(store, world, "california-sb53.yaml")
    incident = report(store, world, CA_DISCOVERED, CRITICAL, models=(world.model, other))
    found = [c for c in clocks(store, world, incident).values() if c.title.startswith("Report a critical")]
    assert sorted(c.subject_id for c in found) == sorted([world.model, other])
    assert {c.due_at for c in found} == {CA_15_DAYS}


# --- New York RAISE Act ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "status"), [(timedelta(0), "discharged_on_time"), (SECOND, "discharged_late")]
)
def test_new_york_72_hours_are_elapsed_hours(
    store: Store, world: Parties, clock: FixedClock, late: timedelta, status: str
) -> None:
    clock.set(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    frontier(store, world, world.model)
    load(store, world, "new-york-raise.yaml")
    determined = datetime(2027, 3, 5, 18, 0, tzinfo=UTC)  # a Friday: hours run through the weekend
    clock.set(determined + timedelta(hours=72) + late)
    seventy_two = only(
        clocks(store, world, report(store, world, determined, CRITICAL)), "Report a critical safety incid"
    )
    assert (seventy_two.due_at, seventy_two.status) == (datetime(2027, 3, 8, 18, 0, tzinfo=UTC), status)
    assert seventy_two.article == "Gen. Bus. Law § 1422(3)(a)"


# --- Classifications and the rule they share with event_is ---------------------------------------


def test_the_view_names_each_jurisdictions_term_and_point(store: Store, world: Parties) -> None:
    load(store, world, "california-sb53.yaml")
    load(store, world, "eu-ai-act.yaml")
    incident = report(store, world, CA_DISCOVERED, (*CRITICAL, IncidentFact.PROPERTY_OR_ENVIRONMENT_HARM))
    view = IncidentService(store).get(incident, by=world.supervisor)
    found = {(c.jurisdiction, c.term, c.article, c.points) for c in view.classifications or ()}
    assert found == {
        ("US-CA", "critical safety incident", "Bus. & Prof. Code § 22757.11(d)", ("(d)(1)",)),
        ("EU", "serious incident", "Art. 3(49)", ("(d)",)),
    }


def test_the_views_reading_of_a_definition_is_the_engines() -> None:
    """oversight reads the packs' definitions from their text; the policy engine from the model.
    For every point and every one or two facts, both say the same."""
    named = [fact.value for fact in IncidentFact]
    for pack in builtin_packs():
        for term in pack.document.incidents.values():
            for point in term.points:
                assert set(point.all_of) | set(point.any_of) <= set(named)  # facts a report can state
                for size in (1, 2):
                    for facts in combinations(named, size):
                        assert point.met_by(facts) is point_met(point.model_dump(), facts)


# --- Follow-up and final reports ------------------------------------------------------------------

FINAL_REPORT_PACK = """
id: final-reports
version: 1.0.0
title: A final report on each incident
jurisdiction: EU
effective: {from: 2026-01-01}
sources:
  test: {document: A test instrument}
facts: [training_flop]
obligations:
  final-report:
    title: File a final report on the incident within 60 days
    cite: {source: test, article: "Art. 1"}
    discharged_by: [incident.updated]
    evidence_when: {stage: [final]}
    deadline: {on_event: incident.reported, event_from: [discovered_at], within: 60, unit: calendar_days}
rules:
  - id: any-model
    title: Any model with known compute
    subject: model
    cite: {source: test, article: "Art. 1"}
    condition: training_flop > 0.0
    obligations: [final-report]
"""


def test_a_follow_up_does_not_discharge_the_final_report_duty_and_a_final_report_does_on_each_model(
    store: Store, world: Parties
) -> None:
    other = second_model(store, world)
    for model in (world.model, other):
        frontier(store, world, model)
    PolicyService(store).load(FINAL_REPORT_PACK, origin="final-reports.yaml", by=world.supervisor)
    incident = report(store, world, CA_DISCOVERED, (), models=(world.model, other))
    service = IncidentService(store)

    def statuses() -> list[str]:
        return sorted(c.status for c in clocks(store, world, incident).values())

    assert statuses() == ["open", "open"]  # the initial report is not the final one
    service.update(
        IncidentUpdated(incident_id=incident, stage="follow_up", learned="more"), by=world.supervisor
    )
    assert statuses() == ["open", "open"]
    service.update(IncidentUpdated(incident_id=incident, stage="final", learned="all"), by=world.supervisor)
    assert statuses() == ["discharged_on_time", "discharged_on_time"]


def test_eu_a_systemic_risk_report_is_owed_without_undue_delay_and_never_late_by_the_calendar(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    """AI Act Art. 55(1)(c) gives no period: a report filed days after its discovery has a clock
    with no due time, discharged by the report, not late."""
    load(store, world, "eu-ai-act.yaml")
    language = ModelRegistration.model_validate(
        {"name": "LM", "provider_id": world.provider, "domain": "Language"}
    )
    model = RegistryService(store).register_model(language, by=world.supervisor).id
    frontier(store, world, model)  # 2 x 10^26 FLOP: presumed of systemic risk, Art. 51(2)
    clock.set(EU_AWARE + timedelta(days=20))
    facts = (IncidentFact.CRITICAL_INFRASTRUCTURE_DISRUPTION,)
    incident = report(store, world, EU_AWARE, facts, models=(model,))
    owed = only(clocks(store, world, incident), "Report serious incidents and p")
    assert (owed.article, owed.due_at, owed.status) == ("Art. 55(1)(c)", None, "discharged_on_time")
    assert owed.subject_name == "LM"  # the model named, for a supervisor
