"""The vocabulary of audits: accredited auditors, engagements and attestations, as filings.

A supervisor accredits an auditor (its organisation, its signing keys, the scopes it may attest
to, for a period), and may suspend, reinstate or withdraw the accreditation. A provider or
deployer engages an accredited auditor for a scope about one of its models or deployments. The
auditor files its result: an in-toto Statement in a DSSE envelope it signed, which Custos
verifies (``assurance.verification``) before anything is stored. The envelope is confidential to
the audited organisation and supervisors; what it says of the audit (who, about what, the
scope, the opinion and the validity) is public, with the envelope's digest so whoever holds the
envelope can match it to the record.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.assurance.catalogue import known_scope
from custos.filings import PUBLIC_FIELD, FilingKind
from custos.policy.model import RecognisedFrom


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Opinion(StrEnum):
    """An auditor's opinion, as an assurance report states it (ISAE 3000's unmodified, qualified
    and adverse conclusions)."""

    PASS = "pass"
    QUALIFIED = "qualified"
    ADVERSE = "adverse"


class SigningKey(_Payload):
    """A public key in the form securesystemslib and in-toto give it: an Ed25519 key as 64 hex
    digits, an ECDSA P-256 key as PEM. ``keyid`` is the key's default id (SHA-256 of its
    canonical form), which the DSSE signatures name."""

    keyid: str = Field(pattern=r"^[0-9a-f]{64}$", json_schema_extra=PUBLIC_FIELD)
    keytype: str = Field(json_schema_extra=PUBLIC_FIELD)
    scheme: str = Field(json_schema_extra=PUBLIC_FIELD)
    keyval: dict[str, str] = Field(json_schema_extra=PUBLIC_FIELD)

    @model_validator(mode="after")
    def _a_key_custos_accepts(self) -> SigningKey:
        from custos.assurance.keys import check_key  # securesystemslib loads on first use

        check_key(self)
        return self


class AuditorAccredited(_Payload):
    """A supervisor accredits an auditor to attest to these scopes with these keys."""

    organisation_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    keys: tuple[SigningKey, ...] = Field(min_length=1, max_length=16, json_schema_extra=PUBLIC_FIELD)
    scopes: tuple[str, ...] = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="Scopes of the shipped catalogue."
    )
    valid_from: date = Field(json_schema_extra=PUBLIC_FIELD)
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD)
    note: str | None = Field(None, max_length=2000, description="The supervisor's own note.")
    recognised_from: RecognisedFrom | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="For an accreditation taken over from a peer installation: where from.",
    )

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: tuple[str, ...]) -> tuple[str, ...]:
        for name in scopes:
            known_scope(name)
        return tuple(dict.fromkeys(scopes))

    @model_validator(mode="after")
    def _ordered(self) -> AuditorAccredited:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if len({key.keyid for key in self.keys}) != len(self.keys):
            raise ValueError("each key is listed once")
        return self


class AccreditationStep(_Payload):
    """A suspension, reinstatement or withdrawal of an accreditation, and why."""

    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)


class AuditEngaged(_Payload):
    """A provider or deployer engages an accredited auditor for a scope about its model or
    deployment; the auditor's attestation names the engagement."""

    subject_id: str = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="The model or deployment audited."
    )
    scope: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    auditor_id: str = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description="The auditor's organisation."
    )
    finding_id: str | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The red-team finding to retest, for an engagement in the retest scope.",
    )
    terms: str | None = Field(None, max_length=5000, description="Terms of the engagement, for the parties.")

    _known_scope = field_validator("scope")(known_scope)


class AttestationSubmitted(_Payload):
    """What an auditor sends: the DSSE envelope of its signed in-toto Statement."""

    envelope: dict[str, Any] = Field(
        description="The DSSE envelope: payloadType, payload (base64 of the Statement) and signatures."
    )


class AuditAttested(_Payload):
    """A verified attestation as filed: the envelope (confidential) and what Custos read from it
    and checked (public)."""

    envelope: dict[str, Any]
    envelope_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        json_schema_extra=PUBLIC_FIELD,
        description="SHA-256 of the envelope's payload: whoever holds the envelope can match it to "
        "this record.",
    )
    engagement_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    accreditation_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    auditor_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    keyid: str = Field(json_schema_extra=PUBLIC_FIELD)
    subject_id: str = Field(json_schema_extra=PUBLIC_FIELD)
    subject_filing_id: str = Field(
        json_schema_extra=PUBLIC_FIELD,
        description="The filing whose digest the Statement's subject carries (a passport, a deployment).",
    )
    subject_digest: str = Field(pattern=r"^[0-9a-f]{64}$", json_schema_extra=PUBLIC_FIELD)
    scope: str = Field(json_schema_extra=PUBLIC_FIELD)
    standard: str = Field(json_schema_extra=PUBLIC_FIELD)
    opinion: Opinion = Field(json_schema_extra=PUBLIC_FIELD)
    issued_at: AwareDatetime = Field(json_schema_extra=PUBLIC_FIELD)
    valid_from: date = Field(json_schema_extra=PUBLIC_FIELD)
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD)
    finding_id: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)


AUDITOR_ACCREDITED = FilingKind(
    "auditor.accredited", AuditorAccredited, "A supervisor accredits an auditor's keys for scopes."
)
AUDITOR_SUSPENDED = FilingKind("auditor.suspended", AccreditationStep, "An accreditation is suspended.")
AUDITOR_REINSTATED = FilingKind("auditor.reinstated", AccreditationStep, "A suspension is lifted.")
AUDITOR_WITHDRAWN = FilingKind(
    "auditor.withdrawn", AccreditationStep, "An accreditation is withdrawn for good (as when a key is lost)."
)
AUDIT_ENGAGED = FilingKind("audit.engaged", AuditEngaged, "A provider or deployer engages an auditor.")
AUDIT_ATTESTED = FilingKind(
    "audit.attested", AuditAttested, "An auditor's signed attestation, verified and filed."
)

ACCREDITATION_STEPS = (AUDITOR_SUSPENDED, AUDITOR_REINSTATED, AUDITOR_WITHDRAWN)
