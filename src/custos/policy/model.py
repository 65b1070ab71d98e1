"""Filings of the policy engine: packs loaded, and obligations attached, undetermined, lapsed,
discharged or waived. Obligation filings are about the regulated subject (a model or a
deployment) and owned by its organisation; their content is visible to it and to supervisors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from custos.filings import FilingKind, Visibility, register_kind

PUBLIC: dict[str, JsonValue] = {"visibility": Visibility.PUBLIC.value}


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PackLoaded(_Payload):
    pack: str = Field(json_schema_extra=PUBLIC)
    version: str = Field(json_schema_extra=PUBLIC)
    title: str = Field(json_schema_extra=PUBLIC)
    jurisdiction: str = Field(json_schema_extra=PUBLIC)
    text: str = Field(json_schema_extra=PUBLIC, description="The pack's YAML, as loaded.")


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
    due_at: str | None = None
    standing_event: str | None = None
    recurring: str | None = None
    explanation: dict[str, Any] = {}
    trigger: str | None = Field(None, description="The filing that caused the change, if any.")


class ObligationClosed(_Payload):
    key: str
    reason: str
    evidence: str | None = Field(None, description="The filing that discharged the obligation.")
    next_due_at: str | None = None


PACK_LOADED = register_kind(
    FilingKind("policy.pack_loaded", PackLoaded, "A policy pack version becomes active.")
)
OBLIGATION_ATTACHED = register_kind(
    FilingKind("obligation.attached", ObligationRecord, "A rule holds for a subject: the obligation applies.")
)
OBLIGATION_UNDETERMINED = register_kind(
    FilingKind("obligation.undetermined", ObligationRecord, "A rule cannot be decided: facts are missing.")
)
OBLIGATION_LAPSED = register_kind(
    FilingKind("obligation.lapsed", ObligationClosed, "A rule no longer holds for the subject.")
)
OBLIGATION_DISCHARGED = register_kind(
    FilingKind("obligation.discharged", ObligationClosed, "The subject filed what discharges the obligation.")
)
OBLIGATION_WAIVED = register_kind(
    FilingKind("obligation.waived", ObligationClosed, "A supervisor waived the obligation, with a reason.")
)
POLICY_KINDS = {
    k.name
    for k in (
        PACK_LOADED,
        OBLIGATION_ATTACHED,
        OBLIGATION_UNDETERMINED,
        OBLIGATION_LAPSED,
        OBLIGATION_DISCHARGED,
        OBLIGATION_WAIVED,
    )
}
