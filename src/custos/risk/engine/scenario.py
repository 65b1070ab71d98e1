"""Stress-test scenarios: the validated model a run is compiled from (see ``plan``).

A scenario says what fails for certain (provider outages, compromised or mispricing models), what
may fail at random and how those failures are correlated (a Gaussian or Student-t copula whose
correlation follows shared dependencies, or a matrix given outright), which asset prices move,
which contagion model spreads the losses, and how many reproducible draws to make. It may name
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
    """A relative move of the external assets of one sector (or all), drawn each time when volatile."""

    sector: str = "all"
    mean: float = Field(ge=-1, le=1)
    volatility: float = Field(0.0, ge=0, le=1)


class Buffers(_Strict):
    capital_level: Level = Field(0.99, description="Expected-shortfall level of the capital requirement")
    cost_of_capital: Fraction = Field(0.06, description="Loading on capital in the insurance premium")
    pool_quantile: Level = Field(0.995, description="Quantile of system loss the pool is sized to")
    insurance_capacity: float | None = Field(
        None, gt=0, description="Above this a lone failure is uninsurable"
    )


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
    fallback_recovery: Fraction = Field(0.8, description="Share of a loss a working fallback model avoids")
    contagion: Contagion = Contagion()
    levels: list[Level] = Field(default_factory=lambda: [0.95, 0.99, 0.999], min_length=1)
    default_counts: list[Annotated[int, Field(ge=1)]] = Field(default_factory=lambda: [1, 5, 10])
    buffers: Buffers = Buffers()
