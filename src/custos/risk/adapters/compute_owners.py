"""Who owns the world's AI compute: Epoch AI's chip-count estimates, latest quarter per chip type.

Used to give compute providers plausible market shares. Each file holds cumulative estimates per
owner and quarter; the latest quarter of each chip type is taken and the types are summed, in
H100-equivalents (median estimate). Source: Epoch AI, ``epoch-research/ai-chip-counts`` (MIT).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path

#: The shipped data sit at the top of ``custos.risk`` (package data), not beside this module.
DATA = Path(__file__).resolve().parents[1] / "data"
ATTRIBUTION = "Epoch AI, AI chip counts by owner (github.com/epoch-research/ai-chip-counts, MIT)"


def compute_by_owner(directory: Path = DATA) -> dict[str, float]:
    """H100-equivalents per owner, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for path in sorted(directory.glob("*_owners_cumulative_totals.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        latest = max(datetime.strptime(row["End date"], "%m/%d/%Y") for row in rows)
        for row in rows:
            if datetime.strptime(row["End date"], "%m/%d/%Y") == latest:
                totals[row["Owner"]] += float(row["Compute estimate in H100e (median)"])
    return dict(sorted(totals.items(), key=lambda item: -item[1]))
