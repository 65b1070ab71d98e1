"""Red-team findings as the finding service returns them: redacted for the reader.

A field the reader may not see is absent (and named in ``withheld``), never null: interfaces
dump these models with ``exclude_unset``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.assurance.findings_model import Category, Clock, Reproducibility, Source
from custos.policy.pack import EscalationStep, Severity

Status = Literal["reported", "acknowledged", "mitigated", "closed"]


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FindingView(_Read):
    """A finding as its reader may see it, with the clock running on it."""

    id: str
    status: Status
    subject_id: str
    severity: Severity
    source: Source | None = None
    found_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    published_at: AwareDatetime | None = None
    summary: str | None = Field(
        None, description="The public summary, once the finding is closed and published."
    )
    category: Category | None = None
    reproducibility: Reproducibility | None = None
    title: str | None = None
    details: str | None = None
    reproduction: str | None = None
    clock: Clock | None = Field(None, description="The clock running now; absent when closed or ungoverned.")
    due_at: AwareDatetime | None = Field(None, description="When the running clock runs out.")
    pack: str | None = Field(None, description="The governing pack (id@version) whose clocks run.")
    escalations: tuple[EscalationStep, ...] = Field((), description="The rungs of the ladder already taken.")
    withheld: tuple[str, ...] = Field((), description="Fields of the report the reader may not see.")


class FindingList(_Read):
    """The findings a reader may see, and how many there are of each severity, seen or not."""

    findings: tuple[FindingView, ...]
    counts: dict[Severity, int] = Field(description="Every finding matching the filters, by severity.")
    meanings: dict[str, dict[Severity, str]] = Field(
        {}, description="What each severity means, as each active pack with a findings section states it."
    )


class EscalationView(_Read):
    """One rung the sweep took, with how its due time was counted."""

    filing_id: str
    finding_id: str
    step: EscalationStep
    clock: Clock
    due_at: AwareDatetime
    pack: str
    pack_version: str
    article: str
    severity: Severity
    period: dict[str, int | str]
    after: dict[str, int | str]
    taken_after: AwareDatetime
    licences: tuple[str, ...] = ()
    rollouts_held: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    explanation: str


class SweepView(_Read):
    """What one sweep took: nothing when every clock is kept or every due rung was taken before."""

    escalations: tuple[EscalationView, ...]
