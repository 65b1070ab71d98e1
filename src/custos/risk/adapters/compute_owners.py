"""Who owns the world's AI compute: Epoch AI's chip-count estimates per owner and quarter.

Each file holds one chip type's cumulative estimates per owner at the end of each quarter, in
H100-equivalents, with a median and a 5th and 95th percentile; owners are named as Epoch names
them ("Microsoft", "China", "Other"). Source: Epoch AI, ``epoch-research/ai-chip-counts`` (MIT).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

#: The shipped data sit at the top of ``custos.risk`` (package data), not beside this module.
DATA = Path(__file__).resolve().parents[1] / "data"
ATTRIBUTION = "Epoch AI, AI chip counts by owner (github.com/epoch-research/ai-chip-counts, MIT)"


@dataclass(frozen=True)
class OwnerEstimate:
    """An owner's cumulative compute at a quarter's end, H100-equivalents: the median and the
    5th and 95th percentiles of Epoch's estimate."""

    median: float
    low: float
    high: float


@dataclass(frozen=True)
class ChipSeries:
    """One chip type's estimates: by quarter end, by owner."""

    chip: str
    quarters: dict[date, dict[str, OwnerEstimate]]


def chip_series(directory: Path = DATA) -> list[ChipSeries]:
    """Every chip type's series, as shipped (one ``<chip>_owners_cumulative_totals.csv`` each)."""
    found = []
    for path in sorted(directory.glob("*_owners_cumulative_totals.csv")):
        quarters: dict[date, dict[str, OwnerEstimate]] = defaultdict(dict)
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                end = datetime.strptime(row["End date"], "%m/%d/%Y").date()
                quarters[end][row["Owner"]] = OwnerEstimate(
                    float(row["Compute estimate in H100e (median)"]),
                    float(row["H100e (5th percentile)"]),
                    float(row["H100e (95th percentile)"]),
                )
        found.append(ChipSeries(path.name.split("_owners_")[0], dict(quarters)))
    return found


def compute_by_owner(directory: Path = DATA) -> dict[str, float]:
    """H100-equivalents per owner at each chip type's latest quarter, summed over chip types
    (medians), largest first."""
    totals: dict[str, float] = defaultdict(float)
    for series in chip_series(directory):
        for owner, estimate in series.quarters[max(series.quarters)].items():
            totals[owner] += estimate.median
    return dict(sorted(totals.items(), key=lambda item: -item[1]))
