"""The labour instrument's filing kind: a run, its inputs and its figures, as one public filing.

A run takes a fraction of a second, so it is computed where it is asked for and its results go
in the filing itself: the log holds everything a reader needs to check a published figure (the
scenario and programme texts with their digests, the data files' digests, the seed, what the
registry contributed) and the figures themselves. Every field is public: the figures are
aggregates of public data and of public registry fields.

Kept apart from the computations so that composing an installation (which declares every kind)
costs no import of numpy or numba.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from custos.filings import PUBLIC_FIELD, FilingKind

_PUBLIC = PUBLIC_FIELD


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class YearlyPercentiles(_Part):
    """A yearly figure's 5th, 50th and 95th percentiles over the draws, one entry per year."""

    p5: list[float]
    p50: list[float]
    p95: list[float]


class LevyShare(_Part):
    """A deployer's part of the deployer levy: its deployments' labour exposure over all
    deployers', and what that share of the levy comes to a year at the median cost."""

    organisation_id: str
    name: str
    deployments: int = Field(description="Its deployments counted, in sectors the registry shows publicly")
    exposure_weight: float = Field(
        # Runs filed before the field had its name carry it as exposure_weighted_workers.
        validation_alias=AliasChoices("exposure_weight", "exposure_weighted_workers"),
        description=(
            "Deployments x exposure-weighted workers of the groups they reach (sum over its "
            "deployments of sum_g weight(sector, g) x exposure-weighted workers of group g): a "
            "relative weight, not a count of people"
        ),
    )
    share: float = Field(ge=0, le=1, description="Its share of the levy (all deployers' shares sum to 1)")
    levy_usd: list[float] = Field(description="Its levy per year at the median total cost, USD")


class DistributionRowResult(_Part):
    """A row of a distribution table: workers, and the draws' medians over the horizon."""

    key: str
    label: str
    workers: float
    exposure_weighted_workers: float
    displaced_median_workers: float
    wage_loss_median_usd: float
    benefits_median_usd: float
    net_loss_median_usd: float = Field(description="Median over draws of wage loss minus benefits, USD")


class LabourRunResults(_Part):
    """A run's figures: per year percentiles, the allocation, the levy and the distribution."""

    years: list[int]
    displaced_workers: YearlyPercentiles = Field(description="Workers displaced in the year")
    cumulative_displaced_workers: YearlyPercentiles
    still_out_workers: YearlyPercentiles = Field(
        description="Of those displaced in the year, not re-employed within a year"
    )
    wage_loss_usd: YearlyPercentiles = Field(
        description="Earnings lost in the year by all displaced so far, USD"
    )
    programme_cost_usd: dict[str, YearlyPercentiles] = Field(
        description="Per programme (unemployment_insurance, wage_insurance, retraining), USD a year"
    )
    total_cost_usd: YearlyPercentiles
    horizon_displaced_workers_p50: float = Field(
        description="Median of the workers displaced over the horizon"
    )
    horizon_total_cost_usd_p50: float = Field(description="Median of the total cost over the horizon, USD")
    allocation_share: dict[str, float] = Field(
        description="The design's stated shares: budget, deployer_levy, liability_pool (sum 1)"
    )
    allocation_usd: dict[str, list[float]] = Field(
        description="The median total cost per year times each payer's share, USD"
    )
    levy: list[LevyShare] = Field(description="Deployers' parts of the levy, largest first")
    by_quintile: list[DistributionRowResult] = Field(description="By wage quintile of workers")
    by_group: list[DistributionRowResult] = Field(description="By SOC major group")


#: The name the service boundary gives it; the class is named for the API's schema, where the
#: stress tests' results already hold ``RunResults``.
RunResults = LabourRunResults


class LabourRunCompleted(BaseModel):
    """A labour run: what it read and what it found."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(min_length=1, json_schema_extra=_PUBLIC)
    scenario: str = Field(min_length=1, json_schema_extra=_PUBLIC, description="The scenario's name")
    scenario_yaml: str = Field(json_schema_extra=_PUBLIC)
    scenario_digest: str = Field(json_schema_extra=_PUBLIC, description="sha256:<hex> of scenario_yaml")
    programmes: str = Field(min_length=1, json_schema_extra=_PUBLIC, description="The design's name")
    programmes_yaml: str = Field(json_schema_extra=_PUBLIC)
    programmes_digest: str = Field(json_schema_extra=_PUBLIC, description="sha256:<hex> of programmes_yaml")
    measure: str = Field(json_schema_extra=_PUBLIC)
    draws: int = Field(ge=1, json_schema_extra=_PUBLIC)
    seed: int = Field(ge=0, json_schema_extra=_PUBLIC)
    data_digests: dict[str, str] = Field(json_schema_extra=_PUBLIC, description="File name -> sha256:<hex>")
    registry: bool = Field(json_schema_extra=_PUBLIC, description="Whether the registry drove adoption")
    deployments_per_sector: dict[str, int] = Field(
        json_schema_extra=_PUBLIC, description="Deployments counted per sector, the what-if included"
    )
    what_if: dict[str, int] = Field(
        default_factory=dict,
        json_schema_extra=_PUBLIC,
        description="Deployments added (or removed) per sector",
    )
    multipliers: dict[str, float] = Field(
        default_factory=dict, json_schema_extra=_PUBLIC, description="Adoption multiplier per SOC major group"
    )
    results: LabourRunResults = Field(json_schema_extra=_PUBLIC)


LABOUR_RUN_COMPLETED = FilingKind(
    "labour.run_completed",
    LabourRunCompleted,
    "A labour run: displacement and safety-net costs from a scenario and a programme design.",
)
LABOUR_KINDS = (LABOUR_RUN_COMPLETED,)
