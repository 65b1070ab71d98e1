"""The labour Monte Carlo: displaced workers, what they lose and what the safety nets cost, year
by year, over seeded draws of the scenario's ranges.

One draw takes one value from every range, uniformly (numpy ``Generator(PCG64(seed))``, one row
of ``4 + bands`` uniforms per draw, in the order adoption quantile, automated share,
re-employment, wage change, then each band's elasticity). Adoption takes ONE quantile ``u`` per
draw across the path, ``a_t = low_t + u (high_t − low_t)``, so each path rises as its ends do.

For occupation ``o`` in exposure band ``b`` and major group ``g``, workers displaced by the end
of year ``t`` are ``min(E_o, E_o · x_o · m_g · s · e_b · a_t)``: employment, exposure, the
registry's adoption multiplier (1 without one), the automated share, the band's elasticity and
adoption; workers displaced in year ``t`` are the rise of that figure since year ``t − 1``
(``a_{−1} = 0``), so an occupation never loses more workers than it has.

Displaced workers' spells are exponential (see ``safety_nets``): a share ``r′`` is re-employed
within a year, at a wage changed by ``w`` (a loss). The earnings a worker displaced in year
``t₀`` loses in year ``t₀ + k`` are ``wage × (q_k + |w| (1 − q_k))``, where
``q_k = (1 − r′)^k · E[min(T, 1)]`` is the expected share of that year spent out of work: the
full wage while out, the cut once back. Losses and benefits count within the horizon only.

Draws are independent: each is computed alone, in a fixed order, so the first ``n`` draws of a
run are the run of ``n`` draws with the same seed, and a run is the same on any machine and any
number of threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from custos.core.errors import InvalidInput
from custos.labor.distribution import Breakdown, Cells, major_groups, wage_quintiles
from custos.labor.occupations import DEFAULT_MEASURE, Measure, OccupationTable
from custos.labor.safety_nets import (
    WEEKS_A_YEAR,
    ProgrammeCosts,
    ProgrammeDesign,
    expected_years_out,
    weekly_benefit,
    with_retraining,
)
from custos.labor.scenario import Scenario
from custos.labor.summary import Percentiles, percentiles

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Draws a run may ask for: a million is far beyond what percentiles need.
MAX_DRAWS = 1_000_000


@dataclass(frozen=True)
class Draws:
    """The value every range took, one row per draw."""

    adoption: FloatArray  # draws × years, cumulative share of exposed tasks in use
    automated_share: FloatArray  # draws
    reemployment: FloatArray  # draws, re-employed within a year, before retraining
    wage_change: FloatArray  # draws, at most 0
    elasticity: FloatArray  # draws × bands


def draw(scenario: Scenario, draws: int, seed: int) -> Draws:
    """The scenario's ranges drawn ``draws`` times from ``PCG64(seed)``."""
    if not 1 <= draws <= MAX_DRAWS:
        raise InvalidInput(
            f"draws must be between 1 and {MAX_DRAWS:,}, not {draws:,}", evidence={"draws": draws}
        )
    if seed < 0:
        raise InvalidInput(f"the seed must be a whole number at least 0, not {seed}", evidence={"seed": seed})
    uniforms = np.random.Generator(np.random.PCG64(seed)).random((draws, 4 + len(scenario.bands)))

    def spread(low: FloatArray | float, high: FloatArray | float, column: FloatArray) -> FloatArray:
        return np.asarray(low + column * (np.asarray(high) - low), dtype=np.float64)

    lows = np.array([step.low for step in scenario.adoption])
    highs = np.array([step.high for step in scenario.adoption])
    elasticity_lows = np.array([band.elasticity.low for band in scenario.bands])
    elasticity_highs = np.array([band.elasticity.high for band in scenario.bands])
    return Draws(
        adoption=spread(lows[None, :], highs[None, :], uniforms[:, 0:1]),
        automated_share=spread(scenario.automated_share.low, scenario.automated_share.high, uniforms[:, 1]),
        reemployment=spread(scenario.reemployment_rate.low, scenario.reemployment_rate.high, uniforms[:, 2]),
        wage_change=spread(scenario.wage_change.low, scenario.wage_change.high, uniforms[:, 3]),
        elasticity=spread(elasticity_lows[None, :], elasticity_highs[None, :], uniforms[:, 4:]),
    )


@dataclass(frozen=True)
class Displacement:
    """Workers and earnings, one row per draw and one column per year."""

    displaced: FloatArray  # workers displaced in the year
    reemployed: FloatArray  # of those, re-employed within a year (retraining included)
    still_out: FloatArray  # of those, not re-employed within a year
    wage_loss_usd: FloatArray  # earnings lost in the year by everyone displaced so far

    @property
    def cumulative(self) -> FloatArray:
        return np.cumsum(self.displaced, axis=1)


@dataclass(frozen=True)
class Simulation:
    years: tuple[int, ...]
    draws: int
    seed: int
    measure: Measure
    displacement: Displacement
    costs: ProgrammeCosts
    design: ProgrammeDesign
    by_group: Breakdown
    by_quintile: Breakdown

    def summary(self) -> dict[str, Percentiles]:
        """5th, 50th and 95th percentiles per year of every yearly figure: workers, then USD."""
        figures = {
            "displaced": self.displacement.displaced,
            "cumulative_displaced": self.displacement.cumulative,
            "still_out": self.displacement.still_out,
            "wage_loss_usd": self.displacement.wage_loss_usd,
            **{f"{name}_usd": cost for name, cost in self.costs.by_programme().items()},
            "total_cost_usd": self.costs.total,
            **{f"{payer}_usd": cost for payer, cost in self.costs.allocated(self.design.allocation).items()},
        }
        return {name: percentiles(values) for name, values in figures.items()}


@njit(cache=True, parallel=True)
def _accumulate(
    employment: FloatArray,
    intensity: FloatArray,
    band: IntArray,
    wages: FloatArray,
    ui_annual: FloatArray,
    group_ptr: IntArray,
    group_cell: IntArray,
    group_share: FloatArray,
    quintile_ptr: IntArray,
    quintile_cell: IntArray,
    quintile_share: FloatArray,
    factor: FloatArray,
    adoption: FloatArray,
    wi_rate: FloatArray,
    wi_cap: float,
    loss_factor: FloatArray,
    ui_years: FloatArray,
    wi_years: FloatArray,
    displaced: FloatArray,
    wage_bill: FloatArray,
    ui_base: FloatArray,
    wi_base: FloatArray,
    by_group: FloatArray,
    by_quintile: FloatArray,
) -> None:
    """Sum every occupation's displacement into each draw's yearly totals and its cells.

    Per draw and year: workers displaced, their wage bill, their unemployment benefit a year and
    their wage insurance a year (USD). Per draw and cell, over the horizon: workers displaced,
    earnings lost and benefits received. Draws run in parallel; each writes only its own rows."""
    draws, years = adoption.shape
    for d in prange(draws):
        for o in range(employment.shape[0]):
            if intensity[o] == 0.0 or employment[o] == 0.0:
                continue
            reach = intensity[o] * factor[d, band[o]]
            wi = min(wi_rate[d] * wages[o], wi_cap)
            before = 0.0
            moved_sum = 0.0
            loss_sum = 0.0
            benefit_sum = 0.0
            for t in range(years):
                now = employment[o] * min(1.0, reach * adoption[d, t])
                moved = now - before
                before = now
                displaced[d, t] += moved
                wage_bill[d, t] += moved * wages[o]
                ui_base[d, t] += moved * ui_annual[o]
                wi_base[d, t] += moved * wi
                moved_sum += moved
                loss_sum += moved * wages[o] * loss_factor[d, t]
                benefit_sum += moved * (ui_annual[o] * ui_years[d] + wi * wi_years[d, t])
            for j in range(group_ptr[o], group_ptr[o + 1]):
                c = group_cell[j]
                by_group[0, d, c] += group_share[j] * moved_sum
                by_group[1, d, c] += group_share[j] * loss_sum
                by_group[2, d, c] += group_share[j] * benefit_sum
            for j in range(quintile_ptr[o], quintile_ptr[o + 1]):
                c = quintile_cell[j]
                by_quintile[0, d, c] += quintile_share[j] * moved_sum
                by_quintile[1, d, c] += quintile_share[j] * loss_sum
                by_quintile[2, d, c] += quintile_share[j] * benefit_sum


def _intensity(
    table: OccupationTable, measure: Measure, multipliers: Mapping[str, float] | None
) -> FloatArray:
    """Exposure times the registry's multiplier of each occupation's major group (1 without a
    registry link; 0 for a group the multipliers leave out, which no sector employs)."""
    exposure = table.exposure(measure)
    if multipliers is None:
        return np.asarray(exposure, dtype=np.float64)
    unknown = sorted(set(multipliers) - set(table.major_codes))
    bad = sorted(code for code, value in multipliers.items() if not 0 <= value <= 1)
    if unknown or bad:
        raise InvalidInput(
            "adoption multipliers must name major groups of the table, each in [0, 1]",
            evidence={"unknown groups": unknown, "out of range": bad},
        )
    return np.asarray(exposure * np.array([multipliers.get(code, 0.0) for code in table.major_codes]))


def _earnings_loss_path(reemployed: FloatArray, wage_change: FloatArray, years: int) -> FloatArray:
    """Per draw, the share of the old wage lost in each year ``k`` after displacement:
    ``q_k + |w| (1 − q_k)``, ``q_k = (1 − r′)^k E[min(T, 1)]`` (draws × years)."""
    out_share = (1 - reemployed[:, None]) ** np.arange(years)[None, :] * expected_years_out(reemployed, 1.0)[
        :, None
    ]
    return out_share + np.abs(wage_change)[:, None] * (1 - out_share)


def _breakdown(table: OccupationTable, cells: Cells, exposure: FloatArray, sums: FloatArray) -> Breakdown:
    dense = cells.matrix()
    return Breakdown(
        keys=cells.keys,
        labels=cells.labels,
        workers=table.employment @ dense,
        exposure_weighted_workers=(table.employment * exposure) @ dense,
        displaced=sums[0],
        wage_loss_usd=sums[1],
        benefits_usd=sums[2],
    )


def simulate(
    table: OccupationTable,
    scenario: Scenario,
    design: ProgrammeDesign,
    *,
    draws: int = 10_000,
    seed: int = 0,
    measure: Measure = DEFAULT_MEASURE,
    multipliers: Mapping[str, float] | None = None,
) -> Simulation:
    """Run the scenario over every occupation of ``table`` with the programmes of ``design``.

    ``multipliers`` (major group code → share in [0, 1]) scale adoption per group, as the
    registry's deployments drive it (``custos.labor.adoption``); without them every group
    adopts at the scenario's pace."""
    sampled = draw(scenario, draws, seed)
    years = len(scenario.years)
    uppers = np.array([band.upper for band in scenario.bands])
    exposure = table.exposure(measure)
    reemployed = with_retraining(sampled.reemployment, design.retraining)
    ui, wi = design.unemployment_insurance, design.wage_insurance
    ui_annual = WEEKS_A_YEAR * weekly_benefit(table.wages, ui) if ui is not None else np.zeros(len(table))
    ui_years = (
        expected_years_out(reemployed, ui.duration_weeks / WEEKS_A_YEAR)
        if ui is not None
        else np.zeros(draws)
    )
    wi_duration = wi.duration_years if wi is not None else 0
    paid_years = np.minimum(wi_duration, years - np.arange(years))
    loss_path = _earnings_loss_path(reemployed, sampled.wage_change, years)
    left = years - np.arange(years)  # years of the horizon from each year on
    loss_factor = np.cumsum(loss_path, axis=1)[:, left - 1]
    groups, quintiles = major_groups(table), wage_quintiles(table)
    displaced, wage_bill, ui_base, wi_base = (np.zeros((draws, years)) for _ in range(4))
    group_sums = np.zeros((3, draws, len(groups.keys)))
    quintile_sums = np.zeros((3, draws, len(quintiles.keys)))
    _accumulate(
        np.ascontiguousarray(table.employment, dtype=np.float64),
        _intensity(table, measure, multipliers),
        np.searchsorted(uppers, exposure, side="left").astype(np.int64),
        np.ascontiguousarray(table.wages, dtype=np.float64),
        np.asarray(ui_annual, dtype=np.float64),
        groups.indptr,
        groups.cells,
        groups.shares,
        quintiles.indptr,
        quintiles.cells,
        quintiles.shares,
        sampled.automated_share[:, None] * sampled.elasticity,
        sampled.adoption,
        (wi.share if wi is not None else 0.0) * np.abs(sampled.wage_change),
        wi.annual_cap_usd if wi is not None else 0.0,
        np.ascontiguousarray(loss_factor),
        np.asarray(ui_years, dtype=np.float64),
        reemployed[:, None] * paid_years[None, :].astype(np.float64),
        displaced,
        wage_bill,
        ui_base,
        wi_base,
        group_sums,
        quintile_sums,
    )
    wage_loss = np.zeros((draws, years))
    for start in range(years):
        wage_loss[:, start:] += wage_bill[:, start : start + 1] * loss_path[:, : years - start]
    paid = np.cumsum(wi_base, axis=1)
    if wi_duration:
        paid[:, wi_duration:] -= paid[:, :-wi_duration].copy()
    retraining = design.retraining
    costs = ProgrammeCosts(
        unemployment_insurance=ui_base * ui_years[:, None],
        wage_insurance=reemployed[:, None] * paid if wi is not None else np.zeros((draws, years)),
        retraining=(retraining.take_up * retraining.cost_per_worker_usd * displaced)
        if retraining is not None
        else np.zeros((draws, years)),
    )
    return Simulation(
        years=scenario.years,
        draws=draws,
        seed=seed,
        measure=measure,
        displacement=Displacement(
            displaced=displaced,
            reemployed=reemployed[:, None] * displaced,
            still_out=(1 - reemployed[:, None]) * displaced,
            wage_loss_usd=wage_loss,
        ),
        costs=costs,
        design=design,
        by_group=_breakdown(table, groups, exposure, group_sums),
        by_quintile=_breakdown(table, quintiles, exposure, quintile_sums),
    )
