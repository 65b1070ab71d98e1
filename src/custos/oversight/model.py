"""The vocabulary of incidents: their severity, the payloads of their filings and the kinds.

Kept apart from the service (``oversight.incidents``), which reads the store, so the read models
(``oversight.views``) name the severity without importing the service.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.filings import PUBLIC_FIELD, FilingKind


class Severity(StrEnum):
    SERIOUS = "serious"  # the sense of EU AI Act Art. 3(49): death, serious harm, disruption
    MAJOR = "major"
    MINOR = "minor"


class IncidentReported(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    severity: Severity = Field(json_schema_extra=PUBLIC_FIELD)
    occurred_at: AwareDatetime = Field(json_schema_extra=PUBLIC_FIELD)
    summary: str = Field(min_length=1, max_length=10_000)


class IncidentStep(BaseModel):
    """A supervisor's step on an incident (confirming or closing it), with the reason on the record."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)


INCIDENT_REPORTED = FilingKind("incident.reported", IncidentReported, "An incident involving a model.")
INCIDENT_CLOSED = FilingKind("incident.closed", IncidentStep, "An incident is closed.")
INCIDENT_CONFIRMED = FilingKind(
    "incident.confirmed",
    IncidentStep,
    "A supervisor confirms a third party's incident report: it holds rollouts back as the holder's does.",
)
