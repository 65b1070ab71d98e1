"""Commitments, samples, audits, training runs, statements, reconciliations and releases as the
API answers them: each as its reader may see it, so withheld figures are absent, not blank."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from custos.provenance.findings import CompositionCheck, RuleFinding, SampleRules
from custos.provenance.plausibility import ChipUse, Precision
from custos.provenance.privacy import Mechanism, NoisyCell
from custos.provenance.records import RevealedRecord


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class AuditView(_View):
    id: str
    sample_id: str
    commitment_id: str
    auditor_id: str | None = None
    audited_at: datetime
    sampled: int
    findings: tuple[RuleFinding, ...]
    composition_plausible: bool | None = None
    composition: tuple[CompositionCheck, ...] | None = None
    outcome: str
    valid_until: date


class SampleView(_View):
    """A sample: ``indices`` are the records drawn; ``reveal`` what the provider reveals, the
    drawn records and the manifest's last one, whose proof binds the record count."""

    id: str
    commitment_id: str
    model_id: str
    owner_id: str
    auditor_id: str | None = None
    engagement_id: str | None = None
    checkpoint_size: int
    checkpoint_root: str
    sample_size: int
    indices: tuple[int, ...]
    reveal: tuple[int, ...] = ()
    rules: SampleRules
    due_on: date
    requested_at: datetime
    status: str
    revealed_id: str | None = None
    audit: AuditView | None = None


class CommitmentView(_View):
    id: str
    model_id: str
    owner_id: str
    dataset: str
    scheme: str
    root: str
    record_count: int
    committed_at: datetime
    composition: dict[str, dict[str, float]] | None = None
    samples: tuple[SampleView, ...] = ()


class RevealView(_View):
    sample_id: str
    revealed_id: str
    records: tuple[RevealedRecord, ...]


class PlausibilityView(_View):
    implied_flop: float
    lower: float
    upper: float
    utilisation_range: tuple[float, float]
    declared_flop: float | None = None
    plausible: bool | None = None
    reasons: tuple[str, ...] = ()


class RunView(_View):
    id: str
    model_id: str
    owner_id: str
    declared_at: datetime
    chips: tuple[ChipUse, ...] | None = None
    started_on: date | None = None
    ended_on: date | None = None
    precision: Precision | None = None
    utilisation: float | None = None
    data_centre: str | None = None
    cloud_vendor: str | None = None
    cloud_vendor_id: str | None = None
    plausibility: PlausibilityView | None = None


class StatementView(_View):
    id: str
    vendor_id: str
    customer_id: str
    period_start: date
    period_end: date
    filed_at: datetime
    chip_hours: float | None = None
    chip: str | None = None


class ReconciliationView(_View):
    id: str
    customer_id: str
    vendor_id: str
    period_start: date
    period_end: date
    tolerance: float
    reconciled_at: datetime
    status: str | None = None
    declared_chip_hours: float | None = None
    sold_chip_hours: float | None = None
    relative_gap: float | None = None


class BudgetView(_View):
    epsilon: float | None = None
    delta: float | None = None
    epsilon_spent: float
    delta_spent: float
    epsilon_remaining: float | None = None
    delta_remaining: float | None = None
    releases: int


class ReleaseView(_View):
    id: str
    published_at: datetime
    statistic: str
    unit: str
    mechanism: Mechanism
    epsilon: float
    delta: float
    bound: float
    scale: float
    cells: tuple[NoisyCell, ...]
    epsilon_remaining: float
    delta_remaining: float


class ModelProvenanceView(_View):
    """What the passport page shows: the model's commitments with their samples and audits, and
    its training runs with their plausibility (figures to its provider and supervisors)."""

    model_id: str
    commitments: tuple[CommitmentView, ...]
    runs: tuple[RunView, ...]
