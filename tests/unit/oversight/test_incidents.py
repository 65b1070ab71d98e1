"""Incidents about models: who reports them, who confirms and closes them (supervisors, with a
reason, once), and which open serious incidents hold a rollout back, and for whom.

The rules pinned are those of ``custos.oversight.incidents``' docstring and docs/licensing.md:
providers, deployers and supervisors report about any registered model; the summary is
confidential to the reporting organisation and supervisors, the model, severity and dates are
public; an open serious incident holds a rollout back only when the licence holder or the
model's provider reported it, a supervisor did, or a supervisor confirmed a third party's report,
so that a competitor's word alone freezes nobody's rollout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custos.access.model import PUBLIC, Principal, Role
from custos.access.service import AccessService
from custos.core import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Visibility, parse
from custos.oversight.incidents import IncidentService, open_serious_incidents
from custos.oversight.model import IncidentReported, Severity
from custos.oversight.views import IncidentView
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.registry.world import Parties, acting, log_size, throwaway


def draft(model: str, severity: str = "serious", **changes: Any) -> dict[str, Any]:
    """A report as a file or a command line gives it, before it is checked."""
    return {
        "model_id": model,
        "severity": severity,
        "occurred_at": "2026-10-30T14:00:00+01:00",
        "summary": "Credit decisions reversed for 4,000 customers",
        **changes,
    }


def incident(model: str, severity: str = "serious", **changes: Any) -> IncidentReported:
    """A report as the service receives it: checked at the edge, as the command line does."""
    return parse(IncidentReported, draft(model, severity, **changes), "incident")


@pytest.fixture
def incidents(store: Store) -> IncidentService:
    return IncidentService(store)


def holding_back(store: Store, model: str, answerable: set[str]) -> list[str]:
    with store.read() as conn:
        return open_serious_incidents(conn, model, answerable)


# --- reporting ----------------------------------------------------------------------------


def test_providers_deployers_and_supervisors_report_about_any_model(
    incidents: IncidentService, world: Parties
) -> None:
    """A firm that uses no licence for the model (the rival) may still report about it."""
    for who in (world.provider_actor, world.deployer_actor, world.rival_actor, world.supervisor):
        reported = incidents.report(incident(world.model, "minor"), by=who)
        assert reported.status == "open" and reported.model_ids == (world.model,)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.CUSTODIAN])
def test_auditors_custodians_and_the_public_do_not_report(
    store: Store, incidents: IncidentService, world: Parties, role: Role
) -> None:
    before = log_size(store)
    for who in (acting(role, world.deployer, "DE"), PUBLIC):
        with pytest.raises(Forbidden, match="reported by providers, deployers and supervisors"):
            incidents.report(incident(world.model), by=who)
    assert log_size(store) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"severity": "catastrophic"}, "severity"),
        ({"occurred_at": "2026-10-30T14:00:00"}, "occurred_at"),  # no time zone: ambiguous
        ({"summary": "   "}, "summary"),
        ({"model_id": ""}, "model_ids"),  # a report in the earlier shape is read in the current one
        ({"casualties": 3}, "casualties"),
    ],
)
def test_an_invalid_report_is_refused_at_the_edge_with_the_field(
    world: Parties, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"invalid incident: {field}: "):
        incident(world.model, **changes)


def test_a_report_answers_with_what_was_filed(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    """The answer is the filing's content (trimmed as filed), with the incident's id and status."""
    reported = incidents.report(incident(world.model, summary="  Outage  "), by=world.deployer_actor)
    assert isinstance(reported, IncidentView)
    with store.read() as conn:
        found = store.filing(conn, reported.id)
    assert found is not None
    assert reported.model_dump(mode="json", exclude_unset=True) == {
        "id": found[0].id,
        "status": "open",
        "reported_at": found[0].filed_at.isoformat().replace("+00:00", "Z"),
        **found[0].content,
    }
    assert reported.summary == "Outage" and reported.severity == Severity.SERIOUS
    assert found[0].content["reporter_role"] == "deployer"  # the role it acts in, when it names none


def test_a_report_about_an_unregistered_model_is_refused(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    before = log_size(store)
    with pytest.raises(NotFound, match="no model 'GHOST' in the registry"):
        incidents.report(incident("GHOST"), by=world.deployer_actor)
    assert log_size(store) == before


def test_the_summary_is_the_reporters_and_the_supervisors(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    """The report is filed for the reporter's organisation, about the model; its summary is
    the reporter's (owner), the rest public. So the deployer that reported and supervisors read
    the summary; the model's provider, a rival and the public do not."""
    reported = incidents.report(incident(world.model), by=world.deployer_actor)
    with store.read() as conn:
        found = store.filing(conn, reported.id)
    assert found is not None
    filing = found[0]
    assert (filing.kind, filing.subject, filing.organisation) == (
        "incident.reported",
        world.model,
        world.deployer,
    )
    assert filing.visibility == {
        "model_ids": Visibility.PUBLIC,
        "deployment_ids": Visibility.PUBLIC,
        "severity": Visibility.PUBLIC,
        "occurred_at": Visibility.PUBLIC,
        "discovered_at": Visibility.PUBLIC,
        "harm_types": Visibility.PUBLIC,
        "facts": Visibility.PUBLIC,
        "imminent_risk": Visibility.PUBLIC,
        "affected_people": Visibility.PUBLIC,
        "affected_jurisdictions": Visibility.PUBLIC,
        "reporter_role": Visibility.PUBLIC,
        "incomplete": Visibility.PUBLIC,
        "summary": Visibility.OWNER,
    }
    for who, reads in [
        (world.deployer_actor, True),
        (world.supervisor, True),
        (world.provider_actor, False),
        (world.rival_actor, False),
        (PUBLIC, False),
    ]:
        view = filing.view(partial(who.can_see, owner_organisation=filing.organisation))
        assert ("summary" in view.disclosed) is reads
        assert {"model_ids", "severity", "occurred_at"} <= set(view.disclosed)


# --- confirming and closing ---------------------------------------------------------------


def test_only_supervisors_confirm_or_close(store: Store, incidents: IncidentService, world: Parties) -> None:
    reported = incidents.report(incident(world.model), by=world.rival_actor).id
    before = log_size(store)
    for who in (world.rival_actor, world.provider_actor, acting(Role.AUDITOR, world.deployer), PUBLIC):
        with pytest.raises(Forbidden, match="only supervisors confirm or close incidents"):
            incidents.confirm(reported, "looked at it", by=who)
        with pytest.raises(Forbidden, match="only supervisors confirm or close incidents"):
            incidents.close(reported, "fixed", by=who)
    assert log_size(store) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_step_needs_a_reason(store: Store, incidents: IncidentService, world: Parties, reason: str) -> None:
    reported = incidents.report(incident(world.model), by=world.provider_actor).id
    before = log_size(store)
    for step in (incidents.confirm, incidents.close):
        with pytest.raises(InvalidInput, match="reason"):
            step(reported, reason, by=world.supervisor)
    assert log_size(store) == before
    assert holding_back(store, world.model, {world.provider}) == [reported]


def test_steps_on_something_that_is_not_an_incident_are_not_found(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    """Neither an unknown id nor the id of another kind of filing (here, the model's own
    registration) is an incident."""
    registration = RegistryService(store).model(world.supervisor, world.model).filing_id
    for unknown in ("NO-SUCH-INCIDENT", registration):
        with pytest.raises(NotFound, match=f"no incident '{unknown}'"):
            incidents.close(unknown, "fixed", by=world.supervisor)
        with pytest.raises(NotFound):
            incidents.confirm(unknown, "triaged", by=world.supervisor)


def test_an_incident_is_confirmed_once_and_closed_once(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    reported = incidents.report(incident(world.model), by=world.rival_actor).id
    confirmed = incidents.confirm(reported, " triaged: real ", by=world.supervisor)
    # A step carries its reason as filed, and none of the report's fields: they stay unset.
    assert confirmed.model_dump(mode="json", exclude_unset=True) == {
        "id": reported,
        "status": "confirmed",
        "reason": "triaged: real",
    }
    with pytest.raises(Conflict, match=f"incident {reported} is already confirmed"):
        incidents.confirm(reported, "again", by=world.supervisor)
    assert incidents.close(reported, "root cause fixed", by=world.supervisor).status == "closed"
    before = log_size(store)
    with pytest.raises(Conflict, match=f"incident {reported} is already closed"):
        incidents.close(reported, "again", by=world.supervisor)
    with pytest.raises(Conflict, match="already closed"):
        incidents.confirm(reported, "late", by=world.supervisor)
    assert log_size(store) == before


def test_an_unconfirmed_incident_may_be_closed(incidents: IncidentService, world: Parties) -> None:
    reported = incidents.report(incident(world.model, "major"), by=world.deployer_actor).id
    assert incidents.close(reported, "a false alarm", by=world.supervisor).status == "closed"


# --- what holds a rollout back ------------------------------------------------------------


def test_only_open_serious_incidents_hold_back(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    """Serious in the sense of AI Act Art. 3(49); major and minor ones are recorded but hold
    nothing back, and a closed serious one stops holding back."""
    answerable = {world.deployer, world.provider}
    for severity in ("minor", "major"):
        incidents.report(incident(world.model, severity), by=world.provider_actor)
    assert holding_back(store, world.model, answerable) == []
    serious = incidents.report(incident(world.model, "serious"), by=world.provider_actor).id
    assert holding_back(store, world.model, answerable) == [serious]
    incidents.close(serious, "fixed and verified", by=world.supervisor)
    assert holding_back(store, world.model, answerable) == []


def test_a_third_partys_report_holds_back_only_once_confirmed(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    answerable = {world.deployer, world.provider}
    rivals = incidents.report(incident(world.model), by=world.rival_actor).id
    assert holding_back(store, world.model, answerable) == []
    assert holding_back(store, world.model, {world.rival}) == [rivals]  # the rival answers for its own word
    incidents.confirm(rivals, "the outage is real", by=world.supervisor)
    assert holding_back(store, world.model, answerable) == [rivals]
    assert holding_back(store, world.model, set()) == [rivals]


def test_a_supervisors_own_report_holds_back_for_everyone(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    """The operator and any actor registered as a supervisor count, whatever the answerable set."""
    sue = AccessService(store).add_actor(
        "Sue", Role.SUPERVISOR, str(world.supervisor.organisation_id), by=world.supervisor
    )
    registered = Principal(sue.id, "Sue", Role.SUPERVISOR, sue.organisation_id, "EU")
    by_operator = incidents.report(incident(world.model), by=world.supervisor).id
    by_sue = incidents.report(incident(world.model), by=registered).id
    assert holding_back(store, world.model, set()) == [by_operator, by_sue]


def test_incidents_about_another_model_hold_nothing_back(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    other = RegistryService(store).register_model(
        ModelRegistration.model_validate({"name": "Other", "provider_id": world.provider}),
        by=world.supervisor,
    )
    incidents.report(incident(other.id), by=world.provider_actor)
    assert holding_back(store, world.model, {world.provider}) == []
    assert len(holding_back(store, other.id, {world.provider})) == 1


def test_an_incident_naming_two_models_holds_back_both(
    store: Store, incidents: IncidentService, world: Parties
) -> None:
    second = RegistryService(store).register_model(
        ModelRegistration.model_validate({"name": "Second", "provider_id": world.provider}),
        by=world.supervisor,
    )
    named = {key: value for key, value in draft(world.model).items() if key != "model_id"}
    both = parse(IncidentReported, {**named, "model_ids": [world.model, second.id]}, "incident")
    reported = incidents.report(both, by=world.provider_actor).id
    assert holding_back(store, world.model, {world.provider}) == [reported]
    assert holding_back(store, second.id, {world.provider}) == [reported]


# --- the rule as a property ---------------------------------------------------------------

REPORTERS = ("provider", "deployer", "rival", "supervisor")


@dataclass
class Expected:
    """What the rule says of one report, tracked by hand as the steps are taken."""

    reporter: str
    severity: str
    confirmed: bool = False
    closed: bool = False
    id: str = field(default="")

    def holds_back(self, answerable: set[str]) -> bool:
        counts = self.reporter == "supervisor" or self.confirmed or self.reporter in answerable
        return self.severity == "serious" and not self.closed and counts


steps = st.lists(
    st.one_of(
        st.tuples(st.just("report"), st.sampled_from(REPORTERS), st.sampled_from(list(Severity))),
        st.tuples(st.sampled_from(["confirm", "close"]), st.integers(0, 7), st.none()),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, answerable=st.sets(st.sampled_from(["provider", "deployer", "rival"])))
def test_what_holds_back_follows_the_rule(steps: list[tuple[str, Any, Any]], answerable: set[str]) -> None:
    """Any sequence of reports, confirmations and closings: the incidents holding back are
    exactly the open serious ones reported by a supervisor, confirmed, or reported by an
    answerable organisation, in the order they were reported."""
    store, world = throwaway()
    try:
        service = IncidentService(store)
        people = {
            "provider": world.provider_actor,
            "deployer": world.deployer_actor,
            "rival": world.rival_actor,
            "supervisor": world.supervisor,
        }
        organisations = {"provider": world.provider, "deployer": world.deployer, "rival": world.rival}
        reports: list[Expected] = []
        for action, who, severity in steps:
            if action == "report":
                expected = Expected(who, str(severity))
                expected.id = service.report(incident(world.model, str(severity)), by=people[who]).id
                reports.append(expected)
                continue
            if not reports:
                continue
            target = reports[who % len(reports)]
            already = target.closed or (action == "confirm" and target.confirmed)
            if already:
                with pytest.raises(Conflict):
                    getattr(service, action)(target.id, "step", by=world.supervisor)
                continue
            getattr(service, action)(target.id, "step", by=world.supervisor)
            target.confirmed |= action == "confirm"
            target.closed |= action == "close"
        ids = {organisations[name] for name in answerable}
        assert holding_back(store, world.model, ids) == [r.id for r in reports if r.holds_back(answerable)]
    finally:
        store.close()
