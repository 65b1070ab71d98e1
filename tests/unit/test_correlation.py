"""Correlated degradation (custos.monitoring.correlation): each deployment's first onset in the
window, the groups by model, version, host and sector with their counts, institutions, exposure
and chance, and which groups are systemic.

The chances are checked against a brute-force enumeration of every outcome of the group's
watched deployments (2^n products of p and 1 − p), independent of the dynamic programme."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.monitoring.correlation import Group, Onset, Watched, first_onsets, groups, systemic


def _at_least_by_enumeration(rates: list[float], k: int) -> float:
    """P(at least k of independent events occur), summing every one of the 2^n outcomes."""
    total = 0.0
    for outcome in itertools.product((False, True), repeat=len(rates)):
        if sum(outcome) >= k:
            total += math.prod(p if hit else 1 - p for p, hit in zip(rates, outcome, strict=True))
    return total


def _watched(
    deployment_id: str,
    deployer: str,
    *,
    model: str = "m1",
    version: str | None = "v1",
    host: str | None = "h1",
    sector: str = "finance",
    exposure: float | None = 1e6,
    rate: float = 0.1,
) -> Watched:
    return Watched(deployment_id, deployer, model, version, host, sector, exposure, rate)


def _onset(deployment_id: str, since: int = 1000, figure: str = "availability") -> Onset:
    return Onset(deployment_id, figure, since, f"alert-{deployment_id}-{figure}-{since}")


# --- first_onsets ----------------------------------------------------------------------------


def test_first_onsets_keeps_the_earliest_per_deployment_at_or_after_the_start() -> None:
    onsets = [
        _onset("d1", 90),  # before the window: ignored, though earliest
        _onset("d1", 130),
        _onset("d1", 110),
        _onset("d2", 100),  # exactly at the start: kept
        _onset("d3", 99),  # just before: d3 has nothing in the window
    ]
    found = first_onsets(onsets, window_start=100)
    assert [(o.deployment_id, o.since) for o in found] == [("d2", 100), ("d1", 110)]


def test_first_onsets_breaks_a_tie_by_figure_whatever_the_order() -> None:
    late = _onset("d1", 200, "latency_p95")
    early = _onset("d1", 200, "error_rate")
    assert first_onsets([late, early], 0) == [early]
    assert first_onsets([early, late], 0) == [early]


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 50), st.sampled_from(["x", "y", "z"])),
        max_size=20,
    ),
    st.integers(0, 50),
)
def test_first_onsets_is_the_minimum_by_time_then_figure(raw: list[tuple[str, int, str]], start: int) -> None:
    onsets = [_onset(d, since, figure) for d, since, figure in raw]
    found = {o.deployment_id: (o.since, o.figure) for o in first_onsets(onsets, start)}
    expected: dict[str, tuple[int, str]] = {}
    for d, since, figure in raw:
        if since >= start:
            expected[d] = min(expected.get(d, (since, figure)), (since, figure))
    assert found == expected


# --- groups ----------------------------------------------------------------------------------


def _by(found: list[Group]) -> dict[tuple[str, str], Group]:
    return {(g.group_by, g.key): g for g in found}


def test_groups_by_what_the_deployments_share() -> None:
    watched = {
        w.deployment_id: w
        for w in (
            _watched("d1", "bank1", version="v1", host="h1", exposure=2e6, rate=0.1),
            _watched("d2", "bank2", version="v1", host="h1", exposure=None, rate=0.2),
            _watched("d3", "bank2", version=None, host="h2", exposure=5e6, rate=0.3),
            _watched("d4", "bank3", version=None, host=None, exposure=7e6, rate=0.05),  # not degraded
            _watched("d5", "bank4", model="m2", sector="health", host="h9", rate=0.4),  # alone
        )
    }
    onsets = [_onset("d1"), _onset("d2"), _onset("d3"), _onset("d5"), _onset("unknown")]
    found = _by(groups(watched, onsets))
    # d5 is alone in each of its groups, and a deployment not watched is in none
    assert set(found) == {("model", "m1"), ("version", "m1@v1"), ("host", "h1"), ("sector", "finance")}
    model = found[("model", "m1")]
    assert [o.deployment_id for o in model.onsets] == ["d1", "d2", "d3"]
    assert model.watched == 4  # d4 is watched though not degraded; d5 runs another model
    assert model.institutions == 2  # bank1 and bank2; bank3's d4 did not degrade
    assert model.exposure_eur == 2e6 + 0 + 5e6  # None counts as nothing, d4 is not degraded
    version = found[("version", "m1@v1")]  # d3 and d4 have no version: in no version group
    assert (version.watched, len(version.onsets), version.exposure_eur) == (2, 2, 2e6)
    host = found[("host", "h1")]  # d4 has no host, d3 is on h2
    assert (host.watched, len(host.onsets), host.institutions) == (2, 2, 2)
    sector = found[("sector", "finance")]
    assert sector.watched == 4 and len(sector.onsets) == 3


def test_a_group_chance_weighs_every_watched_member_by_enumeration() -> None:
    rates = [0.1, 0.25, 0.02, 0.4, 0.07]
    watched = {f"d{i}": _watched(f"d{i}", f"bank{i}", rate=r) for i, r in enumerate(rates)}
    onsets = [_onset("d0"), _onset("d2"), _onset("d4")]
    model = _by(groups(watched, onsets))[("model", "m1")]
    expected = _at_least_by_enumeration(rates, 3)
    assert model.chance == pytest.approx(expected, rel=1e-12)
    # by hand, for two members: P(both) = 0.1 × 0.25
    two = {k: watched[k] for k in ("d0", "d1")}
    pair = _by(groups(two, [_onset("d0"), _onset("d1")]))[("model", "m1")]
    assert pair.chance == pytest.approx(0.025, rel=1e-12)


@given(
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=8),
    st.data(),
)
def test_a_group_chance_equals_the_enumerated_tail(rates: list[float], data: st.DataObject) -> None:
    watched = {f"d{i}": _watched(f"d{i}", f"bank{i}", rate=r) for i, r in enumerate(rates)}
    degraded = data.draw(st.sets(st.sampled_from(sorted(watched)), min_size=2))
    model = _by(groups(watched, [_onset(d) for d in sorted(degraded)]))[("model", "m1")]
    assert model.chance == pytest.approx(_at_least_by_enumeration(rates, len(degraded)), rel=1e-9, abs=1e-300)


def test_groups_come_largest_exposure_first() -> None:
    watched = {
        w.deployment_id: w
        for w in (
            _watched("a1", "x", model="small", host="ha", sector="energy", exposure=1.0),
            _watched("a2", "y", model="small", host="ha", sector="energy", exposure=1.0),
            _watched("b1", "x", model="big", host="hb", sector="finance", exposure=1e9),
            _watched("b2", "y", model="big", host="hb", sector="finance", exposure=1e9),
        )
    }
    found = groups(watched, [_onset(d) for d in watched])
    exposures = [g.exposure_eur for g in found]
    assert exposures == sorted(exposures, reverse=True)
    assert {g.key for g in found[:4]} == {"big", "big@v1", "hb", "finance"}


# --- systemic --------------------------------------------------------------------------------


def _group(onsets: int, institutions: int, chance: float) -> Group:
    return Group("model", "m1", tuple(_onset(f"d{i}") for i in range(onsets)), 10, institutions, 0.0, chance)


def test_systemic_needs_enough_deployments_two_institutions_and_a_chance_strictly_below() -> None:
    cases = {
        "qualifies": _group(3, 2, 1e-7),
        "too few deployments": _group(2, 2, 1e-9),
        "one institution": _group(5, 1, 1e-12),
        "chance at the threshold": _group(3, 2, 1e-6),
        "chance just above": _group(3, 2, math.nextafter(1e-6, 1)),
        "chance just below": _group(3, 3, math.nextafter(1e-6, 0)),
    }
    found = systemic(list(cases.values()), min_deployments=3, chance=1e-6)
    assert found == [cases["qualifies"], cases["chance just below"]]


def test_systemic_keeps_the_order_it_is_given() -> None:
    first, second = _group(4, 2, 1e-9), _group(3, 3, 1e-8)
    assert systemic([second, first], min_deployments=2, chance=0.5) == [second, first]
