"""The labour instrument as a reader receives it: exposure, the paper's headline checked, the
crosswalk, the shipped scenarios and programme designs, and filed runs.

These are what :class:`custos.labor.service.LabourService` returns and the API's response
models. Every figure names its unit: ``_workers`` (people, or full workloads of exposed tasks
where it says ``exposed``), ``_usd`` (US dollars, as the BLS wages are), ``_share`` (0 to 1).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from custos.labor.filings import LabourRunResults
from custos.labor.occupations import Measure
from custos.labor.safety_nets import ProgrammeDesign
from custos.labor.scenario import Scenario

Level = Literal["group", "occupation"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ExposureRowView(_View):
    """An occupation or SOC major group: its workers and wage bill, and their exposed parts."""

    code: str = Field(description="O*NET-SOC code of an occupation, or SOC major group code")
    title: str
    workers: int = Field(description="BLS employment, split among occupations in whole workers")
    wage_bill_usd: float = Field(description="Annual mean wage x workers, USD a year")
    exposed_workers: float = Field(
        description="Workers x share of tasks exposed: full workloads of exposed tasks"
    )
    exposed_wage_bill_usd: float = Field(description="Wage bill x share of tasks exposed, USD a year")
    exposed_share: float = Field(description="exposed_workers / workers")


class ExposureView(_View):
    measure: Measure
    level: Level
    rows: list[ExposureRowView]
    workers: int
    wage_bill_usd: float
    exposed_workers: float
    exposed_wage_bill_usd: float
    note: str = Field(description="What the measure counts and what exposure-weighted means")
    attribution: str


class HeadlineMeasureView(_View):
    """The paper's headline shares recomputed for one measure, beside the paper's figures."""

    measure: Measure
    workers: int
    at_least_tenth_share: float = Field(description="Workers in occupations with >= 10% of tasks exposed")
    over_half_share: float = Field(description="Workers in occupations with > 50% of tasks exposed")
    at_least_half_share: float = Field(description="Workers in occupations with >= 50% of tasks exposed")
    paper_at_least_tenth_share: float | None = Field(
        description="The paper's figure; null for a measure the paper published none for"
    )
    paper_over_half_share: float | None = Field(
        description="The paper's figure; null for a measure the paper published none for"
    )
    difference_at_least_tenth_share: float | None = Field(description="Data minus paper; null as above")
    difference_over_half_share: float | None = Field(description="Data minus paper; null as above")
    agrees: bool | None = Field(
        description="Both differences within tolerance_share; null for a measure the paper published none for"
    )


class HeadlineView(_View):
    measure: Measure = Field(description="The measure the paper's headline uses")
    tolerance_share: float
    agrees: bool = Field(description="Whether the paper's measure agrees with the paper")
    measures: list[HeadlineMeasureView]
    note: str


class UnmatchedView(_View):
    onet_code: str
    title: str
    reason: str


class CrosswalkView(_View):
    split_rule: str
    matched_occupations: int
    soc_codes: int
    workers: int = Field(description="Total employment of the matched SOC codes, conserved by the split")
    unmatched: list[UnmatchedView]
    top_coded_soc_codes: list[str]
    top_code_usd: float = Field(description="The BLS top code taken for wages marked '#', USD a year")


class ScenarioView(_View):
    name: str
    description: str
    source: str | None
    years: list[int]
    registry_linked: bool = Field(description="Whether the registry's deployments can drive adoption")
    definition: Scenario
    yaml: str


class ProgrammeView(_View):
    name: str
    description: str
    source: str | None
    definition: ProgrammeDesign
    yaml: str


class RunSummary(_View):
    run_id: str
    filing_id: str
    filed_at: datetime
    filed_by: str
    scenario: str
    programmes: str
    measure: Measure
    draws: int
    seed: int
    registry: bool
    horizon_displaced_workers_p50: float
    horizon_total_cost_usd_p50: float


class LabourRunView(RunSummary):
    """A filed run: its summary, every input it read, and its results."""

    scenario_yaml: str
    scenario_digest: str
    programmes_yaml: str
    programmes_digest: str
    data_digests: dict[str, str]
    deployments_per_sector: dict[str, int]
    what_if: dict[str, int]
    multipliers: dict[str, float]
    results: LabourRunResults
    programmes_in_design: list[str] = Field(
        default_factory=list, description="The programmes its design funds; the others cost nothing by design"
    )
    notes: list[str] = Field(
        default_factory=list, description="What a reader must know to read the figures (a levy with no payer)"
    )


#: The name the service boundary gives it; the class is named for the API's schema, where
#: provenance already holds ``RunView`` (a declared training run).
RunView = LabourRunView
