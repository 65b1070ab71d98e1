"""The vocabulary of red-team findings: their scales, the payloads of their filings and the kinds.

A finding is reported about a model or a deployment by a red team (the provider's own, an
external one, a bounty hunter). Its organisation (the owner of its ``owner`` fields) is the
model's provider or the deployment's deployer, whoever reported it: the details are embargoed to
that firm and supervisors, so a weakness is fixed before anyone else learns how to use it. The
subject, the severity and the dates that say where it stands are public; a public summary follows
only once it is closed (``finding.published``).

Every later filing names the finding as its subject: acknowledged, mitigated, retested (by an
independent auditor's attestation), reopened, escalated one rung by the sweep, published.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.assurance.model import Opinion
from custos.filings import PUBLIC_FIELD, FilingKind
from custos.policy.pack import EscalationStep, Severity


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Category(StrEnum):
    """What kind of harm the finding opens a path to."""

    CBRN_UPLIFT = "cbrn-uplift"
    CYBER = "cyber"
    AUTONOMY = "autonomy"
    MANIPULATION = "manipulation"
    DATA_LEAKAGE = "data-leakage"
    FINANCIAL_MARKET_MISUSE = "financial-market-misuse"
    OTHER = "other"


class Source(StrEnum):
    """Who found it: the provider's own red team, an external one, or a bounty programme."""

    INTERNAL = "internal"
    EXTERNAL = "external"
    BOUNTY = "bounty"


class Reproducibility(StrEnum):
    ALWAYS = "always"
    SOMETIMES = "sometimes"
    ONCE = "once"  # seen once, not reproduced since


class Clock(StrEnum):
    """The clocks a finding runs through, one after the other."""

    ACKNOWLEDGE = "acknowledge"
    MITIGATE = "mitigate"
    RETEST = "retest"


class FindingReported(_Payload):
    """A red team's finding about a model or deployment."""

    subject_id: str = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="The model or deployment it is about."
    )
    severity: Severity = Field(
        json_schema_extra=PUBLIC_FIELD,
        description="On the governing pack's scale; its meaning is stated there.",
    )
    source: Source = Field(json_schema_extra=PUBLIC_FIELD)
    found_at: AwareDatetime = Field(json_schema_extra=PUBLIC_FIELD, description="When the red team found it.")
    category: Category
    reproducibility: Reproducibility
    title: str = Field(min_length=1, max_length=300)
    details: str = Field(
        min_length=1, max_length=20_000, description="Embargoed: the provider and supervisors."
    )
    reproduction: str | None = Field(
        None, max_length=20_000, description="Embargoed steps to reproduce it: the provider and supervisors."
    )


class FindingAcknowledged(_Payload):
    """The provider (or deployer) acknowledges the finding: the mitigation clock starts."""

    note: str | None = Field(None, max_length=5000)


class FindingMitigated(_Payload):
    """What was done about it: the retest clock starts."""

    description: str = Field(min_length=1, max_length=20_000)


class FindingReopened(_Payload):
    """A closed finding is open again (the weakness came back, the fix did not hold)."""

    reason: str = Field(min_length=1, max_length=5000)


class FindingRetested(_Payload):
    """An independent party's verified attestation about the finding: pass or qualified closes
    it; adverse sends it back to mitigation with a new clock. Filed by Custos when the
    attestation is filed."""

    attestation_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    opinion: Opinion = Field(json_schema_extra=PUBLIC_FIELD)


class FindingPublished(_Payload):
    """The public summary of a closed finding."""

    summary: str = Field(min_length=1, max_length=10_000, json_schema_extra=PUBLIC_FIELD)


class Escalation(_Payload):
    """One rung of the ladder, taken because a clock ran out: which clock, when it was due and
    how that was counted, and what the step did."""

    step: EscalationStep = Field(json_schema_extra=PUBLIC_FIELD)
    clock: Clock
    due_at: AwareDatetime
    pack: str
    pack_version: str
    article: str
    severity: Severity
    period: dict[str, int | str] = Field(description="The missed clock's period: within and unit.")
    after: dict[str, int | str] = Field(description="The rung's own wait past the due time.")
    taken_after: AwareDatetime = Field(description="The moment from which the rung could be taken.")
    licences: tuple[str, ...] = Field(
        (), description="Licences named (suspension proposed, or rollouts held)."
    )
    rollouts_held: tuple[str, ...] = Field((), description="Licences whose rollout this step held.")
    jurisdictions: tuple[str, ...] = Field((), description="Recognising jurisdictions notified.")
    explanation: str


FINDING_REPORTED = FilingKind(
    "finding.reported", FindingReported, "A red team's finding about a model or deployment."
)
FINDING_ACKNOWLEDGED = FilingKind("finding.acknowledged", FindingAcknowledged, "A finding is acknowledged.")
FINDING_MITIGATED = FilingKind(
    "finding.mitigated", FindingMitigated, "A finding is mitigated, awaiting a retest."
)
FINDING_RETESTED = FilingKind(
    "finding.retested",
    FindingRetested,
    "An independent retest's attestation closes a finding, or sends it back.",
)
FINDING_REOPENED = FilingKind("finding.reopened", FindingReopened, "A closed finding is reopened.")
FINDING_ESCALATED = FilingKind(
    "finding.escalated", Escalation, "A missed clock climbs a finding one rung of the escalation ladder."
)
FINDING_PUBLISHED = FilingKind(
    "finding.published", FindingPublished, "The public summary of a closed finding."
)

FINDING_KINDS = (
    FINDING_REPORTED,
    FINDING_ACKNOWLEDGED,
    FINDING_MITIGATED,
    FINDING_RETESTED,
    FINDING_REOPENED,
    FINDING_ESCALATED,
    FINDING_PUBLISHED,
)
