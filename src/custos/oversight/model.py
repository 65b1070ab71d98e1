"""The vocabulary of incidents: their severity, the facts the laws' definitions turn on, the
payloads of their filings and the kinds.

Kept apart from the service (``oversight.incidents``), which reads the store, so the read models
(``oversight.views``) name the severity without importing the service.

A report names every model and deployment involved. Reports filed before that shape (one
``model_id``, an optional ``deployment_id``, the flags ``death`` and
``widespread_or_critical_infrastructure``, severities ``major`` and ``minor``) are read through
:func:`current_shape`, the same conversion a report in the old shape is given when it is filed
now, so both read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.core.errors import InvalidInput
from custos.core.jurisdictions import jurisdiction
from custos.filings import PUBLIC_FIELD, FilingKind
from custos.oversight.taxonomy import harm_types


class Severity(StrEnum):
    """The OECD's levels (OECD 2024, "Defining AI incidents and related terms"): a hazard could
    plausibly lead to an incident; an incident has led to harm; ``serious`` is a serious AI
    incident, the level that holds rollouts back."""

    HAZARD = "hazard"
    SERIOUS_HAZARD = "serious_hazard"
    INCIDENT = "incident"
    SERIOUS = "serious"


#: Severities of reports filed before the OECD's levels, read as an incident.
LEGACY_SEVERITIES = {"major": Severity.INCIDENT.value, "minor": Severity.INCIDENT.value}


class IncidentFact(StrEnum):
    """What happened, in the terms the jurisdictions' definitions turn on (each pack's
    ``incidents`` section says which facts meet which point of its defined terms)."""

    DEATH = "death"
    SERIOUS_HARM_TO_HEALTH = "serious_harm_to_health"
    BODILY_INJURY = "bodily_injury"
    CRITICAL_INFRASTRUCTURE_DISRUPTION = "critical_infrastructure_disruption"
    FUNDAMENTAL_RIGHTS_INFRINGEMENT = "fundamental_rights_infringement"
    PROPERTY_OR_ENVIRONMENT_HARM = "property_or_environment_harm"
    WIDESPREAD_INFRINGEMENT = "widespread_infringement"
    CYBERSECURITY_BREACH = "cybersecurity_breach"
    WEIGHTS_COMPROMISED = "weights_compromised"
    LOSS_OF_CONTROL = "loss_of_control"
    CATASTROPHIC_RISK_MATERIALISED = "catastrophic_risk_materialised"
    DECEPTIVE_SUBVERSION_OF_CONTROLS = "deceptive_subversion_of_controls"
    INTERNAL_USE = "internal_use"


class ReporterRole(StrEnum):
    PROVIDER = "provider"
    DEPLOYER = "deployer"
    USER = "user"
    AFFECTED_PERSON = "affected_person"
    THIRD_PARTY = "third_party"
    SUPERVISOR = "supervisor"


def current_shape(content: Mapping[str, Any]) -> dict[str, Any]:
    """A report's content in the current shape, whichever shape it was written in."""
    shaped = dict(content)
    if "model_id" in shaped:
        shaped["model_ids"] = [shaped.pop("model_id")]
    if "deployment_id" in shaped:
        named = shaped.pop("deployment_id")
        shaped["deployment_ids"] = [] if named is None else [named]
    facts = list(shaped.get("facts", []))
    if shaped.pop("death", False):
        facts.append(IncidentFact.DEATH.value)
    # "A widespread infringement, or a serious and irreversible disruption of critical
    # infrastructure": the old flag could not say which, and is read as the first.
    if shaped.pop("widespread_or_critical_infrastructure", False):
        facts.append(IncidentFact.WIDESPREAD_INFRINGEMENT.value)
    if facts:
        shaped["facts"] = list(dict.fromkeys(facts))
    severity = shaped.get("severity")
    if isinstance(severity, str) and severity in LEGACY_SEVERITIES:
        shaped["severity"] = LEGACY_SEVERITIES[severity]
    return shaped


class IncidentReported(BaseModel):
    """The initial report of an incident involving one or more models. The reporting duties'
    clocks run from ``discovered_at`` (or, when not given, from when it occurred): California's
    15 days "of discovering" it (Bus. & Prof. Code § 22757.13(c)(1)), New York's 72 hours "from a
    determination" or from "learning facts sufficient to establish a reasonable belief" (Gen.
    Bus. Law § 1422(3)(a)), the EU's days after the provider "becomes aware" (AI Act Art. 73(2)).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    model_ids: tuple[str, ...] = Field(
        min_length=1,
        max_length=50,
        json_schema_extra=PUBLIC_FIELD,
        description="Every registered model involved; the first is the filing's subject.",
    )
    deployment_ids: tuple[str, ...] = Field(
        (),
        max_length=200,
        json_schema_extra=PUBLIC_FIELD,
        description="Every deployment involved, each a deployment of one of the models: its deployer's "
        "reporting duties (EU AI Act Art. 73 with Art. 26(5)) run from the report.",
    )
    severity: Severity = Field(json_schema_extra=PUBLIC_FIELD)
    occurred_at: AwareDatetime = Field(json_schema_extra=PUBLIC_FIELD)
    discovered_at: AwareDatetime | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="When the reporter discovered the incident, determined that it occurred, or learned "
        "facts giving a reasonable belief that it did; the reporting clocks run from it.",
    )
    harm_types: tuple[str, ...] = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="The harms, among the OECD AI Incidents Monitor's types "
        "(oversight/data/oecd-harm-types.json).",
    )
    facts: tuple[IncidentFact, ...] = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="What happened, in the terms the jurisdictions' definitions turn on.",
    )
    imminent_risk: bool = Field(
        False,
        json_schema_extra=PUBLIC_FIELD,
        description="The incident poses an imminent risk of death or serious physical injury (the 24-hour "
        "disclosures of Bus. & Prof. Code § 22757.13(c)(2) and Gen. Bus. Law § 1422(3)(b)).",
    )
    affected_people: int | None = Field(None, ge=0, json_schema_extra=PUBLIC_FIELD)
    affected_jurisdictions: tuple[str, ...] = Field((), max_length=100, json_schema_extra=PUBLIC_FIELD)
    reporter_role: ReporterRole | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="In what capacity the reporter reports; by default the role it acts in.",
    )
    incomplete: bool = Field(
        False,
        json_schema_extra=PUBLIC_FIELD,
        description="An initial report that is incomplete, to be followed by a complete one "
        "(AI Act Art. 73(5)).",
    )
    summary: str = Field(
        min_length=1, max_length=10_000, description="Confidential to the reporter and supervisors."
    )

    @model_validator(mode="before")
    @classmethod
    def _earlier_shape(cls, data: Any) -> Any:
        return current_shape(data) if isinstance(data, Mapping) else data

    @field_validator("model_ids", "deployment_ids")
    @classmethod
    def _distinct(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        if any(not i for i in ids):
            raise ValueError("an id is empty")
        if len(set(ids)) != len(ids):
            raise ValueError("an id is named twice")
        return ids

    @field_validator("harm_types")
    @classmethod
    def _known_harms(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in names if name not in harm_types()]
        if unknown:
            raise ValueError(f"unknown harm type {unknown[0]!r}: one of {', '.join(harm_types())}")
        return tuple(dict.fromkeys(names))

    @field_validator("affected_jurisdictions")
    @classmethod
    def _jurisdictions(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return tuple(dict.fromkeys(jurisdiction(code).code for code in codes))
        except InvalidInput as refused:  # named with the field, as every other refusal here
            raise ValueError(str(refused)) from None

    @field_validator("facts")
    @classmethod
    def _once(cls, facts: tuple[IncidentFact, ...]) -> tuple[IncidentFact, ...]:
        return tuple(dict.fromkeys(facts))

    @model_validator(mode="after")
    def _discovered_after_it_occurred(self) -> IncidentReported:
        if self.discovered_at is not None and self.discovered_at < self.occurred_at:
            raise ValueError("discovered_at is before occurred_at: an incident is discovered after it occurs")
        return self


class IncidentStep(BaseModel):
    """A supervisor's step on an incident (confirming or closing it), with the reason on the record."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)


class IncidentPublished(BaseModel):
    """A supervisor publishes an incident: the public then sees this summary, which the
    supervisor writes (redacted of what must stay confidential), never the reporter's own."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    summary: str = Field(min_length=1, max_length=5000, json_schema_extra=PUBLIC_FIELD)


class IncidentUpdated(BaseModel):
    """A follow-up or final report on an incident: what was learned since, the corrective
    measures and the root cause. The initial report is the ``incident.reported`` filing itself;
    a final report answers a duty that asks for one (``evidence_when: {stage: [final]}``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    incident_id: str = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="The incident reported on."
    )
    stage: Literal["follow_up", "final"] = Field(json_schema_extra=PUBLIC_FIELD)
    learned: str = Field(
        min_length=1, max_length=10_000, description="What was learned since the last report."
    )
    corrective_measures: str | None = Field(None, max_length=10_000)
    root_cause: str | None = Field(None, max_length=10_000)


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


INCIDENT_REPORTED = FilingKind(
    "incident.reported", IncidentReported, "An incident involving models: the initial report."
)
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
INCIDENT_UPDATED = FilingKind(
    "incident.updated", IncidentUpdated, "A follow-up or final report on an incident."
)
INCIDENT_PUBLISHED = FilingKind(
    "incident.published", IncidentPublished, "A supervisor publishes an incident with a public summary."
)
