"""Accreditations, engagements, attestations and verification reports as the API answers them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from custos.assurance.model import Opinion, SigningKey
from custos.policy.model import RecognisedFrom


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class AccreditationView(_Read):
    id: str
    organisation_id: str
    status: Literal["accredited", "suspended", "withdrawn"]
    keys: tuple[SigningKey, ...]
    scopes: tuple[str, ...]
    valid_from: date
    valid_until: date
    accredited_at: datetime
    reason: str | None = Field(None, description="Why it was last suspended, reinstated or withdrawn.")
    in_force: bool = Field(description="Accredited, and today is within its period.")
    filing_id: str = Field(
        description="The filing that accredited it: GET /v1/filings/{id} proves it against the log."
    )
    recognised_from: RecognisedFrom | None = Field(
        None, description="For an accreditation taken over from a peer installation: where from."
    )


class EngagementView(_Read):
    id: str
    subject_id: str
    owner_id: str
    auditor_id: str
    scope: str
    finding_id: str | None = None
    engaged_at: datetime
    attestation_id: str | None = Field(None, description="The attestation that answered it, once filed.")
    terms: str | None = None
    statement_subject: dict[str, Any] | None = Field(
        None,
        description="The in-toto subject the auditor's Statement names today: the model's current "
        "passport or the deployment's registration, by digest.",
    )


class AttestationView(_Read):
    """A filed attestation: its public record, and the envelope for those who may read it."""

    id: str
    subject_id: str
    owner_id: str
    auditor_id: str
    accreditation_id: str
    engagement_id: str
    scope: str
    standard: str
    opinion: Opinion
    issued_at: datetime
    valid_from: date
    valid_until: date
    finding_id: str | None = None
    envelope_sha256: str
    filed_at: datetime
    current: bool = Field(
        description="Its validity has begun and not ended, and the accreditation it was signed under "
        "has not been withdrawn."
    )
    accreditation_withdrawn: bool | None = Field(
        None, description="True when that accreditation was withdrawn after it was filed."
    )
    envelope: dict[str, Any] | None = Field(
        None, description="The signed DSSE envelope: for the audited organisation and supervisors."
    )


class VerificationView(_Read):
    """What checking an envelope against the log found."""

    verified: bool
    reason: str | None = Field(None, description="Why it does not verify.")
    attestation_id: str | None = Field(None, description="The filing that recorded it, when it was filed.")
    auditor_id: str | None = None
    accreditation_id: str | None = None
    keyid: str | None = None
    subject_id: str | None = None
    subject_filing_id: str | None = None
    scope: str | None = None
    opinion: Opinion | None = None
    valid_until: date | None = None
    expired: bool | None = None
