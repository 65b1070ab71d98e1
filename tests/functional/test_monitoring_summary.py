"""A day of monitoring published for the public (custos.monitoring.summary): each figure's median
and 10th and 90th percentiles of the deployments' daily means where at least three deployers are
behind them, withheld (with the deployment count still given) where fewer are, the same rule for
the exposure affected per provider, and no summary of a day not yet over.

The expected figures are numpy's percentiles of daily means computed here from the points sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.errors import Conflict, InvalidInput
from custos.core.settings import Settings
from custos.installation import create_installation
from custos.monitoring.model import Thresholds
from custos.monitoring.service import MonitoringService
from custos.monitoring.simulation import Simulated
from custos.registry.model import DeploymentRegistration, ModelRegistration, Money, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.registry.telemetry import BY_FIGURE, Figure
from custos.store import Store
from tests.conftest import TEST_NOW
from tests.functional.telemetry import FAILING, noisy, request

PROTOBUF = "application/x-protobuf"
TODAY = TEST_NOW.date()
YESTERDAY = TODAY - timedelta(days=1)
EARLIER = TODAY - timedelta(days=2)


@pytest.fixture
def store(sqlite_settings: Settings, clock: FixedClock) -> Iterator[Store]:
    opened = create_installation(
        sqlite_settings, origin="test.custos/log", authority="Authority", jurisdiction_code="EU", clock=clock
    )
    yield opened
    opened.close()


def _world(store: Store) -> dict[str, Simulated]:
    """Lab 1's model deployed by banks 1–3, Lab 2's by banks 1 and 2, each with its own exposure."""
    by, registry = operator(store), RegistryService(store)

    def organisation(name: str) -> str:
        payload = OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"})
        return registry.register_organisation(payload, by=by).id

    labs = {lab: organisation(lab) for lab in ("Lab 1", "Lab 2")}
    banks = {bank: organisation(bank) for bank in ("Bank 1", "Bank 2", "Bank 3")}
    models = {
        lab: registry.register_model(ModelRegistration(name=f"{lab} model", provider_id=labs[lab]), by=by).id
        for lab in labs
    }
    plan = {
        "m1-b1": ("Lab 1", "Bank 1", 10), "m1-b2": ("Lab 1", "Bank 2", 20), "m1-b3": ("Lab 1", "Bank 3", 40),
        "m2-b1": ("Lab 2", "Bank 1", 80), "m2-b2": ("Lab 2", "Bank 2", 160),
    }  # fmt: skip
    found = {}
    for name, (lab, bank, millions) in plan.items():
        registered = registry.register_deployment(
            DeploymentRegistration(
                name=name,
                deployer_id=banks[bank],
                model_id=models[lab],
                jurisdictions=("FR",),
                sector="finance",  # type: ignore[arg-type]
                economic_exposure=Money(amount=Decimal(millions * 1_000_000), currency="EUR"),
            ),
            by=by,
        )
        found[name] = Simulated(registered.id, banks[bank], models[lab], None, millions * 1e6)
    found["lab-1"] = Simulated(labs["Lab 1"], "", "", None, None)  # the providers' ids, for lookups
    found["lab-2"] = Simulated(labs["Lab 2"], "", "", None, None)
    return found


def _send(
    service: MonitoringService, store: Store, day: datetime, deployments: list[Simulated], *, fail: bool
) -> dict[str, list[list[float]]]:
    """Ten minutes of noisy telemetry from 10:00 on ``day``, and (``fail``) a failing eleventh
    minute; the values each deployment sent, as the store reads them (volume is an integer)."""
    rng = np.random.default_rng(day.toordinal())
    sent: dict[str, list[list[float]]] = defaultdict(list)
    start = int(day.replace(hour=10, tzinfo=UTC).timestamp())
    for minute in range(11 if fail else 10):
        points = []
        for d in deployments:
            values = list(FAILING) if minute == 10 else noisy(rng)
            values[Figure.VOLUME] = float(int(values[Figure.VOLUME]))
            points.append((d, start + 60 * minute, values))
            sent[d.deployment_id].append(values)
        service.ingest(request(points), PROTOBUF, by=operator(store))
    return sent


def _expected(sent: dict[str, list[list[float]]]) -> dict[str, tuple[float, float, float]]:
    means = np.array([np.mean(values, axis=0) for values in sent.values()])
    return {
        BY_FIGURE[figure].key: tuple(np.percentile(means[:, figure], [50, 10, 90]).tolist())
        for figure in Figure
    }


def test_a_day_with_three_deployers_publishes_the_spread_and_the_exposure_of_three_firms(
    store: Store,
) -> None:
    world = _world(store)
    service = MonitoringService(store)
    service.set_thresholds(
        Thresholds.model_validate({"bounds": {"availability": {"min": 0.9}}}), by=operator(store)
    )
    deployed = [world[name] for name in ("m1-b1", "m1-b2", "m1-b3", "m2-b1", "m2-b2")]
    day = datetime(YESTERDAY.year, YESTERDAY.month, YESTERDAY.day)
    sent = _send(service, store, day, deployed, fail=True)

    summary = service.publish_summary(YESTERDAY, by=operator(store))

    assert (summary.day, summary.deployments, summary.institutions) == (YESTERDAY, 5, 3)
    expected = _expected(sent)
    assert [f.figure for f in summary.figures] == [BY_FIGURE[f].key for f in Figure]
    for figure in summary.figures:
        assert figure.deployments == 5
        median, p10, p90 = expected[figure.figure]
        assert figure.median == pytest.approx(median, rel=1e-12), figure.figure
        assert figure.p10 == pytest.approx(p10, rel=1e-12), figure.figure
        assert figure.p90 == pytest.approx(p90, rel=1e-12), figure.figure
        assert figure.p10 is not None and figure.p90 is not None and figure.p10 < figure.p90
    # every deployment's outage is one alert; Lab 1's three deployers are published (EUR 70 m),
    # Lab 2's two are not
    assert summary.alerts == 5
    assert summary.affected_exposure_eur == {world["lab-1"].deployment_id: 70e6}
    assert service.summaries() == [summary]


def test_a_day_with_two_deployers_withholds_the_spread_but_counts_the_deployments(store: Store) -> None:
    world = _world(store)
    service = MonitoringService(store)
    service.set_thresholds(
        Thresholds.model_validate({"bounds": {"availability": {"min": 0.9}}}), by=operator(store)
    )
    two_firms = [world[name] for name in ("m1-b1", "m1-b2", "m2-b1")]  # banks 1 and 2
    day = datetime(EARLIER.year, EARLIER.month, EARLIER.day)
    _send(service, store, day, two_firms, fail=True)

    summary = service.publish_summary(EARLIER, by=operator(store))

    assert (summary.deployments, summary.institutions) == (3, 2)
    for figure in summary.figures:
        assert figure.deployments == 3
        assert (figure.median, figure.p10, figure.p90) == (None, None, None)
    assert summary.alerts == 3
    assert summary.affected_exposure_eur == {}  # two deployers behind each provider's figure
    with pytest.raises(InvalidInput, match="no telemetry"):
        service.publish_summary(YESTERDAY, by=operator(store))  # nothing sent that day
    with pytest.raises(Conflict, match="published already"):
        service.publish_summary(EARLIER, by=operator(store))  # a published figure stands
    assert service.summaries() == [summary]


@pytest.mark.parametrize("days", [0, 1])
def test_a_summary_of_today_or_a_later_day_is_refused(store: Store, days: int) -> None:
    with pytest.raises(InvalidInput, match="not over yet"):
        MonitoringService(store).publish_summary(TODAY + timedelta(days=days), by=operator(store))
    assert MonitoringService(store).summaries() == []
