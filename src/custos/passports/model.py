"""The model passport: what a supervisor needs to know about one model, in one versioned record.

Sections follow what the standards can carry (CycloneDX 1.6 model cards, SPDX 3.0 AI and
Dataset profiles, Hugging Face model cards) and what the law asks (training compute with its
uncertainty, training-data provenance, known limitations, energy). Each top-level section has
a visibility of its own, so a provider can file compute figures for supervisors only while the
rest of the passport is public.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.filings import OWNER_FIELD, PUBLIC_FIELD


class Confidence(StrEnum):
    """How sure the source is of a compute figure (Epoch AI's scale)."""

    CONFIDENT = "confident"
    LIKELY = "likely"
    SPECULATIVE = "speculative"
    UNKNOWN = "unknown"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Provenance(_Section):
    """Where the passport's facts come from."""

    source: str = Field(
        description="The format or data set imported: epoch, cyclonedx, spdx, huggingface, manual."
    )
    reference: str | None = Field(None, description="Paper, model card or page describing the model.")
    developers: tuple[str, ...] = Field((), description="Organisations that developed the model, as named.")
    authors: str | None = None
    publication_date: date | None = None
    notes: str | None = None


class Dataset(_Section):
    """A training data set and its provenance (SPDX 3 Dataset profile, Croissant RAI)."""

    name: str = Field(min_length=1)
    source: str | None = Field(None, description="Where it can be obtained (URL or description).")
    licence: str | None = Field(None, description="SPDX licence expression where known.")
    collection_process: str | None = None
    size_datapoints: float | None = Field(None, ge=0)
    contains_personal_data: bool | None = None
    known_bias: str | None = None
    intended_use: str | None = None
    dataset_types: tuple[str, ...] = ()
    notes: str | None = None


class Compute(_Section):
    """Training compute, with its bounds and how it was obtained."""

    training_flop: float | None = Field(None, gt=0, description="Central estimate of training compute, FLOP.")
    training_flop_lower: float | None = Field(None, gt=0)
    training_flop_upper: float | None = Field(None, gt=0)
    confidence: Confidence = Confidence.UNKNOWN
    estimation_method: str | None = None
    estimated: bool = Field(False, description="True when computed by Custos rather than declared.")
    parameters: float | None = Field(None, gt=0)
    active_parameters: float | None = Field(
        None,
        gt=0,
        description="Parameters used per token of a mixture-of-experts model; operation counting uses "
        "them instead of the total, since experts a token does not reach cost it nothing.",
    )
    mixture_of_experts: bool | None = Field(
        None,
        description="True for a mixture-of-experts model: without active_parameters, its total "
        "parameters overstate the work per token, so operation counting is not attempted.",
    )
    training_dataset_size_datapoints: float | None = Field(None, ge=0)
    epochs: float | None = Field(
        None, gt=0, description="Passes over the training data set; operation counting multiplies by it."
    )
    hardware_type: str | None = None
    hardware_quantity: float | None = Field(None, gt=0)
    training_time_hours: float | None = Field(None, gt=0)
    utilisation: float | None = Field(None, gt=0, le=1)
    cloud_vendor: str | None = None
    data_centre: str | None = None
    power_draw_watts: float | None = Field(None, gt=0)
    finetune_flop: float | None = Field(None, ge=0)
    post_training_flop: float | None = Field(None, ge=0)
    cost_usd_2023: float | None = Field(None, ge=0)
    planned_training_flop: float | None = Field(
        None,
        gt=0,
        description="Training compute the provider plans or expects for the run, FLOP: the EU AI Act "
        "asks for notification when the threshold 'will be met' (Art. 52(1)), before training ends.",
    )
    planned_training_flop_known_on: date | None = Field(
        None,
        description="When the planned figure became known to the provider: the notification clock's start.",
    )

    @model_validator(mode="after")
    def _bounds_bracket_the_estimate(self) -> Compute:
        low, mid, high = self.training_flop_lower, self.training_flop, self.training_flop_upper
        if low is not None and high is not None and low > high:
            raise ValueError("training_flop_lower is above training_flop_upper")
        if mid is not None and ((low is not None and mid < low) or (high is not None and mid > high)):
            raise ValueError("training_flop lies outside its lower and upper bounds")
        return self

    @model_validator(mode="after")
    def _active_within_total(self) -> Compute:
        if self.active_parameters and self.parameters and self.active_parameters > self.parameters:
            raise ValueError("active_parameters exceed parameters")
        return self


class Energy(_Section):
    """Energy and emissions of training."""

    training_energy_kwh: float | None = Field(None, ge=0)
    co2_eq_kg: float | None = Field(None, ge=0)
    emissions_source: str | None = None
    location: str | None = None
    hardware_used: str | None = None


class Evaluation(_Section):
    """One result on one benchmark."""

    task: str | None = None
    dataset: str | None = None
    metric: str = Field(min_length=1)
    value: float
    verified: bool | None = None
    source: str | None = None


class DataProblem(StrEnum):
    """What was wrong with a fact as its source gave it."""

    NO_ORGANISATION = "no_organisation"
    PERCENTAGE = "percentage"
    BOUND_CROSSES_ESTIMATE = "bound_crosses_estimate"
    DUPLICATE_NAME = "duplicate_name"


class DataQualityNote(_Section):
    """A fact the source left out or wrote inconsistently, and what the import did about it.

    Kept on the passport so a reader can tell a repaired figure from a declared one and go back
    to what the source wrote, instead of the record being refused or silently altered.
    """

    field: str = Field(min_length=1, description="The field concerned: compute.utilisation, provider, ...")
    problem: DataProblem
    original: str | None = Field(description="The value as the source wrote it; null when it was blank.")
    action: str = Field(min_length=1, description="What the import did about it.")


class Passport(_Section):
    """The content of one passport version."""

    description: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    provenance: Provenance = Field(json_schema_extra=PUBLIC_FIELD)
    licence: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    datasets: tuple[Dataset, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    compute: Compute = Field(default_factory=Compute, json_schema_extra=OWNER_FIELD)
    energy: Energy = Field(default_factory=Energy, json_schema_extra=OWNER_FIELD)
    known_limitations: tuple[str, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    intended_uses: tuple[str, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    out_of_scope_uses: tuple[str, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    evaluations: tuple[Evaluation, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    # Owner by default: a note quotes the figure it concerns, which may be a withheld compute figure.
    data_quality: tuple[DataQualityNote, ...] = Field((), json_schema_extra=OWNER_FIELD)

    @field_validator("known_limitations", "intended_uses", "out_of_scope_uses")
    @classmethod
    def _no_blank_lines(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip() for v in values if v and v.strip())


class Money(_Section):
    """An amount in a currency (ISO 4217), exact."""

    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
