"""Running clocks: each incident report about a frontier model starts the reporting duties of the
California pack (Bus. & Prof. Code § 22757.13(c)), counted from the discovery it declares.

Worked by hand: discovered on Saturday 31 October 2026 at 09:00 in Los Angeles (16:00 UTC).
- (c)(1), 15 days "of discovering": Code of Civil Procedure § 12 excludes the first day, so the
  last day is Sunday 15 November; § 12a moves it past the weekend to Monday 16 November, which
  ends at 24:00 in Los Angeles, 2026-11-17 08:00 UTC. The report, filed in Custos on 2 November,
  is the report to the supervisor: it discharges its occurrence at once.
- (c)(2), 24 hours when the incident poses an imminent risk of death or serious physical injury:
  elapsed hours, 2026-11-01 16:00 UTC. The disclosure goes to law enforcement or a public safety
  agency, which the report is not, so the occurrence waits for its evidence and is overdue.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custos.core.errors import Forbidden, NotFound
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentDisclosed, IncidentFact, IncidentReported, Severity
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import policy_views as pv
from tests.unit.registry.world import Parties

STANDING = "california-sb53/frontier-model/critical-incident-15-days"
IMMINENT = "california-sb53/frontier-model/critical-incident-24-hours"
DISCOVERED = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)


def frontier(store: Store, world: Parties, flop: float = 2e26) -> None:
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": flop}}),
        by=world.supervisor,
    )


def load_california(store: Store, world: Parties) -> None:
    text = (BUILTIN / "california-sb53.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(text, origin="california-sb53.yaml", by=world.supervisor)


def report(store: Store, world: Parties, *, imminent: bool) -> str:
    incident = IncidentReported(
        model_id=world.model,
        severity=Severity.SERIOUS,
        occurred_at=datetime(2026, 10, 30, 12, 0, tzinfo=UTC),
        discovered_at=DISCOVERED,
        imminent_risk=imminent,
        facts=(IncidentFact.WEIGHTS_COMPROMISED, IncidentFact.BODILY_INJURY),  # § 22757.11(d)(1)
        summary="weights exfiltrated",
    )
    return IncidentService(store).report(incident, by=world.provider_actor).id


def rows(store: Store, world: Parties) -> dict[str, dict[str, Any]]:
    with store.read() as conn:
        return {key: row for (key, _), row in pv.obligations_of(conn, [world.model]).items()}


def test_a_report_starts_the_15_day_clock_from_its_discovery_and_answers_it(
    store: Store, world: Parties
) -> None:
    frontier(store, world)
    load_california(store, world)
    incident = report(store, world, imminent=False)
    found = rows(store, world)
    assert found[STANDING]["status"] == "open" and found[STANDING]["due_at"] is None  # still standing
    occurrence = found[f"{STANDING}#{incident}"]
    record = json.loads(occurrence["record"])
    assert record["due_at"] == "2026-11-17T08:00:00+00:00"
    assert (record["starts_at"], record["starts_from"]) == (DISCOVERED.isoformat(), "event:discovered_at")
    assert (record["occurrence_of"], record["trigger"]) == (STANDING, incident)
    assert occurrence["status"] == "discharged"
    assert json.loads(occurrence["closed"])["evidence"] == incident
    assert not any(key.startswith(IMMINENT + "#") for key in found)  # no imminent risk declared


def test_an_imminent_risk_starts_the_24_hour_clock_which_the_report_does_not_answer(
    store: Store, world: Parties
) -> None:
    frontier(store, world)
    load_california(store, world)
    incident = report(store, world, imminent=True)
    occurrence = rows(store, world)[f"{IMMINENT}#{incident}"]
    assert occurrence["status"] == "open"
    assert json.loads(occurrence["record"])["due_at"] == "2026-11-01T16:00:00+00:00"
    listed = PolicyService(store).obligations(world.supervisor, limit=100)
    assert {o.key: o.status for o in listed}[f"{IMMINENT}#{incident}"] == "overdue"


def test_an_occurrence_outlives_its_rule(store: Store, world: Parties) -> None:
    """The incident happened while the model was a frontier model: when a new passport puts it
    below 10^26 operations, the standing duty lapses, the owed disclosure does not."""
    frontier(store, world)
    load_california(store, world)
    incident = report(store, world, imminent=True)
    frontier(store, world, flop=1e25)
    found = rows(store, world)
    assert found[IMMINENT]["status"] == "lapsed"
    assert found[f"{IMMINENT}#{incident}"]["status"] == "open"


def test_no_standing_duty_no_clock(store: Store, world: Parties) -> None:
    """Below the threshold there is no standing duty, so a report starts nothing."""
    frontier(store, world, flop=1e25)
    load_california(store, world)
    report(store, world, imminent=True)
    assert not any("#" in key for key in rows(store, world))


def test_a_disclosure_of_that_incident_answers_its_24_hours_and_no_other(
    store: Store, world: Parties
) -> None:
    """The disclosure names the incident it discloses: it answers that incident's clock, not a
    later incident's."""
    frontier(store, world)
    load_california(store, world)
    first = report(store, world, imminent=True)
    second = report(store, world, imminent=True)
    disclosure = IncidentDisclosed(
        incident_id=first,
        authority="Sacramento County Sheriff",
        disclosed_at=DISCOVERED + timedelta(hours=20),
    )
    IncidentService(store).disclose(disclosure, by=world.provider_actor)
    found = rows(store, world)
    assert found[f"{IMMINENT}#{first}"]["status"] == "discharged"
    assert found[f"{IMMINENT}#{second}"]["status"] == "open"


def test_only_the_reporter_or_a_supervisor_discloses(store: Store, world: Parties) -> None:
    frontier(store, world)
    load_california(store, world)
    incident = report(store, world, imminent=True)
    disclosure = IncidentDisclosed(incident_id=incident, authority="Police", disclosed_at=DISCOVERED)
    with pytest.raises(Forbidden):
        IncidentService(store).disclose(disclosure, by=world.rival_actor)
    with pytest.raises(NotFound):
        IncidentService(store).disclose(
            disclosure.model_copy(update={"incident_id": "01NOSUCHINCIDENT"}), by=world.supervisor
        )
