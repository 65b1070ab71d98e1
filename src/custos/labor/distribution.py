"""Who gains and who loses: the Monte Carlo's figures by wage quintile and by occupation group.

Quintiles are of WORKERS, not occupations: occupations are ranked by their annual mean wage and
their workers laid end to end, and each fifth of all workers is a quintile. An occupation that
straddles a boundary puts the matching share of its workers in each quintile (workers of one
occupation share its mean wage, so no finer placement is possible from the data). Ties in wage
keep the table's order.

A table row gives the workers and exposure-weighted workers of its cell, and the medians over the
draws of the workers displaced, the earnings they lose, the benefits they receive and their loss
net of benefits, over the scenario's horizon (the median of the net loss is taken draw by draw,
so it is not the difference of the two medians).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from custos.core.units import money
from custos.labor.occupations import OccupationTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
QUINTILES = 5


@dataclass(frozen=True)
class Cells:
    """The rows of a table and how occupations' workers fall into them: occupation ``o`` puts the
    share ``shares[j]`` of its workers in row ``cells[j]`` for ``j`` in ``indptr[o]:indptr[o+1]``
    (compressed rows, since an occupation falls in one or two rows of many)."""

    keys: tuple[str, ...]
    labels: tuple[str, ...]
    indptr: IntArray
    cells: IntArray
    shares: FloatArray

    def matrix(self) -> FloatArray:
        """The same as a dense occupations × rows matrix of shares."""
        occupations = len(self.indptr) - 1
        dense = np.zeros((occupations, len(self.keys)))
        rows = np.repeat(np.arange(occupations), np.diff(self.indptr))
        np.add.at(dense, (rows, self.cells), self.shares)
        return dense


def _compressed(keys: tuple[str, ...], labels: tuple[str, ...], dense: FloatArray) -> Cells:
    rows, cells = np.nonzero(dense)
    indptr = np.zeros(dense.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=dense.shape[0]), out=indptr[1:])
    return Cells(keys, labels, indptr, cells.astype(np.int64), dense[rows, cells])


def major_groups(table: OccupationTable) -> Cells:
    """One row per SOC major group in the table, in code order."""
    keys = tuple(sorted(set(table.major_codes)))
    index = {code: row for row, code in enumerate(keys)}
    dense = np.zeros((len(table), len(keys)))
    dense[np.arange(len(table)), [index[code] for code in table.major_codes]] = 1.0
    return _compressed(keys, tuple(table.major_titles.get(code, code) for code in keys), dense)


def quintile_shares(employment: FloatArray, wages: FloatArray) -> FloatArray:
    """Each occupation's share of workers in each wage quintile (occupations × 5, rows sum to 1).

    An occupation without workers is placed, whole, in the quintile its rank falls in."""
    order = np.argsort(wages, kind="stable")
    upper = np.cumsum(employment[order])
    lower = upper - employment[order]
    bounds = upper[-1] * np.arange(QUINTILES + 1) / QUINTILES
    overlap = np.clip(
        np.minimum(upper[:, None], bounds[None, 1:]) - np.maximum(lower[:, None], bounds[None, :-1]), 0, None
    )
    sorted_shares = np.zeros_like(overlap)
    staffed = employment[order] > 0
    sorted_shares[staffed] = overlap[staffed] / employment[order][staffed, None]
    empty = np.flatnonzero(~staffed)
    sorted_shares[
        empty, np.minimum(np.searchsorted(bounds[1:], lower[empty], side="right"), QUINTILES - 1)
    ] = 1.0
    shares: FloatArray = np.empty_like(sorted_shares)
    shares[order] = sorted_shares
    return shares


def wage_quintiles(table: OccupationTable) -> Cells:
    """Five rows, lowest wages first, each labelled with the range of occupation mean wages in it."""
    dense = quintile_shares(table.employment, table.wages)
    labels = []
    for quintile in range(QUINTILES):
        wages = table.wages[dense[:, quintile] > 0]
        span = (
            f"{money(wages.min(), 'USD')} to {money(wages.max(), 'USD')} a year"
            if len(wages)
            else "no workers"
        )
        labels.append(f"wage quintile {quintile + 1} of {QUINTILES} ({span})")
    return _compressed(tuple(f"Q{quintile + 1}" for quintile in range(QUINTILES)), tuple(labels), dense)


@dataclass(frozen=True)
class DistributionRow:
    key: str
    label: str
    workers: float
    exposure_weighted_workers: float
    displaced_median: float
    wage_loss_median_usd: float
    benefits_median_usd: float
    net_loss_median_usd: float


@dataclass(frozen=True)
class Breakdown:
    """A simulation's figures by row of a table (major group or wage quintile): ``workers`` and
    ``exposure_weighted_workers`` per row; per draw and row, over the horizon, the workers
    displaced, the earnings they lose (USD) and the benefits they receive (USD, unemployment and
    wage insurance; retraining is a service, not income)."""

    keys: tuple[str, ...]
    labels: tuple[str, ...]
    workers: FloatArray
    exposure_weighted_workers: FloatArray
    displaced: FloatArray
    wage_loss_usd: FloatArray
    benefits_usd: FloatArray

    @property
    def net_loss_usd(self) -> FloatArray:
        return self.wage_loss_usd - self.benefits_usd

    def rows(self) -> tuple[DistributionRow, ...]:
        """The table: one row per key, the draws' medians beside the fixed counts."""
        medians = [
            np.median(values, axis=0) for values in (self.displaced, self.wage_loss_usd, self.benefits_usd)
        ]
        net = np.median(self.net_loss_usd, axis=0)
        return tuple(
            DistributionRow(
                key=key,
                label=label,
                workers=float(self.workers[row]),
                exposure_weighted_workers=float(self.exposure_weighted_workers[row]),
                displaced_median=float(medians[0][row]),
                wage_loss_median_usd=float(medians[1][row]),
                benefits_median_usd=float(medians[2][row]),
                net_loss_median_usd=float(net[row]),
            )
            for row, (key, label) in enumerate(zip(self.keys, self.labels, strict=True))
        )
