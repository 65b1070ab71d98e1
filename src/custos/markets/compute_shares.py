"""The compute layer's owners over time: Epoch AI's chip-count estimates summed over chip types,
quarter by quarter, with their uncertainty.

Each chip type's series starts and ends when Epoch's does (Nvidia from 2022, TPUs from 2023, AMD
and Trainium from 2024). A quarter is compared across owners only where every series has a
figure or has not started yet: before a series starts, that chip type counts as none (Epoch
estimates the accelerators in use, and these were not yet deployed at scale); after a series
ends, the quarter is left out, since a missing figure is not zero. So the last quarter is the
earliest of the series' last quarters.

An owner's 5th and 95th percentiles are summed over chip types as they are, which is exact only
if the chip types' errors move together: the interval is the widest the data allow, never too
narrow. Owners are named as Epoch names them ("Other" and "China" included); mapping them to
registry organisations is the caller's, and explicit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from custos.risk.adapters.compute_owners import ChipSeries, OwnerEstimate, chip_series


@dataclass(frozen=True)
class Quarter:
    """Every owner's cumulative compute at one quarter's end, summed over chip types, and which
    chip types had figures (the others had not started)."""

    end: date
    owners: dict[str, OwnerEstimate]
    chips: tuple[str, ...]


def owners_by_quarter(series: Sequence[ChipSeries] | None = None) -> list[Quarter]:
    """Each comparable quarter's owners, oldest first (see the module's note on which quarters)."""
    found = list(series) if series is not None else chip_series()
    if not found:
        return []
    last = min(max(chip.quarters) for chip in found)
    ends = sorted({end for chip in found for end in chip.quarters if end <= last})
    quarters = []
    for end in ends:
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        chips = []
        for chip in found:
            owners = chip.quarters.get(end)
            if owners is None:
                continue
            chips.append(chip.chip)
            for owner, estimate in owners.items():
                total = totals[owner]
                total[0] += estimate.median
                total[1] += estimate.low
                total[2] += estimate.high
        quarters.append(
            Quarter(
                end=end,
                owners={owner: OwnerEstimate(*values) for owner, values in totals.items()},
                chips=tuple(chips),
            )
        )
    return quarters
