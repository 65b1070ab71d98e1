"""What a caller asks the market service for, from the API, the command line or the client."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from custos.markets.model import FallbackPlanFiled, RemedyKind

#: Draws a merger review or a what-if may ask for: each runs the stress test twice.
MOST_DRAWS = 200_000
DEFAULT_DRAWS = 20_000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MergerRequest(_Request):
    """A merger to review. Firms are named by organisation id or registry name."""

    acquirer: str = Field(min_length=1, max_length=255)
    target: str = Field(min_length=1, max_length=255)
    scenario: str | None = Field(
        None,
        max_length=200_000,
        description="A stress scenario (YAML) to re-run; the shipped provider-failure scenario when absent.",
    )
    draws: int = Field(DEFAULT_DRAWS, ge=1_000, le=MOST_DRAWS)


class RemedyRequest(_Request):
    remedy: RemedyKind
    terms: str = Field(min_length=1, max_length=4000)


class FallbackPlanRequest(FallbackPlanFiled):
    """A fallback plan; a supervisor names the organisation it is for, anyone else files their own."""

    organisation_id: str | None = Field(None, min_length=1)


class DesignationRequest(_Request):
    model: str = Field(min_length=1, max_length=255, description="The model, by id or registry name.")
    public_interest: bool = True
    grounds: str = Field(min_length=1, max_length=2000)


class WhatIfRequest(_Request):
    """If deployments of ``sector`` could fail over to public-interest model ``model``."""

    sector: str = Field(min_length=1, max_length=40)
    model: str = Field(min_length=1, max_length=255)
    scenario: str | None = Field(None, max_length=200_000)
    draws: int = Field(DEFAULT_DRAWS, ge=1_000, le=MOST_DRAWS)
