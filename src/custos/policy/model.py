"""Filings of the policy engine: packs loaded, and obligations attached, undetermined, lapsed,
discharged or waived. Obligation filings are about the regulated subject (a model or a
deployment) and owned by its organisation; their content is visible to it and to supervisors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from custos.filings import PUBLIC_FIELD, FilingKind


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecognisedFrom(_Payload):
    """Where a filing taken over from a peer installation came from: the peer's filing, proved
    at ``index`` in the peer's log under a signed checkpoint of ``tree_size`` entries that was
    checked against the peer's head this installation had cosigned."""

    origin: str = Field(min_length=1, max_length=255, description="The peer's log origin.")
    filing_id: str = Field(min_length=1, max_length=64, description="The filing in the peer's log.")
    index: int = Field(ge=0, description="Its entry in the peer's log.")
    tree_size: int = Field(ge=1, description="The size of the checkpoint that proved it.")


class PackLoaded(_Payload):
    pack: str = Field(json_schema_extra=PUBLIC_FIELD)
    version: str = Field(json_schema_extra=PUBLIC_FIELD)
    title: str = Field(json_schema_extra=PUBLIC_FIELD)
    jurisdiction: str = Field(json_schema_extra=PUBLIC_FIELD)
    text: str = Field(json_schema_extra=PUBLIC_FIELD, description="The pack's YAML, as loaded.")
    recognised_from: RecognisedFrom | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="For a pack version taken over from a peer installation: where from.",
    )


class ObligationRecord(_Payload):
    """An obligation's state, as the engine determined it."""

    key: str = Field(description="pack/rule/obligation")
    subject_kind: str
    pack_version: str
    jurisdiction: str
    title: str
    severity: str
    cite: dict[str, str]
    discharged_by: list[str] = []
    evidence_when: dict[str, list[str]] | None = Field(
        None, description="Values a discharging filing's content must have, field by field."
    )
    renewed_by: list[str] | None = Field(
        None, description="Filing kinds after which the discharged duty is due again."
    )
    due_at: str | None = None
    starts_at: str | None = Field(None, description="The moment the deadline was counted from.")
    starts_from: str | None = Field(
        None, description="Where that moment came from: trigger, evaluation, release_date or start_date."
    )
    legal_due_at: str | None = Field(
        None, description="The due date the pack's counting gives, before any grace for a date already past."
    )
    attached_at: str | None = Field(None, description="When the engine attached it (grace counts from it).")
    standing_event: str | None = None
    occurrence_of: str | None = Field(
        None, description="For a clock an event started: the standing obligation it is an occurrence of."
    )
    event: str | None = Field(
        None, description="For such an occurrence: the kind of the event (its trigger)."
    )
    recurring: str | None = None
    explanation: dict[str, Any] = {}
    trigger: str | None = Field(None, description="The filing that caused the change, if any.")


#: Separates a standing obligation's key from the event that started an occurrence's clock:
#: ``pack/rule/obligation#<event filing id>``.
OCCURRENCE = "#"


#: The field in which evidence for a clock an event started names that event's filing: a
#: disclosure names the incident it discloses.
EVENT_FIELD = "incident_id"

#: The field in which evidence about an organisation names the deployments it answers for: a
#: capital declaration stands behind the firm's deployments, and answers each one's duty.
COVERS_FIELD = "deployment_ids"


def key_parts(key: str) -> tuple[str, str, str]:
    """The pack, rule and obligation an obligation's key (or an occurrence's) names."""
    pack, rule, obligation = key.split(OCCURRENCE, 1)[0].split("/")
    return pack, rule, obligation


class ObligationClosed(_Payload):
    key: str
    reason: str
    evidence: str | None = Field(None, description="The filing that discharged the obligation.")
    next_due_at: str | None = None


PACK_LOADED = FilingKind("policy.pack_loaded", PackLoaded, "A policy pack version becomes active.")
OBLIGATION_ATTACHED = FilingKind(
    "obligation.attached", ObligationRecord, "A rule holds for a subject: the obligation applies."
)
OBLIGATION_UNDETERMINED = FilingKind(
    "obligation.undetermined", ObligationRecord, "A rule cannot be decided: facts are missing."
)
OBLIGATION_LAPSED = FilingKind(
    "obligation.lapsed", ObligationClosed, "A rule no longer holds for the subject."
)
OBLIGATION_DISCHARGED = FilingKind(
    "obligation.discharged", ObligationClosed, "The subject filed what discharges the obligation."
)
OBLIGATION_WAIVED = FilingKind(
    "obligation.waived", ObligationClosed, "A supervisor waived the obligation, with a reason."
)
#: Every kind the policy package files; the engine never re-evaluates after its own.
KINDS = (
    PACK_LOADED,
    OBLIGATION_ATTACHED,
    OBLIGATION_UNDETERMINED,
    OBLIGATION_LAPSED,
    OBLIGATION_DISCHARGED,
    OBLIGATION_WAIVED,
)
POLICY_KINDS = {kind.name for kind in KINDS}
