"""EU AI Act Art. 73 for a deployment whose use falls under Annex III (high-risk by Art. 6(2)),
from 2 December 2027 (Art. 113(c)(i) as amended): a serious incident is reported at the latest 15
days after becoming aware of it (73(2)), 10 days when it caused a death (73(4)), 2 days for a
widespread infringement or a disruption of critical infrastructure (73(3)). An incident report
naming the deployment starts the clocks and, being the report, answers them.

Worked by hand (Regulation 1182/71 Art. 3): aware on Wednesday 5 January 2028. 15 days: the last
day is Thursday 20 January, ending at 24:00 in Brussels (23:00 UTC). 10 days: Saturday 15
January, which moves to Monday 17 January (Art. 3(4))."""

from __future__ import annotations

from datetime import UTC, datetime

from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentReported, Severity
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import AnnexIIIUse, DeploymentRegistration, Sector
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import policy_views as pv
from tests.unit.registry.world import Parties

SERIOUS = "eu-ai-act/high-risk-deployment/high-risk-serious-incident"
DEATH = "eu-ai-act/high-risk-deployment/high-risk-incident-death"


def scoring(store: Store, world: Parties) -> str:
    registration = DeploymentRegistration(
        name="Credit scoring",
        deployer_id=world.deployer,
        model_id=world.model,
        jurisdictions=("DE",),
        sector=Sector.FINANCE,
        annex_iii_uses=(AnnexIIIUse.CREDITWORTHINESS,),
    )
    deployment = RegistryService(store).register_deployment(registration, by=operator(store)).id
    text = (BUILTIN / "eu-ai-act.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(text, origin="eu-ai-act.yaml", by=operator(store))
    return deployment


def report(store: Store, world: Parties, deployment: str, aware: datetime) -> str:
    incident = IncidentReported(
        model_id=world.model,
        deployment_id=deployment,
        severity=Severity.SERIOUS,
        occurred_at=aware,
        discovered_at=aware,
        death=True,
        summary="a wrongful refusal of care",
    )
    return IncidentService(store).report(incident, by=world.deployer_actor).id


def occurrences(store: Store, deployment: str) -> dict[str, dict[str, object]]:
    with store.read() as conn:
        return {key: row for (key, _), row in pv.obligations_of(conn, [deployment]).items() if "#" in key}


def test_a_death_starts_the_15_and_10_day_clocks_which_the_report_answers(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    clock.set(datetime(2028, 1, 10, 9, 0, tzinfo=UTC))
    deployment = scoring(store, world)
    incident = report(store, world, deployment, datetime(2028, 1, 5, 10, 0, tzinfo=UTC))
    found = occurrences(store, deployment)
    assert set(found) == {f"{SERIOUS}#{incident}", f"{DEATH}#{incident}"}  # not widespread
    assert str(found[f"{SERIOUS}#{incident}"]["due_at"]).startswith("2028-01-20 23:00")
    assert str(found[f"{DEATH}#{incident}"]["due_at"]).startswith("2028-01-17 23:00")
    assert {row["status"] for row in found.values()} == {"discharged"}


def test_an_incident_before_the_duty_applied_starts_no_clock(
    store: Store, world: Parties, clock: FixedClock
) -> None:
    clock.set(datetime(2028, 1, 10, 9, 0, tzinfo=UTC))
    deployment = scoring(store, world)
    report(store, world, deployment, datetime(2027, 11, 30, 10, 0, tzinfo=UTC))
    assert occurrences(store, deployment) == {}
