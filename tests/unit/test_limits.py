"""The fixed bounds a deployment's figures are held to (custos.monitoring.limits): the tightest of
the packs' parameters, the thresholds filing and a rollout stage's gates, each end naming the
source that set it; a gate binds only the licence holder's deployments of the licensed model."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.installation import create_installation
from custos.monitoring.limits import Bound, current
from custos.monitoring.model import Thresholds
from custos.monitoring.service import MonitoringService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.functional.pool_samples import baseline
from tests.functional.telemetry import rolled_out

# --- Bound.tighter ---------------------------------------------------------------------------


def test_an_open_bound_takes_whatever_it_is_given() -> None:
    bound = Bound().tighter(0.9, None, "pack")
    assert (bound.low, math.isnan(bound.high), bound.sources) == (0.9, True, ("pack",))


def test_the_tightest_end_wins_and_only_a_narrowing_source_is_named() -> None:
    bound = Bound().tighter(0.9, 0.99, "pack")
    looser = bound.tighter(0.8, 1.0, "thresholds")  # narrows nothing
    assert looser == bound
    lower_only = bound.tighter(0.95, 1.0, "gate")  # narrows the low end only
    assert (lower_only.low, lower_only.high, lower_only.sources) == (0.95, 0.99, ("pack", "gate"))
    upper_only = lower_only.tighter(None, 0.97, "filing")
    assert (upper_only.low, upper_only.high) == (0.95, 0.97)
    assert upper_only.sources == ("pack", "gate", "filing")
    equal = upper_only.tighter(0.95, 0.97, "again")  # as tight, not tighter
    assert equal.sources == upper_only.sources


def test_nothing_given_leaves_the_ends_open() -> None:
    bound = Bound().tighter(None, None, "nobody")
    assert math.isnan(bound.low) and math.isnan(bound.high) and bound.sources == ()


_END = st.one_of(st.none(), st.floats(-1e6, 1e6))


@given(st.lists(st.tuples(_END, _END), max_size=6))
def test_a_chain_of_bounds_holds_the_largest_low_and_the_smallest_high(
    ranges: list[tuple[float | None, float | None]],
) -> None:
    bound = Bound()
    for i, (low, high) in enumerate(ranges):
        bound = bound.tighter(low, high, f"s{i}")
    lows = [low for low, _ in ranges if low is not None]
    highs = [high for _, high in ranges if high is not None]
    assert bound.low == max(lows) if lows else math.isnan(bound.low)
    assert bound.high == min(highs) if highs else math.isnan(bound.high)
    # a source is named when its low strictly beat every earlier low, or its high every earlier high
    named = []
    for i, (low, high) in enumerate(ranges):
        earlier_lows = [lo for lo, _ in ranges[:i] if lo is not None]
        earlier_highs = [hi for _, hi in ranges[:i] if hi is not None]
        if (low is not None and all(low > lo for lo in earlier_lows)) or (
            high is not None and all(high < hi for hi in earlier_highs)
        ):
            named.append(f"s{i}")
    assert bound.sources == tuple(named)


# --- current: packs, the thresholds filing and rollout gates, on a real store -----------------


@pytest.fixture
def store(sqlite_settings: Settings, clock: FixedClock) -> Iterator[Store]:
    opened = create_installation(
        sqlite_settings, origin="test.custos/log", authority="Authority", jurisdiction_code="EU", clock=clock
    )
    baseline(opened, operator(opened))
    yield opened
    opened.close()


def _licensed_with_gate(store: Store) -> dict[str, str]:
    """Bank A holds a licence for model M, whose rollout's first stage gates error_rate (max 0.05),
    latency_p95 (max 2) and availability (min 0.5, looser than the pack), and a figure that is
    not telemetry (complaints)."""
    by, registry = operator(store), RegistryService(store)

    def organisation(name: str) -> str:
        payload = OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"})
        return registry.register_organisation(payload, by=by).id

    ids = {"A": organisation("Bank A"), "B": organisation("Bank B"), "lab": organisation("Lab")}
    ids["M"] = registry.register_model(ModelRegistration(name="M", provider_id=ids["lab"]), by=by).id
    ids["N"] = registry.register_model(ModelRegistration(name="N", provider_id=ids["lab"]), by=by).id
    gates = {"error_rate": {"max": 0.05}, "latency_p95": {"max": 2}, "availability": {"min": 0.5}}
    stages = (
        {"name": "pilot", "percentage": 10, "gates": {"metrics": {**gates, "complaints": {"max": 3}}}},
        {"name": "all", "percentage": 100},
    )
    ids["licence"] = rolled_out(store, by, ids["A"], ids["M"], stages)
    return ids


def test_the_tightest_of_pack_thresholds_and_gate_holds_per_deployment(store: Store) -> None:
    ids = _licensed_with_gate(store)
    MonitoringService(store).set_thresholds(
        Thresholds.model_validate(
            {
                "bounds": {
                    "availability": {"min": 0.95},  # tighter than the pack's 0.9
                    "error_rate": {"max": 0.5},  # looser than the pack's 0.2
                    "latency_p95": {"max": 3.0},  # the pack says nothing
                }
            }
        ),
        by=operator(store),
    )
    world = [
        {"id": "gated", "deployer_id": ids["A"], "model_id": ids["M"]},
        {"id": "gated-too", "deployer_id": ids["A"], "model_id": ids["M"]},
        {"id": "other-model", "deployer_id": ids["A"], "model_id": ids["N"]},
        {"id": "other-firm", "deployer_id": ids["B"], "model_id": ids["M"]},
    ]
    with store.read() as conn:
        limits = current(conn, world)
    pack = "custos-baseline "
    gate = f"licence {ids['licence']} rollout stage 'pilot' gate "

    for ungated in ("other-model", "other-firm"):
        availability = limits.bound(ungated, "availability")
        assert (availability.low, math.isnan(availability.high)) == (0.95, True)
        assert (
            availability.sources[0].startswith(pack) and "monitor_availability_min" in availability.sources[0]
        )
        assert availability.sources[1:] == ("monitoring thresholds",)
        error_rate = limits.bound(ungated, "error_rate")
        assert (math.isnan(error_rate.low), error_rate.high) == (True, 0.2)
        assert len(error_rate.sources) == 1 and "monitor_error_rate_max" in error_rate.sources[0]
        latency = limits.bound(ungated, "latency_p95")
        assert (latency.high, latency.sources) == (3.0, ("monitoring thresholds",))

    for gated in ("gated", "gated-too"):
        error_rate = limits.bound(gated, "error_rate")
        assert error_rate.high == 0.05 and error_rate.sources[-1] == gate + "error_rate"
        latency = limits.bound(gated, "latency_p95")
        assert latency.high == 2.0
        assert latency.sources == ("monitoring thresholds", gate + "latency_p95")
        availability = limits.bound(gated, "availability")  # the gate's 0.5 narrows nothing
        assert availability.low == 0.95 and availability.sources[-1] == "monitoring thresholds"

    assert limits.bound("gated", "complaints") == Bound()  # not telemetry: no bound at all
    assert limits.bound("gated", "volume") == Bound()  # nothing sets one
    assert not any(figure == "complaints" for _, figure in limits.deployments)


def test_without_a_rollout_only_the_pack_binds(store: Store) -> None:
    world = [{"id": "d1", "deployer_id": "bank", "model_id": "model"}]
    with store.read() as conn:
        limits = current(conn, world)
    assert limits.settings == Thresholds()
    assert limits.deployments == {}
    assert limits.bound("d1", "availability").low == 0.9
    assert limits.bound("d1", "error_rate").high == 0.2
