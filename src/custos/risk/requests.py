"""What starting a stress-test run asks for: the scenario's text, and the network to run it on.

The API takes it as its body and the command line builds it from a file; the service validates
the scenario against the network before anything is written. It sits in the risk package rather
than the API so that the service can take it (the API is the layer above).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = Field(min_length=1, max_length=1_000_000, description="The scenario, as YAML text")
    network: str | None = Field(
        None,
        description="A network from GET /v1/risk/networks; by default the one the scenario names "
        "(by name), else registry",
    )
    target_se: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="Draw until the relative standard error of the expected shortfall at the capital "
        "level is at most this (0.01: 1%); overrides the scenario's precision.target_se",
    )
    max_draws: int | None = Field(
        None,
        ge=1,
        le=100_000_000,
        description="With target_se: the most draws to make (default the scenario's, else 10,000,000)",
    )


class ReverseStressRequest(BaseModel):
    """What a reverse stress test asks: the scenario whose loss rates and contagion apply, the
    network, the threshold, and how wide and deep the exhaustive search goes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = Field(min_length=1, max_length=1_000_000, description="The scenario, as YAML text")
    network: str | None = Field(
        None,
        description="A network from GET /v1/risk/networks; by default the one the scenario names "
        "(by name), else registry",
    )
    threshold: float = Field(
        gt=0, allow_inf_nan=False, description="The system loss to reach, in the network's currency"
    )
    candidates: int = Field(20, ge=1, le=200, description="Units searched exhaustively, by loss alone")
    max_size: int = Field(4, ge=1, le=8, description="The largest set searched exhaustively")
