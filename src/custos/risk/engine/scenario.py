"""Stress-test scenarios: the validated model a run is compiled from (see ``plan``).

A scenario says what fails for certain (provider outages, compromised or mispricing models), what
may fail at random and how those failures are correlated (a Gaussian or Student-t copula whose
correlation follows shared dependencies, or a matrix given outright), which asset prices move,
which contagion model spreads the losses, whether institutions that lose sell into falling markets
(fire sales), and how many reproducible draws to make. It may name
the network it was written for, so it runs as written; a network given with the run overrides it.

Only the model lives here, so the engine can be given a scenario built in code; reading one from
YAML, with the line of every entry, is ``custos.risk.adapters.scenario_yaml``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from custos.core.errors import InvalidInput

Fraction = Annotated[float, Field(ge=0, le=1)]
Level = Annotated[float, Field(gt=0, lt=1)]


class ScenarioError(InvalidInput):
    """A scenario is refused; ``evidence`` names every problem and its line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContagionModel(StrEnum):
    EISENBERG_NOE = "eisenberg-noe"
    ROGERS_VERAART = "rogers-veraart"
    DEBTRANK = "debtrank"
    DEBTRANK_SINGLE_HIT = "debtrank-single-hit"
    THRESHOLD = "threshold"


class Copula(StrEnum):
    GAUSSIAN = "gaussian"
    STUDENT_T = "student-t"


class Contagion(_Strict):
    model: ContagionModel = ContagionModel.EISENBERG_NOE
    alpha: Fraction = Field(1.0, description="Rogers–Veraart: share of external assets realised in default")
    beta: Fraction = Field(1.0, description="Rogers–Veraart: share of interbank assets realised in default")
    lgd: Fraction = Field(1.0, description="Threshold cascades: loss given default on interbank claims")
    tolerance: float = Field(1e-12, gt=0, lt=1e-3)
    max_iterations: int = Field(10_000, ge=1, le=10_000_000)


class Outage(_Strict):
    """A compute provider is down in every draw."""

    provider: str = Field(min_length=1)
    loss_rate: Fraction = Field(0.05, description="Share of a fully unavailable deployment's exposure lost")


class Compromise(_Strict):
    """A model is compromised or misprices risk in every draw."""

    model: str = Field(min_length=1)
    loss_rate: Fraction = Field(description="Share of exposure lost by every deployment relying on it")


class FailureLaw(_Strict):
    """Random failures of one layer: a probability per node over the horizon, and the loss rate."""

    probability: Fraction = 0.0
    loss_rate: Fraction = 0.05
    overrides: dict[str, Fraction] = Field(
        default_factory=dict, description="Probability per node id or name"
    )


class Correlation(_Strict):
    """An explicit correlation matrix over named failure units (providers or models)."""

    nodes: list[str] = Field(min_length=1)
    matrix: list[list[float]]


class CorrelatedFailures(_Strict):
    copula: Copula = Copula.GAUSSIAN
    degrees_of_freedom: float = Field(4.0, gt=2, le=1000)
    base_correlation: Fraction = 0.05
    dependency_correlation: Fraction = Field(0.4, description="Added in proportion to shared dependencies")
    correlation: Correlation | None = None
    providers: FailureLaw = FailureLaw()
    models: FailureLaw = FailureLaw()

    @model_validator(mode="after")
    def _weights(self) -> CorrelatedFailures:
        if self.base_correlation + self.dependency_correlation > 1:
            raise ValueError("base_correlation plus dependency_correlation must not exceed 1")
        return self


class AssetShock(_Strict):
    """A relative move of the external assets of one sector (or all), drawn each time when volatile.

    With ``on_failure_of`` the move is joint with failures: it applies only in the draws where at
    least one of the named providers or models failed, so a scenario can say that when a widely
    used credit model fails, credit assets fall too."""

    sector: str = "all"
    mean: float = Field(ge=-1, le=1)
    volatility: float = Field(0.0, ge=0, le=1)
    on_failure_of: list[str] = Field(
        default_factory=list,
        description="Providers or models (id or name): the move applies only in draws where one of them "
        "failed; empty, in every draw",
    )
    per_failure: bool = Field(
        False, description="Scale the move by how many of on_failure_of failed in the draw (else once)"
    )

    @model_validator(mode="after")
    def _conditional(self) -> AssetShock:
        if self.per_failure and not self.on_failure_of:
            raise ValueError("per_failure needs on_failure_of: the units whose failures are counted")
        if len(set(self.on_failure_of)) != len(self.on_failure_of):
            raise ValueError("on_failure_of names a unit twice")
        return self


class FireSaleMethod(StrEnum):
    ONE_ROUND = "one-round"  # Greenwood, Landier and Thesmar (2015)
    FIXED_POINT = "fixed-point"  # Cont and Schaanning (2017)


class AssetClass(_Strict):
    """An asset class institutions sell into when they deleverage, and how its price gives way.

    Price impact is linear (Greenwood, Landier and Thesmar): selling ``market_depth`` of the class,
    in the network's currency, lowers its price by ``price_impact``; selling half of it, by half as
    much; at worst by 100%. GLT's illiquidity, the price move per unit of currency sold, is
    ``price_impact / market_depth``; Cont and Schaanning's market depth is
    ``market_depth / price_impact``, what would take the price to zero."""

    name: str = Field(min_length=1, max_length=200)
    market_depth: float = Field(
        gt=0,
        description="An amount of the class, in the network's currency, whose sale lowers its price "
        "by price_impact",
    )
    price_impact: float = Field(
        gt=0,
        le=1,
        description="The relative price fall when market_depth is sold (linear in the amount sold)",
    )
    shares: dict[str, Fraction] = Field(
        default_factory=dict,
        description="For networks without a holdings table: the share of each sector's external assets "
        "held in this class, by sector name, with 'all' for the sectors not named",
    )


class FireSales(_Strict):
    """Institutions that lose sell assets to restore their leverage, and the sales depress the prices
    of what every holder of those classes holds (overlapping portfolios, see ``fire_sales``)."""

    asset_classes: list[AssetClass] = Field(min_length=1, max_length=100)
    method: FireSaleMethod = Field(
        FireSaleMethod.FIXED_POINT,
        description="one-round: Greenwood, Landier and Thesmar's single round; fixed-point: rounds until "
        "sales settle (Cont and Schaanning)",
    )
    leverage: dict[str, Annotated[float, Field(ge=0, le=1000)]] = Field(
        default_factory=dict,
        description="Target debt over equity by institution or sector (id or name); an institution "
        "named neither keeps its own before the shock",
    )
    tolerance: float = Field(
        1e-10, gt=0, lt=1e-3, description="Fixed point: relative change of sales that settles"
    )
    max_iterations: int = Field(1_000, ge=1, le=1_000_000, description="Fixed point: most rounds per draw")

    @model_validator(mode="after")
    def _classes(self) -> FireSales:
        names = [asset.name for asset in self.asset_classes]
        if len(set(names)) != len(names):
            raise ValueError("an asset class is named twice")
        for sector in {key for asset in self.asset_classes for key in asset.shares}:
            held = sum(asset.shares.get(sector, asset.shares.get("all", 0.0)) for asset in self.asset_classes)
            if held > 1 + 1e-12:
                raise ValueError(f"the shares of sector {sector!r} add up to {held:g}, more than its assets")
        return self


class Buffers(_Strict):
    capital_level: Level = Field(0.99, description="Expected-shortfall level of the capital requirement")
    cost_of_capital: Fraction = Field(0.06, description="Loading on capital in the insurance premium")
    insurance_layer: float = Field(
        1.0,
        ge=0,
        le=100,
        description="Limit of the insurance layer each entity is priced for, as a multiple of its capital "
        "requirement; the layer attaches where the capital ends, and the pool takes what lies beyond",
    )
    pool_quantile: Level = Field(0.995, description="Quantile of system loss the pool is sized to")
    insurance_capacity: float | None = Field(
        None, gt=0, description="Above this a lone failure is uninsurable"
    )


class Precision(_Strict):
    """Draw until the Monte Carlo error of the expected shortfall at the capital level is small
    enough: the run starts with the scenario's draws and draws again with more until its relative
    standard error (by batch means) is at most ``target_se``, or ``max_draws`` is reached."""

    target_se: float = Field(
        gt=0, lt=1, description="Relative standard error of the expected shortfall at the capital level"
    )
    max_draws: int = Field(10_000_000, ge=1, le=100_000_000, description="Draws never to exceed")


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    # Excluded from dumps, so from the scenario's digest: the run files the network's own digest,
    # and where the network was found does not change what was computed.
    network: str | None = Field(
        None,
        min_length=1,
        max_length=1000,
        exclude=True,
        description="The network it was written for: a name (sample, registry, or one under "
        "<home>/networks), or, when it holds a slash, a directory relative to the scenario's file "
        "and inside its folder (./network). A network given with the run overrides it.",
    )
    draws: int = Field(10_000, ge=1, le=100_000_000)
    seed: int = Field(ge=0, lt=2**63)
    chunk_size: int = Field(
        1_000, ge=1, le=1_000_000, description="Draws per chunk: fixed, so results never depend on workers"
    )
    outages: list[Outage] = Field(default_factory=list)
    compromises: list[Compromise] = Field(default_factory=list)
    correlated_failures: CorrelatedFailures | None = None
    asset_shocks: list[AssetShock] = Field(default_factory=list)
    fire_sales: FireSales | None = Field(
        None, description="Second-round losses through fire sales; off when absent"
    )
    fallback_recovery: Fraction = Field(0.8, description="Share of a loss a working fallback model avoids")
    contagion: Contagion = Contagion()
    levels: list[Level] = Field(default_factory=lambda: [0.95, 0.99, 0.999], min_length=1)
    default_counts: list[Annotated[int, Field(ge=1)]] = Field(default_factory=lambda: [1, 5, 10])
    buffers: Buffers = Buffers()
    precision: Precision | None = None
