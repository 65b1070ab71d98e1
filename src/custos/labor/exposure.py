"""How many workers, and how much of the wage bill, language models reach: by occupation, by
SOC major group, and the paper's headline shares checked against the data.

Exposure-weighted workers are ``employment x exposure``: the number of full workloads made of
exposed tasks, not a count of people at risk. Money is the annual wage bill in US dollars (BLS
annual mean wage x employment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.labor.occupations import DEFAULT_MEASURE, Measure, OccupationTable

#: "GPTs are GPTs" (arXiv 2303.10130), from the β values: about 80% of workers are in an
#: occupation with at least 10% of its tasks exposed, 19% in one where over half are.
PAPER_AT_LEAST_TENTH = 0.80
PAPER_OVER_HALF = 0.19
#: How far the shares from the shipped data may fall from the paper's and still agree: half a
#: point for the paper's rounding to whole per cent, one point for how employment is attached
#: to O*NET occupations (the paper weights by BLS employment at the SOC level; this package
#: splits a SOC code's workers evenly among its O*NET occupations, and averaging the ratings per
#: SOC code instead moves the shares by 1.5 points at most on the same data).
HEADLINE_TOLERANCE = 0.015
#: Ratings are means of task labels written as floats, so an exact half can read
#: 0.49999999999999994; thresholds are compared within this.
RATING_EPSILON = 1e-9


@dataclass(frozen=True)
class ExposureTable:
    """Rows of occupations or groups: workers, annual wage bill (USD) and their exposed parts."""

    measure: Measure
    codes: tuple[str, ...]
    titles: tuple[str, ...]
    workers: np.ndarray
    wage_bill_usd: np.ndarray
    exposed_workers: np.ndarray
    exposed_wage_bill_usd: np.ndarray


def by_occupation(table: OccupationTable, measure: Measure = DEFAULT_MEASURE) -> ExposureTable:
    """One row per O*NET occupation, in the table's order."""
    exposure = table.exposure(measure)
    wage_bill = table.employment * table.wages
    return ExposureTable(
        measure=measure,
        codes=table.onet_codes,
        titles=table.titles,
        workers=table.employment.copy(),
        wage_bill_usd=wage_bill,
        exposed_workers=table.employment * exposure,
        exposed_wage_bill_usd=wage_bill * exposure,
    )


def by_major_group(table: OccupationTable, measure: Measure = DEFAULT_MEASURE) -> ExposureTable:
    """One row per SOC major group present, in code order: the sums of its occupations."""
    occupations = by_occupation(table, measure)
    codes, group = np.unique(np.array(table.major_codes), return_inverse=True)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=values, minlength=len(codes))

    return ExposureTable(
        measure=measure,
        codes=tuple(str(code) for code in codes),
        titles=tuple(table.major_titles[str(code)] for code in codes),
        workers=total(occupations.workers),
        wage_bill_usd=total(occupations.wage_bill_usd),
        exposed_workers=total(occupations.exposed_workers),
        exposed_wage_bill_usd=total(occupations.exposed_wage_bill_usd),
    )


@dataclass(frozen=True)
class Headline:
    """Shares of workers (employment weighted) by how much of their occupation's work is exposed,
    beside the paper's figures.

    The paper's body counts occupations where "over half" the tasks are exposed; its abstract
    says "at least 50%". Many occupations have exactly half their tasks exposed under beta, so
    both shares are given and the paper's figure is compared with the strict one."""

    measure: Measure
    workers: float
    at_least_tenth: float
    over_half: float
    at_least_half: float
    paper_at_least_tenth: float = PAPER_AT_LEAST_TENTH
    paper_over_half: float = PAPER_OVER_HALF

    @property
    def difference_at_least_tenth(self) -> float:
        """Data minus paper, as a share (0.01 is one percentage point)."""
        return self.at_least_tenth - self.paper_at_least_tenth

    @property
    def difference_over_half(self) -> float:
        """Data minus paper, as a share (0.01 is one percentage point)."""
        return self.over_half - self.paper_over_half

    def agrees(self, tolerance: float = HEADLINE_TOLERANCE) -> bool:
        """Whether both shares lie within ``tolerance`` of the paper's."""
        return (
            abs(self.difference_at_least_tenth) <= tolerance and abs(self.difference_over_half) <= tolerance
        )


def headline(table: OccupationTable, measure: Measure = DEFAULT_MEASURE) -> Headline:
    """The paper's headline shares computed from ``table`` for ``measure``."""
    exposure = table.exposure(measure)
    workers = float(table.employment.sum())

    def share(mask: np.ndarray) -> float:
        return float(table.employment[mask].sum()) / workers

    return Headline(
        measure=measure,
        workers=workers,
        at_least_tenth=share(exposure >= 0.1 - RATING_EPSILON),
        over_half=share(exposure > 0.5 + RATING_EPSILON),
        at_least_half=share(exposure >= 0.5 - RATING_EPSILON),
    )
