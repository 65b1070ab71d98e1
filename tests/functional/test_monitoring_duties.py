"""The baseline pack's monitoring duty and bounds on a real installation (custos-baseline.yaml,
docs/policy.md "Continuous monitoring").

What must hold: a decision-critical deployment whose exposure is strictly above
``licence_exposure_eur`` (EUR 100 million) owes ``continuous-monitoring``; one at exactly EUR 100
million does not, nor does one that is not decision-critical; an enrolment about the deployment
discharges the duty, one already expired does not; and the pack's ``monitor_availability_min``
(90%) raises an alert on the first point below it, before any baseline exists, naming the pack.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.errors import InvalidInput
from custos.core.settings import Settings
from custos.installation import create_installation
from custos.monitoring.model import MONITOR_ALERT_RAISED, Enrolled
from custos.monitoring.service import MonitoringService
from custos.monitoring.simulation import Simulated
from custos.registry.model import DeploymentRegistration, ModelRegistration, Money, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import filing_views as fv
from tests.conftest import TEST_NOW
from tests.functional.pool_samples import baseline
from tests.functional.telemetry import STEADY, request
from tests.functional.test_market_duties import evidence, status

MONITORING_DUTY = "custos-baseline/decision-critical-monitoring/continuous-monitoring"
TODAY = TEST_NOW.date()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
def store(sqlite_settings: Settings, clock: FixedClock) -> Iterator[Store]:
    opened = create_installation(
        sqlite_settings, origin="test.custos/log", authority="Authority", jurisdiction_code="EU", clock=clock
    )
    baseline(opened, operator(opened))
    yield opened
    opened.close()


def deployment(store: Store, name: str, exposure: str, *, critical: bool = True) -> tuple[str, str]:
    """A bank's deployment with this exposure in EUR; (deployer, deployment)."""
    by, registry = operator(store), RegistryService(store)
    bank = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"}), by=by
    ).id
    model = registry.register_model(ModelRegistration(name=f"{name} model", provider_id=bank), by=by).id
    registered = registry.register_deployment(
        DeploymentRegistration(
            name=f"{name} scoring",
            deployer_id=bank,
            model_id=model,
            jurisdictions=("FR",),
            sector="finance",  # type: ignore[arg-type]
            decision_critical=critical,
            economic_exposure=Money(amount=Decimal(exposure), currency="EUR"),
        ),
        by=by,
    )
    return bank, registered.id


def enrol(store: Store, clock: FixedClock, deployment_id: str, until: date) -> str:
    clock.advance(timedelta(minutes=1))
    enrolment = Enrolled(deployment_id=deployment_id, figures=("availability",), valid_until=until)
    return MonitoringService(store).enrol(enrolment, by=operator(store)).id


def test_only_strictly_above_the_exposure_threshold_is_a_duty(store: Store) -> None:
    _, above = deployment(store, "Bank A", "100000000.01")
    _, at = deployment(store, "Bank B", "100000000")
    _, not_critical = deployment(store, "Bank C", "500000000", critical=False)
    assert status(store, above, MONITORING_DUTY) == "open"
    assert status(store, at, MONITORING_DUTY) is None
    assert status(store, not_critical, MONITORING_DUTY) is None


def test_an_enrolment_in_force_discharges_and_an_expired_one_does_not(
    store: Store, clock: FixedClock
) -> None:
    _, monitored = deployment(store, "Bank A", "250000000")
    with pytest.raises(InvalidInput, match="within a year"):
        enrol(store, clock, monitored, TODAY - timedelta(days=1))  # refused: already expired
    assert evidence(store, monitored, MONITORING_DUTY) is None
    enrolled = enrol(store, clock, monitored, TODAY + timedelta(days=200))
    assert evidence(store, monitored, MONITORING_DUTY) == enrolled


def test_the_pack_bound_raises_at_the_first_point_below_it(store: Store) -> None:
    bank, monitored = deployment(store, "Bank A", "1000")
    now = int(TEST_NOW.timestamp())
    outage = list(STEADY)
    outage[0] = 0.899  # just below 90%
    steady = Simulated(monitored, bank, "m", None, None)
    service = MonitoringService(store)
    _, first = service.ingest(
        request([(steady, now - 120, STEADY)]), "application/x-protobuf", by=operator(store)
    )
    assert first.alerts == ()
    boundary = list(STEADY)
    boundary[0] = 0.9  # at the bound: within it
    _, held = service.ingest(
        request([(steady, now - 60, boundary)]), "application/x-protobuf", by=operator(store)
    )
    assert held.alerts == ()
    _, raised = service.ingest(request([(steady, now, outage)]), "application/x-protobuf", by=operator(store))
    assert len(raised.alerts) == 1
    with store.read() as conn:
        (alert,) = fv.contents(conn, [monitored], [MONITOR_ALERT_RAISED.name])
    assert alert.content["detector"] == "bound" and alert.content["figure"] == "availability"
    assert alert.content["bound_source"] == "custos-baseline 1.8.0, parameter monitor_availability_min"


def test_the_bounds_in_force_name_the_pack_that_sets_them(store: Store) -> None:
    by_figure = {bound.figure: bound for bound in MonitoringService(store).bounds()}
    assert set(by_figure) == {"availability", "error_rate"}
    availability, errors = by_figure["availability"], by_figure["error_rate"]
    assert (availability.min, availability.max, availability.unit) == (0.9, None, "1")
    assert availability.sources == ("custos-baseline 1.8.0, parameter monitor_availability_min",)
    assert (errors.min, errors.max) == (None, 0.2)
