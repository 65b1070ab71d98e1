"""Market structure as the API answers it: concentration per market over time, single points of
failure, counterweights, merger reviews and plans, each as its reader may see it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from custos.markets.model import Band, LayerChange, RemedyKind, StressChange

Layer = Literal["compute", "models", "deployments"]
LAYERS: tuple[Layer, ...] = ("compute", "models", "deployments")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class IntervalView(_View):
    """An index's 5th, 50th and 95th percentiles when firms' sizes are uncertain."""

    low: float
    median: float
    high: float


#: A guideline band as the API shows it: the same shape a merger review files.
BandView = Band


class LevelView(_View):
    """A level of the guidelines a chart draws across, with where the text sets it."""

    hhi: float
    label: str
    citation: str


class IndicesView(_View):
    """HHI (0 to 10,000), CR1/CR3/CR5 (shares 0 to 1) and the equivalent number of firms, with
    5th-95th intervals when the sizes are estimates with percentiles. ``fringe_share`` is held by
    aggregates of many small firms (Epoch's "Other"), counted as atomistic: each contributes
    nothing to the HHI or the ratios, so the indices are lower bounds by at most that share."""

    hhi: float
    cr1: float
    cr3: float
    cr5: float
    equivalent_firms: float
    intervals: dict[str, IntervalView] | None = None
    fringe_share: float = 0.0
    us: BandView
    eu: BandView


class ShareView(_View):
    name: str
    organisation_id: str | None = Field(
        None, description="The registry organisation the firm is, where it is one (an explicit mapping)."
    )
    size: float
    share: float
    low: float | None = Field(None, description="The size's 5th percentile, where estimated.")
    high: float | None = Field(None, description="The size's 95th percentile, where estimated.")
    aggregate: bool = Field(False, description="An aggregate of many firms, not one firm.")


class PointView(_View):
    as_of: date
    total: float
    firms: int
    indices: IndicesView
    shares: tuple[ShareView, ...] = Field(
        description="The largest firms, largest first (and any asked for by name, as a merger's parties)."
    )
    others: int = Field(0, description="Firms not listed in ``shares``.")
    others_share: float = Field(0.0, description="Their summed share.")


class MarketView(_View):
    """One market's concentration over time, oldest point first."""

    layer: Layer
    key: str
    title: str
    unit: str = Field(description="What the sizes count, e.g. 'H100-equivalents', 'FLOP', 'EUR'.")
    counted: Literal["firm", "model"] = Field(
        "firm", description="What holds the shares: firms, or models (deployments by model)."
    )
    source: str
    sector: str | None = None
    jurisdiction: str | None = None
    points: tuple[PointView, ...]
    notes: tuple[str, ...] = ()


class ConcentrationView(_View):
    as_of: date
    markets: tuple[MarketView, ...]
    levels: tuple[LevelView, ...] = Field(description="The guidelines' HHI levels, for charts.")
    withheld: tuple[str, ...] = Field(
        (), description="The titles of markets computed from confidential filings, shown to supervisors only."
    )


class ProviderDependencyView(_View):
    organisation_id: str
    name: str
    deployments: int
    institutions: int
    exposure_eur: float
    deployment_share: float
    institution_share: float
    exposure_share: float
    linchpin: bool


class FallbackView(_View):
    """Deployments that could switch provider: the host share is of deployments on an outside
    host, the model share of all deployments; None when there are none."""

    deployments: int
    hosted: int
    host_fallback: int
    model_fallback: int
    host_share: float | None
    model_share: float | None


class CounterweightView(_View):
    """A model that could take over others' deployments: public-interest or exportable."""

    model_id: str
    name: str
    developer: str
    public_interest: bool
    grounds: str | None = None
    open_weights: bool
    escrowed: bool
    deployments: int
    fallback_for: int = Field(description="Deployments that name it as a fallback.")


class AbsorptionView(_View):
    """Per sector (None: all), the deployments whose model is exportable (open weights or weights
    in escrow: a host failure can be routed around by running it elsewhere), their exposure, and
    the share a public-interest model already serves or backs up."""

    sector: str | None
    deployments: int
    exportable_model: int
    exportable_share: float | None
    exposure_eur: float
    public_interest_capacity: float | None


class DominatorNodeView(_View):
    """A node of the dominator tree: ``parent`` is its nearest single dominator among providers
    and models (None when only the root stands above it); a deployment's ``parent`` is on its
    model's side and ``host_parent`` on its host's, since it needs both."""

    id: str
    layer: Literal["provider", "model", "deployment"]
    name: str
    parent: str | None
    host_parent: str | None = None
    cuts_off: int = Field(description="Deployments that lose service if it fails alone.")


class DependenciesView(_View):
    """``threshold`` is None when no active pack sets one: then nobody is a linchpin."""

    computed_at: datetime
    threshold: float | None
    threshold_source: str | None
    deployments: int
    providers: tuple[ProviderDependencyView, ...]
    linchpins: tuple[str, ...]
    interoperability: FallbackView
    by_sector: dict[str, FallbackView]
    counterweights: tuple[CounterweightView, ...]
    absorption: tuple[AbsorptionView, ...]
    dominators: tuple[DominatorNodeView, ...]
    notes: tuple[str, ...] = ()


class AssessmentView(_View):
    """A filed dependency assessment: the linchpins are public, the figures the provider's own
    row and supervisors'."""

    id: str
    assessed_at: datetime
    threshold: float
    threshold_source: str
    deployments: int
    linchpins: tuple[str, ...]
    linchpin_names: tuple[str, ...]
    providers: tuple[ProviderDependencyView, ...] = ()


class RemedyView(_View):
    id: str
    review_id: str
    organisation_id: str
    remedy: RemedyKind
    terms: str | None = None
    imposed_at: datetime
    answered_by: str | None = Field(None, description="The fallback plan that answers it, if any.")


class MergerReviewView(_View):
    id: str
    reviewed_at: datetime
    acquirer_id: str
    acquirer: str
    target_id: str
    target: str
    layers: tuple[LayerChange, ...] = ()
    new_single_points: tuple[str, ...] = ()
    linchpin_before: bool | None = None
    linchpin_after: bool | None = None
    exposure_share_before: float | None = None
    exposure_share_after: float | None = None
    stress: StressChange | None = None
    notes: tuple[str, ...] = ()
    remedies: tuple[RemedyView, ...] = ()


class FallbackPlanView(_View):
    id: str
    organisation_id: str
    organisation: str = Field(description="The organisation's registry name.")
    plan: RemedyKind
    summary: str | None = None
    tested_on: date | None = None
    valid_until: date
    filed_at: datetime


class DesignationView(_View):
    id: str
    model_id: str
    model: str = Field(description="The model's registry name.")
    public_interest: bool
    grounds: str
    designated_at: datetime


class WhatIfView(_View):
    """The stress test with deployments of a sector given a public-interest model as fallback."""

    sector: str
    model_id: str
    model: str
    deployments: int
    scenario: str
    level: float
    draws: int
    before_expected_shortfall_eur: float
    after_expected_shortfall_eur: float
    change_eur: float
