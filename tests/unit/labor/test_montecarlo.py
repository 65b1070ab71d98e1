"""The labour Monte Carlo against hand-computed cases, and its invariants."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.labor.montecarlo import Simulation, simulate
from custos.labor.scenario import Scenario
from tests.unit.labor.synthetic import TABLE, design, scenario, table

# Re-employment after retraining: 0.5 + 0.5 × 0.8 × 0.5 × (1 − 0.5) = 0.6; spells end at the
# hazard −ln(0.4) a year.
R = 0.6
HAZARD = -math.log(0.4)
UI_YEARS = (1 - 0.4**0.5) / HAZARD  # E[min(T, 26 weeks)]
FIRST_YEAR_OUT = (1 - 0.4) / HAZARD  # E[min(T, 1 year)]

# Cumulative displaced, E·x·s·e·a with a = 0.1, 0.3, 0.6:
# A: 1000 × 0.05 × 0.5 × 0.2 = 5 a; B: 2000 × 0.4 × 0.5 × 0.5 = 200 a; C: 500 × 0.8 × 0.5 × 1 = 200 a.
A = [0.5, 1.0, 1.5]
B = [20.0, 40.0, 60.0]
C = [20.0, 40.0, 60.0]


def test_one_deterministic_draw_matches_every_formula_by_hand() -> None:
    result = simulate(TABLE, scenario(), design(), draws=3, seed=1)
    moved = result.displacement
    assert moved.displaced == pytest.approx(np.array([[40.5, 81.0, 121.5]] * 3))
    assert moved.cumulative[0] == pytest.approx([40.5, 121.5, 243.0])
    assert moved.reemployed[0] == pytest.approx([R * 40.5, R * 81.0, R * 121.5])
    assert moved.still_out[0] == pytest.approx([0.4 * 40.5, 0.4 * 81.0, 0.4 * 121.5])

    # Weekly benefit: A 0.5 × 52,000 / 52 = 500; B 1,000 capped at 600; C 250.
    weekly = [
        0.5 * 500 + 20 * 600 + 20 * 250,
        1.0 * 500 + 40 * 600 + 40 * 250,
        1.5 * 500 + 60 * 600 + 60 * 250,
    ]
    assert weekly == [17_250, 34_500, 51_750]
    assert result.costs.unemployment_insurance[0] == pytest.approx([w * 52 * UI_YEARS for w in weekly])

    # Wage insurance a year per re-employed worker: min(0.5 × 0.2 × wage, 3,000): A 3,000 (5,200
    # capped), B 3,000, C 2,600; each cohort paid in its year and the next.
    cohort = [a * 3000 + b * 3000 + c * 2600 for a, b, c in zip(A, B, C, strict=True)]
    assert cohort == [113_500, 227_000, 340_500]
    paid = [R * cohort[0], R * (cohort[0] + cohort[1]), R * (cohort[1] + cohort[2])]
    assert result.costs.wage_insurance[0] == pytest.approx(paid)

    # Retraining: take-up 0.5 × USD 10,000 per displaced worker.
    assert result.costs.retraining[0] == pytest.approx([202_500, 405_000, 607_500])
    total = result.costs.total[0]
    allocated = result.costs.allocated(result.design.allocation)
    assert allocated["budget"][0] == pytest.approx(0.5 * total)
    assert allocated["deployer_levy"][0] == pytest.approx(0.3 * total)
    assert allocated["liability_pool"][0] == pytest.approx(0.2 * total)

    # Earnings lost in year k after displacement, per USD of old wage: q_k + 0.2 (1 − q_k),
    # q_k = 0.4^k × E[min(T, 1)]. Wage bill displaced: 2,626,000 a step.
    share = [0.4**k * FIRST_YEAR_OUT + 0.2 * (1 - 0.4**k * FIRST_YEAR_OUT) for k in range(3)]
    bill = [2_626_000, 5_252_000, 7_878_000]
    assert [a * 52_000 + b * 104_000 + c * 26_000 for a, b, c in zip(A, B, C, strict=True)] == bill
    expected_loss = [bill[0] * share[0], bill[0] * share[1] + bill[1] * share[0]]
    expected_loss.append(bill[0] * share[2] + bill[1] * share[1] + bill[2] * share[0])
    assert moved.wage_loss_usd[0] == pytest.approx(expected_loss)

    # Group 11 holds A alone: 3 displaced, their earnings lost to the horizon, their benefits.
    group = result.by_group
    assert group.keys == ("11-0000", "15-0000")
    assert list(group.workers) == [1000, 2500]
    assert group.exposure_weighted_workers == pytest.approx([50, 800 + 400])
    assert group.displaced[0] == pytest.approx([3.0, 240.0])
    a_loss = sum(A[t] * 52_000 * sum(share[: 3 - t]) for t in range(3))
    assert group.wage_loss_usd[0, 0] == pytest.approx(a_loss)
    a_benefits = sum(A[t] * (500 * 52 * UI_YEARS + R * 3000 * min(2, 3 - t)) for t in range(3))
    assert group.benefits_usd[0, 0] == pytest.approx(a_benefits)
    row = group.rows()[0]
    assert row.displaced_median == pytest.approx(3.0)
    assert row.net_loss_median_usd == pytest.approx(a_loss - a_benefits)


def test_percentiles_of_a_fixed_scenario_are_its_values() -> None:
    summary = simulate(TABLE, scenario(), design(), draws=20, seed=3).summary()
    for figures in summary.values():
        assert figures.p5 == pytest.approx(figures.p95)
    assert summary["cumulative_displaced"].p50 == pytest.approx([40.5, 121.5, 243.0])


def test_an_occupation_loses_at_most_its_workers_and_then_no_more() -> None:
    """Elasticity 5 in C's band: 500 × 0.8 × 0.5 × 5 × a = 1,000 a, capped at its 500 workers."""
    bands = [
        {"upper": 0.1, "elasticity": {"low": 0.2, "high": 0.2}},
        {"upper": 0.5, "elasticity": {"low": 0.5, "high": 0.5}},
        {"upper": 1.0, "elasticity": {"low": 5.0, "high": 5.0}},
    ]
    result = simulate(TABLE, scenario(bands=bands), design(), draws=1, seed=0)
    c_alone = result.displacement.displaced[0] - np.array(A) - np.array(B)
    assert c_alone == pytest.approx([100, 200, 200])


def test_without_programmes_nothing_is_paid_and_retraining_does_not_lift_reemployment() -> None:
    bare = design(unemployment_insurance=None, wage_insurance=None, retraining=None)
    result = simulate(TABLE, scenario(), bare, draws=2, seed=0)
    assert not result.costs.total.any()
    assert not result.by_quintile.benefits_usd.any()
    assert result.displacement.reemployed[0] == pytest.approx(0.5 * result.displacement.displaced[0])


def test_registry_multipliers_scale_adoption_per_group() -> None:
    result = simulate(TABLE, scenario(), design(), draws=1, seed=0, multipliers={"15-0000": 0.5})
    assert result.by_group.displaced[0] == pytest.approx([0.0, 120.0])
    with pytest.raises(InvalidInput, match="major groups"):
        simulate(TABLE, scenario(), design(), draws=1, seed=0, multipliers={"99-0000": 0.5})
    with pytest.raises(InvalidInput, match="major groups"):
        simulate(TABLE, scenario(), design(), draws=1, seed=0, multipliers={"15-0000": 1.5})


@pytest.mark.parametrize(("draws", "seed"), [(0, 1), (1_000_001, 1), (10, -1)])
def test_impossible_runs_are_refused(draws: int, seed: int) -> None:
    with pytest.raises(InvalidInput):
        simulate(TABLE, scenario(), design(), draws=draws, seed=seed)


def uncertain() -> Scenario:
    return scenario(
        adoption=[{"year": 2025, "low": 0.0, "high": 0.2}, {"year": 2026, "low": 0.1, "high": 0.5}],
        automated_share={"low": 0.2, "high": 0.8},
        bands=[
            {"upper": 0.3, "elasticity": {"low": 0, "high": 1}},
            {"upper": 1, "elasticity": {"low": 0.5, "high": 3}},
        ],
        reemployment_rate={"low": 0.2, "high": 0.9},
        wage_change={"low": -0.5, "high": 0},
    )


def _arrays(result: Simulation) -> list[np.ndarray]:
    return [
        result.displacement.displaced,
        result.displacement.wage_loss_usd,
        result.costs.total,
        result.by_group.benefits_usd,
        result.by_quintile.wage_loss_usd,
    ]


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    first = _arrays(simulate(TABLE, uncertain(), design(), draws=500, seed=7))
    again = _arrays(simulate(TABLE, uncertain(), design(), draws=500, seed=7))
    other = _arrays(simulate(TABLE, uncertain(), design(), draws=500, seed=8))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_draws_do_not_depend_on_how_the_run_is_divided() -> None:
    """A longer run extends a shorter one draw for draw, and the threads a run is spread over
    change nothing."""
    short = _arrays(simulate(TABLE, uncertain(), design(), draws=100, seed=5))
    long = _arrays(simulate(TABLE, uncertain(), design(), draws=400, seed=5))
    assert all(np.array_equal(a, b[:100]) for a, b in zip(short, long, strict=True))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        alone = _arrays(simulate(TABLE, uncertain(), design(), draws=400, seed=5))
    finally:
        numba.set_num_threads(threads)
    assert all(np.array_equal(a, b) for a, b in zip(alone, long, strict=True))


def test_tables_add_up_to_the_yearly_totals() -> None:
    result = simulate(TABLE, uncertain(), design(), draws=300, seed=11)
    moved, costs = result.displacement, result.costs
    for breakdown in (result.by_group, result.by_quintile):
        assert breakdown.displaced.sum(axis=1) == pytest.approx(moved.displaced.sum(axis=1))
        assert breakdown.wage_loss_usd.sum(axis=1) == pytest.approx(moved.wage_loss_usd.sum(axis=1))
        paid = (costs.unemployment_insurance + costs.wage_insurance).sum(axis=1)
        assert breakdown.benefits_usd.sum(axis=1) == pytest.approx(paid)
        assert breakdown.workers.sum() == pytest.approx(TABLE.employment.sum())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    employment=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    exposure=st.lists(st.floats(0, 1), min_size=6, max_size=6),
    elasticity=st.floats(0, 20),
    seed=st.integers(0, 2**32),
)
def test_cumulative_displacement_never_exceeds_employment(
    employment: list[int], exposure: list[float], elasticity: float, seed: int
) -> None:
    """Each occupation its own group, so a group's displaced over the horizon is the occupation's."""
    rows = len(employment)
    occupations = table(
        [float(e) for e in employment], [30_000.0 + 1000 * i for i in range(rows)], exposure[:rows]
    )
    bands = [{"upper": 1.0, "elasticity": {"low": 0.0, "high": elasticity}}]
    adoption = [{"year": 2025 + t, "low": 0.2 * t, "high": 0.2 * t + 0.2} for t in range(5)]
    result = simulate(occupations, scenario(bands=bands, adoption=adoption), design(), draws=50, seed=seed)
    cumulative = np.cumsum(result.displacement.displaced, axis=1)
    assert (np.diff(cumulative, axis=1) >= -1e-9).all()
    assert (result.by_group.displaced <= occupations.employment * (1 + 1e-12) + 1e-9).all()
    assert (cumulative[:, -1] <= occupations.employment.sum() * (1 + 1e-12) + 1e-9).all()
