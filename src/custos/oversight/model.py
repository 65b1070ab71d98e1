"""The vocabulary of incidents: their severity, the payloads of their filings and the kinds.

Kept apart from the service (``oversight.incidents``), which reads the store, so the read models
(``oversight.views``) name the severity without importing the service.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from custos.filings import PUBLIC_FIELD, FilingKind


class Severity(StrEnum):
    SERIOUS = "serious"  # the sense of EU AI Act Art. 3(49): death, serious harm, disruption
    MAJOR = "major"
    MINOR = "minor"


class IncidentReported(BaseModel):
    """A report of an incident involving a model. The reporting duties' clocks run from
    ``discovered_at`` (or, when not given, from when it occurred): California's 15 days "of
    discovering" it (Bus. & Prof. Code § 22757.13(c)(1)), New York's 72 hours "from a
    determination" or from "learning facts sufficient to establish a reasonable belief" (Gen. Bus.
    Law § 1422(3)(a)), the EU's days after the provider "becomes aware" (AI Act Art. 73(2))."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    severity: Severity = Field(json_schema_extra=PUBLIC_FIELD)
    occurred_at: AwareDatetime = Field(json_schema_extra=PUBLIC_FIELD)
    discovered_at: AwareDatetime | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="When the reporter discovered the incident, determined that it occurred, or learned "
        "facts giving a reasonable belief that it did; the reporting clocks run from it.",
    )
    imminent_risk: bool = Field(
        False,
        json_schema_extra=PUBLIC_FIELD,
        description="The incident poses an imminent risk of death or serious physical injury (the 24-hour "
        "disclosures of Bus. & Prof. Code § 22757.13(c)(2) and Gen. Bus. Law § 1422(3)(b)).",
    )
    deployment_id: str | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The deployment of the model it happened in, when it did: a high-risk deployment's "
        "reporting duties (EU AI Act Art. 73) run from it.",
    )
    death: bool = Field(
        False,
        json_schema_extra=PUBLIC_FIELD,
        description="It caused a person's death (Art. 73(4): at the latest 10 days after becoming aware).",
    )
    widespread_or_critical_infrastructure: bool = Field(
        False,
        json_schema_extra=PUBLIC_FIELD,
        description="A widespread infringement, or a serious and irreversible disruption of critical "
        "infrastructure (Art. 73(3): at the latest 2 days after becoming aware).",
    )
    summary: str = Field(min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _discovered_after_it_occurred(self) -> IncidentReported:
        if self.discovered_at is not None and self.discovered_at < self.occurred_at:
            raise ValueError("discovered_at is before occurred_at: an incident is discovered after it occurs")
        return self


class IncidentStep(BaseModel):
    """A supervisor's step on an incident (confirming or closing it), with the reason on the record."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)


class IncidentDisclosed(BaseModel):
    """A reporter's disclosure of an incident to an authority outside the supervisor: within 24
    hours, to "an authority, including any law enforcement agency or public safety agency with
    jurisdiction", when it poses an imminent risk of death or serious physical injury (Bus. &
    Prof. Code § 22757.13(c)(2); Gen. Bus. Law § 1422(3)(b))."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    incident_id: str = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="The incident disclosed."
    )
    authority: str = Field(
        min_length=1, max_length=500, json_schema_extra=PUBLIC_FIELD, description="To whom it was disclosed."
    )
    disclosed_at: AwareDatetime = Field(json_schema_extra=PUBLIC_FIELD)


INCIDENT_REPORTED = FilingKind("incident.reported", IncidentReported, "An incident involving a model.")
INCIDENT_DISCLOSED = FilingKind(
    "incident.disclosed",
    IncidentDisclosed,
    "A reporter discloses an incident to an authority outside the supervisor, such as the police.",
)
INCIDENT_CLOSED = FilingKind("incident.closed", IncidentStep, "An incident is closed.")
INCIDENT_CONFIRMED = FilingKind(
    "incident.confirmed",
    IncidentStep,
    "A supervisor confirms a third party's incident report: it holds rollouts back as the holder's does.",
)
