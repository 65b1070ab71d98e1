"""Occupations with their workers, wages and exposure to language models, and the crosswalk
that builds them.

The exposure ratings ("GPTs are GPTs", Eloundou et al. 2023) are given per O*NET-SOC occupation
(``15-1252.00``); US employment and wages (BLS OEWS) per SOC code (``15-1252``), the first seven
characters of the O*NET code. Several O*NET occupations can share one SOC code. Copying the SOC
code's employment to each of them would count the same workers twice, so the crosswalk SPLITS it:
evenly among the O*NET occupations that share the code, in whole workers by largest remainder
(``split_evenly``), so each SOC code's employment, and so the total, is conserved exactly. No finer
rule is defensible from these files, which say nothing of how a SOC code's workers divide.

An occupation that cannot be joined is reported, never guessed: its SOC code has no BLS detailed
row (BLS publishes some codes only within a broader group), or BLS publishes no employment or no
annual mean wage for it. A top-coded wage (``#``, at or above USD 208,000 a year in May 2021) is
taken at the top code, and the crosswalk names the SOC codes where it did so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

import numpy as np

#: BLS May 2021 top code for annual wages: a ``#`` means at or above this, in USD.
BLS_TOP_CODED_ANNUAL_WAGE_USD = 208_000.0


class Measure(StrEnum):
    """Which exposure rating: annotated by people or by GPT-4 ("model"), and which definition.

    Alpha counts tasks an LLM alone halves the time of (E1); beta adds half of those that need
    software built on an LLM (E1 + 0.5 E2); gamma adds all of them (E1 + E2)."""

    HUMAN_ALPHA = "human_alpha"
    HUMAN_BETA = "human_beta"
    HUMAN_GAMMA = "human_gamma"
    MODEL_ALPHA = "model_alpha"
    MODEL_BETA = "model_beta"
    MODEL_GAMMA = "model_gamma"


#: The paper's headline figures ("Based on the β values, we estimate that 80% of workers ...")
#: use beta, and the paper takes the human annotations as its primary labels.
DEFAULT_MEASURE = Measure.HUMAN_BETA


def major_code(soc_code: str) -> str:
    """The SOC major group of a SOC or O*NET code: ``15-1252`` → ``15-0000``."""
    return f"{soc_code[:2]}-0000"


@dataclass(frozen=True)
class OccupationTable:
    """One row per joined O*NET occupation; arrays are read-only so a table can be shared.

    ``employment`` is in workers after the split (whole numbers, as float64 for arithmetic);
    ``wages`` is the SOC code's annual mean wage in USD; ``ratings`` are shares of tasks in [0, 1].
    """

    onet_codes: tuple[str, ...]
    titles: tuple[str, ...]
    soc_codes: tuple[str, ...]
    major_codes: tuple[str, ...]
    major_titles: Mapping[str, str]
    employment: np.ndarray
    wages: np.ndarray
    ratings: Mapping[Measure, np.ndarray]

    def __post_init__(self) -> None:
        rows = len(self.onet_codes)
        columns = {"employment": self.employment, "wages": self.wages}
        columns.update({measure.value: values for measure, values in self.ratings.items()})
        for name, values in columns.items():
            if values.shape != (rows,):
                raise ValueError(f"{name} has shape {values.shape}, expected ({rows},)")
            values.flags.writeable = False
        if {len(self.titles), len(self.soc_codes), len(self.major_codes)} != {rows}:
            raise ValueError("codes and titles must have one entry per row")
        if set(self.ratings) != set(Measure):
            raise ValueError("ratings must hold every measure")
        if any(((values < 0) | (values > 1)).any() for values in self.ratings.values()):
            raise ValueError("ratings must lie in [0, 1]")

    def exposure(self, measure: Measure) -> np.ndarray:
        """Share of each occupation's tasks exposed under ``measure``."""
        return self.ratings[measure]

    def __len__(self) -> int:
        return len(self.onet_codes)


class OnetOccupation(NamedTuple):
    """An O*NET occupation as rated in the exposure file."""

    code: str
    title: str
    ratings: Mapping[Measure, float]


class SocFigures(NamedTuple):
    """A BLS detailed occupation: employment and annual mean wage (USD); ``None`` where BLS
    publishes no estimate."""

    code: str
    title: str
    employment: int | None
    annual_mean_wage: float | None
    wage_top_coded: bool = False


class Unmatched(NamedTuple):
    """An O*NET occupation left out of the table, and why."""

    onet_code: str
    title: str
    reason: str


@dataclass(frozen=True)
class Crosswalk:
    """The joined table, what could not be joined, and the SOC codes whose wage is the top code."""

    table: OccupationTable
    unmatched: tuple[Unmatched, ...]
    top_coded: tuple[str, ...] = field(default=())


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` workers split into ``parts`` whole shares that sum to ``total`` exactly.

    Largest remainder: each part gets ``total // parts``; as every exact share ``total / parts``
    has the same remainder, the ``total % parts`` workers left over go one each to the first
    parts in order (the crosswalk orders them by O*NET code)."""
    if parts < 1:
        raise ValueError("a split needs at least one part")
    if total < 0:
        raise ValueError("a split needs a non-negative total")
    base, left = divmod(total, parts)
    return [base + 1 if index < left else base for index in range(parts)]


def crosswalk(
    occupations: Sequence[OnetOccupation],
    soc: Mapping[str, SocFigures],
    major_titles: Mapping[str, str],
) -> Crosswalk:
    """Join O*NET occupations to BLS SOC figures, splitting each SOC code's employment evenly.

    ``soc`` maps a SOC code to its BLS detailed figures; ``major_titles`` a major group code to
    its title. Rows come out in O*NET code order."""
    joined: dict[str, list[OnetOccupation]] = defaultdict(list)
    workers_of: dict[str, int] = {}
    unmatched: list[Unmatched] = []
    for occupation in sorted(occupations, key=lambda item: item.code):
        soc_code = occupation.code[:7]
        figures = soc.get(soc_code)
        if figures is None:
            reason = f"no BLS May 2021 detailed occupation {soc_code}"
        elif figures.employment is None:
            reason = f"BLS publishes no employment estimate for {soc_code}"
        elif figures.annual_mean_wage is None:
            reason = f"BLS publishes no annual mean wage for {soc_code}"
        else:
            joined[soc_code].append(occupation)
            workers_of[soc_code] = figures.employment
            continue
        unmatched.append(Unmatched(occupation.code, occupation.title, reason))
    rows: list[tuple[OnetOccupation, SocFigures, int]] = []
    for soc_code, sharing in joined.items():
        shares = split_evenly(workers_of[soc_code], len(sharing))
        rows.extend(
            (occupation, soc[soc_code], workers) for occupation, workers in zip(sharing, shares, strict=True)
        )
    rows.sort(key=lambda row: row[0].code)
    majors = tuple(major_code(figures.code) for _, figures, _ in rows)
    table = OccupationTable(
        onet_codes=tuple(occupation.code for occupation, _, _ in rows),
        titles=tuple(occupation.title for occupation, _, _ in rows),
        soc_codes=tuple(figures.code for _, figures, _ in rows),
        major_codes=majors,
        major_titles={code: major_titles.get(code, code) for code in sorted(set(majors))},
        employment=np.array([workers for _, _, workers in rows], dtype=np.float64),
        wages=np.array([figures.annual_mean_wage for _, figures, _ in rows], dtype=np.float64),
        ratings={
            measure: np.array([occupation.ratings[measure] for occupation, _, _ in rows], dtype=np.float64)
            for measure in Measure
        },
    )
    top_coded = sorted({figures.code for _, figures, _ in rows if figures.wage_top_coded})
    return Crosswalk(table, tuple(unmatched), tuple(top_coded))
