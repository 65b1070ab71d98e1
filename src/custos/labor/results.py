"""A run's figures as filed, and a filed run as a reader receives it.

Pure shaping, kept apart from the service that reads, checks and files: a simulation's
percentiles, distribution tables and the deployer levy become the ``RunResults`` a
``labour.run_completed`` filing carries, and the stored row of a filed run becomes its read model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from custos.core.clock import stored_utc
from custos.core.units import percent
from custos.labor.adapters.registry import RegistryCounts
from custos.labor.distribution import Breakdown
from custos.labor.filings import DistributionRowResult, LevyShare, RunResults, YearlyPercentiles
from custos.labor.montecarlo import Simulation
from custos.labor.occupations import Measure
from custos.labor.safety_nets import ProgrammeDesign, load_programmes
from custos.labor.summary import Percentiles
from custos.labor.views import RunSummary, RunView

#: The three payers of a programme design's allocation, in the order they are shown.
PAYERS = ("budget", "deployer_levy", "liability_pool")
#: The programmes a design may fund, in the order their costs are filed.
PROGRAMMES = ("unemployment_insurance", "wage_insurance", "retraining")
#: The parts of a run's filing its read model carries beside the summary.
_FILED = (
    "scenario_yaml",
    "scenario_digest",
    "programmes_yaml",
    "programmes_digest",
    "data_digests",
    "deployments_per_sector",
    "what_if",
    "multipliers",
    "results",
)


def _yearly(values: Percentiles) -> YearlyPercentiles:
    return YearlyPercentiles(p5=values.p5.tolist(), p50=values.p50.tolist(), p95=values.p95.tolist())


def _rows(breakdown: Breakdown) -> list[DistributionRowResult]:
    return [
        DistributionRowResult(
            key=row.key,
            label=row.label,
            workers=row.workers,
            exposure_weighted_workers=row.exposure_weighted_workers,
            displaced_median_workers=row.displaced_median,
            wage_loss_median_usd=row.wage_loss_median_usd,
            benefits_median_usd=row.benefits_median_usd,
            net_loss_median_usd=row.net_loss_median_usd,
        )
        for row in breakdown.rows()
    ]


def deployer_exposure(
    sectors: Mapping[str, int],
    weights: Mapping[str, Mapping[str, float]],
    exposed_workers: Mapping[str, float],
) -> float:
    """A deployer's labour exposure: over its deployments, ``sum_g weight(sector, g) x exposed
    workers of group g`` (groups no occupation of the table is in count 0)."""
    return sum(
        count
        * sum(weight * exposed_workers.get(group, 0.0) for group, weight in weights.get(sector, {}).items())
        for sector, count in sectors.items()
    )


def levy_shares(
    counts: RegistryCounts,
    weights: Mapping[str, Mapping[str, float]],
    exposed_workers: Mapping[str, float],
    levy_usd: list[float],
    names: Mapping[str, str],
) -> list[LevyShare]:
    """Each deployer's part of the levy, in proportion to its deployments' labour exposure,
    largest first; none when no deployer's deployments reach any exposed group."""
    exposures = {
        deployer: deployer_exposure(sectors, weights, exposed_workers)
        for deployer, sectors in counts.by_deployer.items()
    }
    total = sum(exposures.values())
    if total <= 0:
        return []
    shares = [
        LevyShare(
            organisation_id=deployer,
            name=names.get(deployer, deployer),
            deployments=sum(counts.by_deployer[deployer].values()),
            exposure_weight=exposure,
            share=exposure / total,
            levy_usd=[amount * exposure / total for amount in levy_usd],
        )
        for deployer, exposure in exposures.items()
    ]
    return sorted(shares, key=lambda share: (-share.share, share.organisation_id))


def run_results(
    simulation: Simulation,
    design: ProgrammeDesign,
    counts: RegistryCounts,
    weights: Mapping[str, Mapping[str, float]],
    exposed_workers: Mapping[str, float],
    names: Mapping[str, str],
) -> RunResults:
    """A simulation's figures as filed."""
    summary = simulation.summary()
    total_p50 = summary["total_cost_usd"].p50
    shares = design.allocation.shares()
    allocation_usd = {payer: (total_p50 * shares[payer]).tolist() for payer in PAYERS}
    return RunResults(
        years=list(simulation.years),
        displaced_workers=_yearly(summary["displaced"]),
        cumulative_displaced_workers=_yearly(summary["cumulative_displaced"]),
        still_out_workers=_yearly(summary["still_out"]),
        wage_loss_usd=_yearly(summary["wage_loss_usd"]),
        programme_cost_usd={name: _yearly(summary[f"{name}_usd"]) for name in PROGRAMMES},
        total_cost_usd=_yearly(summary["total_cost_usd"]),
        horizon_displaced_workers_p50=float(np.median(simulation.displacement.cumulative[:, -1])),
        horizon_total_cost_usd_p50=float(np.median(simulation.costs.total.sum(axis=1))),
        allocation_share={payer: shares[payer] for payer in PAYERS},
        allocation_usd=allocation_usd,
        levy=levy_shares(counts, weights, exposed_workers, allocation_usd["deployer_levy"], names),
        by_quintile=_rows(simulation.by_quintile),
        by_group=_rows(simulation.by_group),
    )


def run_summary(row: Mapping[str, Any]) -> RunSummary:
    """A filed run's stored row as one line of the run list."""
    return RunSummary(
        run_id=row["run_id"],
        filing_id=row["id"],
        filed_at=stored_utc(row["filed_at"]),
        filed_by=row["filed_by"],
        scenario=row["scenario"],
        programmes=row["programmes"],
        measure=Measure(row["measure"]),
        draws=row["draws"],
        seed=row["seed"],
        registry=row["registry"],
        horizon_displaced_workers_p50=row["displaced_p50"],
        horizon_total_cost_usd_p50=row["total_cost_usd_p50"],
    )


def notes(results: RunResults) -> list[str]:
    """What a reader must know to read a run's figures: a deployer levy no deployment shares
    leaves that part of the cost with no payer."""
    levy = results.allocation_share.get("deployer_levy", 0.0)
    if levy > 0 and not results.levy:
        return [
            f"the deployer levy ({percent(levy)} of the cost) has no payer: no deployment in the "
            "registry reaches an exposed occupation group, so that part of the cost is unfunded"
        ]
    return []


def run_view(row: Mapping[str, Any]) -> RunView:
    """A filed run's stored row with everything its filing holds, and the notes its figures need."""
    content = row["content"]
    found = RunView(**run_summary(row).model_dump(), **{field: content[field] for field in _FILED})
    design = load_programmes(found.programmes_yaml, "programmes_yaml")
    funded = [name for name in PROGRAMMES if getattr(design, name) is not None]
    return found.model_copy(update={"programmes_in_design": funded, "notes": notes(found.results)})
