"""Incidents as the incident service returns them: after a step, in a list, and in full with
the jurisdictions' classifications, the clocks the report started and the reports that followed.

Fields a reader may not see, or a step does not carry, are absent, not null."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.oversight.model import IncidentFact, ReporterRole

ClockStatus = Literal[
    "open", "overdue", "discharged_on_time", "discharged_late", "waived", "lapsed", "undetermined"
]


class Classification(BaseModel):
    """A term a loaded pack defines that the incident meets, and by which points."""

    model_config = ConfigDict(frozen=True)

    pack: str
    jurisdiction: str
    term: str
    article: str
    points: tuple[str, ...]


class IncidentClock(BaseModel):
    """A duty whose clock the incident started, on one model or deployment."""

    model_config = ConfigDict(frozen=True)

    pack: str
    jurisdiction: str
    subject_id: str
    subject_name: str | None = Field(
        None, description="The model's or deployment's name, when the reader may see it."
    )
    title: str
    article: str
    due_at: AwareDatetime | None = None
    status: ClockStatus
    closed_at: AwareDatetime | None = Field(None, description="When it was discharged, waived or lapsed.")


class IncidentReportView(BaseModel):
    """A report or disclosure that followed the initial report."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    kind: str
    filed_at: AwareDatetime
    stage: Literal["follow_up", "final"] | None = None
    withheld: tuple[str, ...] = ()


class IncidentView(BaseModel):
    """An incident: after a report, what was reported; after a confirmation or a closing, the
    reason given; read in full, everything its reader may see."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    status: Literal["open", "confirmed", "closed"]
    model_ids: tuple[str, ...] | None = None
    deployment_ids: tuple[str, ...] | None = None
    severity: str | None = Field(
        None, description="hazard, serious_hazard, incident or serious (OECD levels)."
    )
    occurred_at: AwareDatetime | None = None
    discovered_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None
    harm_types: tuple[str, ...] | None = None
    facts: tuple[IncidentFact, ...] | None = None
    imminent_risk: bool | None = None
    affected_people: int | None = None
    affected_jurisdictions: tuple[str, ...] | None = None
    reporter_role: ReporterRole | None = None
    incomplete: bool | None = None
    summary: str | None = Field(None, description="The reporter's own account: confidential.")
    published_at: AwareDatetime | None = None
    public_summary: str | None = Field(None, description="What a supervisor published.")
    reason: str | None = Field(None, description="Why it was confirmed or closed.")
    disclosed_to: str | None = Field(None, description="The authority it was disclosed to.")
    disclosed_at: AwareDatetime | None = None
    classifications: tuple[Classification, ...] | None = None
    clocks: tuple[IncidentClock, ...] | None = None
    reports: tuple[IncidentReportView, ...] | None = None
    withheld: tuple[str, ...] | None = None


class IncidentList(BaseModel):
    model_config = ConfigDict(frozen=True)

    incidents: tuple[IncidentView, ...]
    total: int = Field(description="How many incidents the reader may see match the filters.")
    limit: int
    offset: int
