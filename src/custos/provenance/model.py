"""The vocabulary of provenance audits: commitments, samples, reveals, findings, training-run
declarations, compute statements, reconciliations and private aggregates, as filings.

A provider commits to a training dataset's manifest (``provenance.committed``): the root of a
Merkle tree over salted record hashes, the record count, and the declared composition (for
supervisors). An auditor engaged for the model, or a supervisor, asks for a sample drawn from a
checkpoint of the log signed after the commitment (``provenance.sample_requested``); the
provider reveals those records with their salts and proofs (``provenance.revealed``, seen by the
provider, the auditor and supervisors); Custos checks every proof and files the findings
(``provenance.audited``). A developer declares a training run (``provenance.run_declared``), a
cloud vendor states the chip-hours it sold (``provenance.compute_sold``, for supervisors only),
and a supervisor reconciles the two (``provenance.reconciled``). Supervisors set a privacy budget
(``provenance.budget_set``) and publish aggregates with differential privacy
(``provenance.published``), each spending part of it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.filings import PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind
from custos.provenance.findings import MOST_CATEGORIES, CompositionCheck, RuleFinding, SampleRules
from custos.provenance.plausibility import TrainingRun
from custos.provenance.privacy import Mechanism, NoisyCell
from custos.provenance.records import COMPOSITION_DIMENSIONS, RevealedRecord

#: A SHA-256 digest as lowercase hex.
SHA256_HEX = r"^[0-9a-f]{64}$"
#: The leaf hashing and salt derivation of a commitment (``custos.provenance.commitment``).
SCHEME: Literal["custos-provenance/v1"] = "custos-provenance/v1"
#: Records an auditor may ask for in one sample, and the default.
MOST_SAMPLED = 10_000
DEFAULT_SAMPLE = 300
#: The smallest epsilon a release or budget may name: below it the noise's scale overflows, and
#: no release that noisy tells anyone anything.
MIN_EPSILON = 1e-3
#: The statistics a supervisor may publish.
Statistic = Literal["training-compute", "dataset-licences"]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _shares(composition: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """A declared composition: known dimensions, each a set of shares in [0, 1] summing to 1."""
    for dimension, shares in composition.items():
        if dimension not in COMPOSITION_DIMENSIONS:
            raise ValueError(
                f"unknown dimension {dimension!r}; a composition is by {', '.join(COMPOSITION_DIMENSIONS)}"
            )
        if not shares or len(shares) > MOST_CATEGORIES:
            raise ValueError(f"{dimension} lists 1 to {MOST_CATEGORIES} categories, got {len(shares)}")
        if any(not 0 <= share <= 1 for share in shares.values()):
            raise ValueError(f"every {dimension} share lies between 0 and 1")
        if abs(sum(shares.values()) - 1) > 1e-6:
            raise ValueError(f"the {dimension} shares sum to {sum(shares.values()):.6f}, not 1")
    return composition


class DatasetCommitted(_Payload):
    """A provider's commitment to a training dataset's manifest: what anyone may check a revealed
    record against, and (for supervisors and its auditors) what the provider says is in it."""

    model_id: str = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="The model trained on it."
    )
    dataset: str = Field(
        min_length=1,
        max_length=300,
        json_schema_extra=PUBLIC_FIELD,
        description="The dataset's name, as the passport's data provenance names it.",
    )
    scheme: Literal["custos-provenance/v1"] = Field(SCHEME, json_schema_extra=PUBLIC_FIELD)
    root: str = Field(
        pattern=SHA256_HEX,
        json_schema_extra=PUBLIC_FIELD,
        description="RFC 9162 Merkle tree head over the salted record hashes, in manifest order.",
    )
    record_count: int = Field(ge=1, json_schema_extra=PUBLIC_FIELD)
    composition: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Declared shares of the records by source_type, licence and language.",
    )

    _valid_shares = field_validator("composition")(_shares)


class SampleRequest(_Payload):
    """What an auditor or supervisor asks for: a sample of a commitment's records, to be checked
    against rules. The indices are drawn by Custos from the checkpoint named (the newest when
    none is), which must postdate the commitment."""

    commitment_id: str = Field(min_length=1)
    engagement_id: str | None = Field(
        None, description="The auditor's engagement for the model in the data provenance scope."
    )
    checkpoint_size: int | None = Field(
        None, ge=1, description="The signed checkpoint whose root hash seeds the draw (by tree size)."
    )
    sample_size: int = Field(DEFAULT_SAMPLE, ge=1, le=MOST_SAMPLED)
    rules: SampleRules = Field(default_factory=SampleRules)
    respond_within_days: int = Field(30, ge=1, le=365)


class SampleRequested(_Payload):
    """A sample request as filed, with the draw anyone can repeat from the checkpoint."""

    commitment_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    engagement_id: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    auditor_id: str | None = Field(
        None, json_schema_extra=PUBLIC_FIELD, description="The auditor's organisation; none for a supervisor."
    )
    checkpoint_size: int = Field(ge=1, json_schema_extra=PUBLIC_FIELD)
    checkpoint_root: str = Field(pattern=SHA256_HEX, json_schema_extra=PUBLIC_FIELD)
    sample_size: int = Field(ge=1, le=MOST_SAMPLED, json_schema_extra=PUBLIC_FIELD)
    indices: tuple[int, ...] = Field(json_schema_extra=PUBLIC_FIELD)
    rules: SampleRules = Field(json_schema_extra=PUBLIC_FIELD)
    due_on: date = Field(json_schema_extra=PUBLIC_FIELD)


class RecordsRevealed(_Payload):
    """The provider's answer to a sample: each record asked for, with its salt and proof. Seen by
    the provider, the sample's auditor and supervisors only."""

    sample_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    records: tuple[RevealedRecord, ...] = Field(min_length=1, max_length=MOST_SAMPLED)


class SampleAudited(_Payload):
    """What Custos found in a revealed sample once every proof held: per rule the violations and
    an upper bound on their rate, and whether the declared composition fits the sample."""

    sample_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    commitment_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    auditor_id: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    sampled: int = Field(ge=1, json_schema_extra=PUBLIC_FIELD)
    findings: tuple[RuleFinding, ...] = Field(json_schema_extra=PUBLIC_FIELD)
    composition_plausible: bool | None = Field(
        json_schema_extra=PUBLIC_FIELD, description="None when no composition was declared."
    )
    composition: tuple[CompositionCheck, ...] = Field(
        (), description="The tests of the declared composition: they quote the declared shares."
    )
    outcome: Literal["pass", "fail"] = Field(json_schema_extra=PUBLIC_FIELD)
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD)


class RunDeclared(TrainingRun):
    """A developer's declaration of a training run, for supervisors and itself: the model named is
    public, the figures are not."""

    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)


class ComputeSold(_Payload):
    """A compute provider's statement of the chip-hours it sold to a developer in a period: a
    salted commitment in the log, its figures for supervisors only."""

    customer_id: str = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="The developer's organisation."
    )
    period_start: date = Field(json_schema_extra=PUBLIC_FIELD)
    period_end: date = Field(json_schema_extra=PUBLIC_FIELD)
    chip_hours: float = Field(ge=0, allow_inf_nan=False, json_schema_extra=SUPERVISORS_FIELD)
    chip: str | None = Field(None, max_length=200, json_schema_extra=SUPERVISORS_FIELD)

    @model_validator(mode="after")
    def _period_in_order(self) -> ComputeSold:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class ReconcileRequest(_Payload):
    """A supervisor's request to reconcile a developer's declared runs with a vendor's statements."""

    customer_id: str = Field(min_length=1)
    vendor_id: str = Field(min_length=1)
    period_start: date
    period_end: date
    tolerance: float = Field(0.10, gt=0, lt=1, description="The relative gap accepted, 0.10 for 10%.")


class Reconciled(_Payload):
    """The reconciliation as filed: its figures for supervisors, its status for the two parties."""

    customer_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    vendor_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    period_start: date = Field(json_schema_extra=PUBLIC_FIELD)
    period_end: date = Field(json_schema_extra=PUBLIC_FIELD)
    tolerance: float = Field(json_schema_extra=PUBLIC_FIELD)
    status: Literal[
        "consistent", "declared exceeds sold", "sold exceeds declared", "no statement", "no declaration"
    ]
    declared_chip_hours: float = Field(json_schema_extra=SUPERVISORS_FIELD)
    sold_chip_hours: float = Field(json_schema_extra=SUPERVISORS_FIELD)
    relative_gap: float | None = Field(json_schema_extra=SUPERVISORS_FIELD)
    run_ids: tuple[str, ...] = Field(json_schema_extra=SUPERVISORS_FIELD)
    statement_ids: tuple[str, ...] = Field(json_schema_extra=SUPERVISORS_FIELD)


class BudgetSet(_Payload):
    """The privacy budget every release spends from, under basic sequential composition."""

    epsilon: float = Field(ge=MIN_EPSILON, le=100, json_schema_extra=PUBLIC_FIELD)
    delta: float = Field(0.0, ge=0, lt=1e-3, json_schema_extra=PUBLIC_FIELD)
    reason: str | None = Field(None, max_length=2000, json_schema_extra=PUBLIC_FIELD)


class PublishRequest(_Payload):
    """A supervisor's request to publish one statistic with differential privacy."""

    statistic: Statistic
    mechanism: Mechanism = Mechanism.LAPLACE
    epsilon: float = Field(ge=MIN_EPSILON, le=10)
    delta: float = Field(0.0, ge=0, lt=1e-3)
    bound: float | None = Field(
        None,
        gt=0,
        description="Each provider's contribution is clipped to this norm; the statistic's default "
        "when none.",
    )
    years: tuple[Annotated[int, Field(ge=1950, le=2100)], Annotated[int, Field(ge=1950, le=2100)]] | None = (
        Field(
            None,
            description="First and last year of the training-compute statistic; the last five when none.",
        )
    )

    @model_validator(mode="after")
    def _delta_for_gaussian_only(self) -> PublishRequest:
        if self.mechanism is Mechanism.LAPLACE and self.delta:
            raise ValueError(
                "the Laplace mechanism is pure differential privacy: it spends no delta (give 0)"
            )
        if self.mechanism is Mechanism.GAUSSIAN and not self.delta:
            raise ValueError("the Gaussian mechanism needs a delta above 0 (below 0.001)")
        return self


class AggregatePublished(_Payload):
    """A differentially private release: the noisy figures, how they were made, the budget spent."""

    statistic: Statistic = Field(json_schema_extra=PUBLIC_FIELD)
    unit: str = Field(json_schema_extra=PUBLIC_FIELD)
    mechanism: Mechanism = Field(json_schema_extra=PUBLIC_FIELD)
    epsilon: float = Field(gt=0, json_schema_extra=PUBLIC_FIELD)
    delta: float = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    bound: float = Field(gt=0, json_schema_extra=PUBLIC_FIELD)
    scale: float = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    cells: tuple[NoisyCell, ...] = Field(json_schema_extra=PUBLIC_FIELD)
    epsilon_remaining: float = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    delta_remaining: float = Field(ge=0, json_schema_extra=PUBLIC_FIELD)


DATASET_COMMITTED = FilingKind(
    "provenance.committed", DatasetCommitted, "A provider commits to a training dataset's manifest."
)
SAMPLE_REQUESTED = FilingKind(
    "provenance.sample_requested",
    SampleRequested,
    "An auditor or supervisor asks for a sample of committed records.",
)
RECORDS_REVEALED = FilingKind(
    "provenance.revealed", RecordsRevealed, "A provider reveals the sampled records with their proofs."
)
SAMPLE_AUDITED = FilingKind(
    "provenance.audited", SampleAudited, "Custos records what a verified sample shows."
)
RUN_DECLARED = FilingKind(
    "provenance.run_declared", RunDeclared, "A developer declares a training run's hardware and chip-hours."
)
COMPUTE_SOLD = FilingKind(
    "provenance.compute_sold", ComputeSold, "A compute provider states the chip-hours it sold to a developer."
)
RECONCILED = FilingKind(
    "provenance.reconciled", Reconciled, "A supervisor reconciles declared and sold chip-hours."
)
BUDGET_SET = FilingKind(
    "provenance.budget_set", BudgetSet, "A supervisor sets the privacy budget of releases."
)
AGGREGATE_PUBLISHED = FilingKind(
    "provenance.published",
    AggregatePublished,
    "A supervisor publishes an aggregate with differential privacy.",
)

PROVENANCE_KINDS = (
    DATASET_COMMITTED,
    SAMPLE_REQUESTED,
    RECORDS_REVEALED,
    SAMPLE_AUDITED,
    RUN_DECLARED,
    COMPUTE_SOLD,
    RECONCILED,
    BUDGET_SET,
    AGGREGATE_PUBLISHED,
)
