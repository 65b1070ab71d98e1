"""The vocabulary of market supervision as filings: dependency assessments, merger reviews and their
remedies, fallback plans, and public-interest designations.

A supervisor files the dependency network's single points of failure as it stands
(``markets.dependencies_assessed``): each provider's share of deployments, institutions and
exposure that would lose service with no fallback from another provider, and whether it is above
the linchpin threshold of the packs. Like the designation of critical ICT third-party providers
under DORA (Regulation (EU) 2022/2554, Art. 31), the list of linchpins is public (Art. 31(9)
has the list published) while the figures are the provider's and the supervisors'. The packs read
each provider's latest shares as facts.

A merger review (``markets.merger_reviewed``) records the change in concentration per layer and
sector, the single points of failure the merger creates, and a stress test re-run with the merged
firm as one failure unit; its remedies (``markets.remedy_imposed``) are conditions on the merged
firm that the packs read. A provider answers a linchpin duty or a remedy with a fallback plan
(``markets.fallback_plan_filed``), valid until the date it states. A supervisor designates a model
as a public-interest model, with its grounds (``markets.public_interest_designated``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from custos.filings import OWNER_FIELD, PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProviderDependency(_Payload):
    """What one provider's failure alone cuts off; the figures are the provider's and supervisors'."""

    organisation_id: str = Field(min_length=1)
    deployments: int = Field(ge=0)
    institutions: int = Field(ge=0)
    exposure_eur: float = Field(ge=0)
    deployment_share: float = Field(ge=0, le=1)
    institution_share: float = Field(ge=0, le=1)
    exposure_share: float = Field(ge=0, le=1)
    linchpin: bool


class DependenciesAssessed(_Payload):
    """The network's single points of failure at a moment, against the packs' linchpin threshold."""

    threshold: float = Field(
        ge=0,
        le=1,
        json_schema_extra=PUBLIC_FIELD,
        description="The share of exposure above which a provider is a linchpin (a pack parameter).",
    )
    threshold_source: str = Field(
        min_length=1, max_length=300, json_schema_extra=PUBLIC_FIELD, description="The pack and parameter."
    )
    deployments: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    linchpins: tuple[str, ...] = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="The linchpins' organisation ids."
    )
    providers: tuple[ProviderDependency, ...] = Field(
        json_schema_extra=SUPERVISORS_FIELD,
        description="Every provider of the network, with what its failure alone cuts off.",
    )


class RemedyKind(StrEnum):
    """What a merger remedy asks of the merged firm."""

    INTEROPERABILITY = "interoperability"
    """Keep the merged firm's models and hosting interoperable: open interfaces, portable formats."""
    FALLBACK = "fallback"
    """Offer the deployments that depend on it a tested fallback from another provider."""
    ESCROW = "escrow"
    """Deposit the weights of its models in escrow, so a failover can run them elsewhere."""


class Band(_Payload):
    """Where a market or a merger falls in one jurisdiction's guidelines, why, and where the text
    says so."""

    jurisdiction: Literal["US", "EU"]
    key: str = Field(min_length=1, max_length=60)
    label: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=1000)
    citation: str = Field(min_length=1, max_length=300)


class LayerChange(_Payload):
    """The concentration of one market before and after the merger, with the guidelines' bands."""

    market: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=300)
    layer: str = Field(min_length=1, max_length=40)
    sector: str | None = None
    pre_hhi: float = Field(ge=0, le=10_000)
    post_hhi: float = Field(ge=0, le=10_000)
    delta_hhi: float = Field(ge=0, le=10_000)
    merged_share: float = Field(ge=0, le=1)
    us: Band
    eu: Band


class StressChange(_Payload):
    """A stress test run twice with one scenario and seed: as the market is, and with the merged
    firm as one failure unit."""

    scenario: str = Field(min_length=1, max_length=200)
    seed: int = Field(ge=0)
    draws: int = Field(ge=1)
    level: float = Field(gt=0, lt=1, description="The expected shortfall's level.")
    pre_expected_shortfall_eur: float = Field(ge=0)
    post_expected_shortfall_eur: float = Field(ge=0)
    linchpins_before: tuple[str, ...] = ()
    linchpins_after: tuple[str, ...] = ()


class MergerReviewed(_Payload):
    """A supervisor's review of one firm acquiring another."""

    acquirer_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    target_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    layers: tuple[LayerChange, ...] = Field(json_schema_extra=OWNER_FIELD)
    new_single_points: tuple[str, ...] = Field(
        (),
        json_schema_extra=OWNER_FIELD,
        description="Deployments the merged firm alone would cut off that neither firm alone did.",
    )
    linchpin_before: bool = Field(json_schema_extra=OWNER_FIELD)
    linchpin_after: bool = Field(json_schema_extra=OWNER_FIELD)
    exposure_share_before: float = Field(ge=0, le=1, json_schema_extra=OWNER_FIELD)
    exposure_share_after: float = Field(ge=0, le=1, json_schema_extra=OWNER_FIELD)
    stress: StressChange | None = Field(None, json_schema_extra=OWNER_FIELD)
    notes: tuple[str, ...] = Field((), json_schema_extra=OWNER_FIELD)

    @model_validator(mode="after")
    def _two_firms(self) -> MergerReviewed:
        if self.acquirer_id == self.target_id:
            raise ValueError("a firm cannot acquire itself")
        return self


class RemedyImposed(_Payload):
    """A condition on the merged firm, answered by a fallback plan of the remedy's kind within the
    time the packs give (their ``merger-remedy`` duties)."""

    review_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    remedy: RemedyKind = Field(json_schema_extra=PUBLIC_FIELD)
    terms: str = Field(min_length=1, max_length=4000, json_schema_extra=OWNER_FIELD)


class FallbackPlanFiled(_Payload):
    """A provider's plan for its dependants to keep service if it fails: a tested fallback, an
    interoperability plan, or weights in escrow. Valid until ``valid_until``."""

    plan: RemedyKind = Field(json_schema_extra=PUBLIC_FIELD)
    summary: str = Field(min_length=1, max_length=4000, json_schema_extra=OWNER_FIELD)
    tested_on: date | None = Field(
        None, json_schema_extra=PUBLIC_FIELD, description="When the failover was last tested."
    )
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD)

    @model_validator(mode="after")
    def _tested_fallback(self) -> FallbackPlanFiled:
        if self.plan is RemedyKind.FALLBACK and self.tested_on is None:
            raise ValueError("a fallback plan says when the failover was tested (tested_on)")
        if self.tested_on is not None and self.tested_on > self.valid_until:
            raise ValueError("tested_on falls after valid_until")
        return self


class PublicInterestDesignated(_Payload):
    """A supervisor designates a model as of public interest, or withdraws it, with the grounds."""

    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    public_interest: bool = Field(json_schema_extra=PUBLIC_FIELD)
    grounds: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)


DEPENDENCIES_ASSESSED = FilingKind(
    "markets.dependencies_assessed",
    DependenciesAssessed,
    "A supervisor records the single points of failure of the dependency network and its linchpins.",
)
MERGER_REVIEWED = FilingKind(
    "markets.merger_reviewed",
    MergerReviewed,
    "A supervisor reviews a merger: concentration per layer, new single points of failure, stress.",
)
REMEDY_IMPOSED = FilingKind(
    "markets.remedy_imposed", RemedyImposed, "A supervisor imposes a remedy on a reviewed merger."
)
FALLBACK_PLAN_FILED = FilingKind(
    "markets.fallback_plan_filed",
    FallbackPlanFiled,
    "A provider files its fallback, interoperability or escrow plan for those who depend on it.",
)
PUBLIC_INTEREST_DESIGNATED = FilingKind(
    "markets.public_interest_designated",
    PublicInterestDesignated,
    "A supervisor designates a model as of public interest, or withdraws the designation.",
)
MARKETS_KINDS = (
    DEPENDENCIES_ASSESSED,
    MERGER_REVIEWED,
    REMEDY_IMPOSED,
    FALLBACK_PLAN_FILED,
    PUBLIC_INTEREST_DESIGNATED,
)
