"""The in-toto Statement (v1) an auditor signs, and Custos's audit predicate.

A Statement binds a predicate to subjects by digest (in-toto attestation framework, Statement
layer v1: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md); it travels in a
DSSE envelope of payload type ``application/vnd.in-toto+json``. The subject of an audit is the
filing the audit is about, by its digest in the log: a model's passport, or a deployment's
registration. The predicate says what was audited against which standard, how, what was
found, the opinion and how long it holds.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from custos.assurance.model import Opinion
from custos.core.errors import InvalidInput
from custos.filings import parse

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATE_TYPE = "urn:custos:predicate:audit:v1"


def subject_name(kind: Literal["model", "deployment"], subject_id: str) -> str:
    """The name a Statement gives an audited model or deployment."""
    return f"custos:{kind}:{subject_id}"


class ResourceDescriptor(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    digest: dict[str, str] = Field(min_length=1)


class AuditPredicate(BaseModel):
    """What the auditor states. Names are in the camelCase of in-toto predicates."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    engagement: str = Field(min_length=1, description="The engagement's filing id.")
    auditor: str = Field(min_length=1, description="The auditor's organisation id.")
    scope: str = Field(min_length=1)
    standard: str = Field(min_length=1)
    method: str = Field(min_length=1, max_length=5000)
    findings_summary: str = Field(alias="findingsSummary", min_length=1, max_length=20_000)
    opinion: Opinion
    issued_at: AwareDatetime = Field(alias="issuedAt")
    valid_from: date = Field(alias="validFrom")
    valid_until: date = Field(alias="validUntil")
    finding: str | None = Field(None, description="The red-team finding a retest is about.")

    @model_validator(mode="after")
    def _ordered(self) -> AuditPredicate:
        if self.valid_until < self.valid_from:
            raise ValueError("validUntil is before validFrom")
        return self


class Statement(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["https://in-toto.io/Statement/v1"] = Field("https://in-toto.io/Statement/v1", alias="_type")
    subject: tuple[ResourceDescriptor, ...] = Field(min_length=1, max_length=1)
    predicate_type: Literal["urn:custos:predicate:audit:v1"] = Field(
        "urn:custos:predicate:audit:v1", alias="predicateType"
    )
    predicate: AuditPredicate

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", by_alias=True, exclude_none=True))


def statement_from_payload(payload: bytes) -> Statement:
    """The Statement a DSSE payload carries, or InvalidInput saying what is wrong with it."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the envelope's payload is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput("the envelope's payload is not an in-toto Statement")
    if data.get("_type") != STATEMENT_TYPE:
        raise InvalidInput(f"the payload is not an in-toto Statement v1 (_type {data.get('_type')!r})")
    if data.get("predicateType") != PREDICATE_TYPE:
        raise InvalidInput(
            f"the Statement's predicateType is {data.get('predicateType')!r}; "
            f"an audit states {PREDICATE_TYPE}"
        )
    return parse(Statement, data, "audit Statement")


def decode_payload(envelope: dict[str, object]) -> bytes:
    """The payload bytes of a DSSE envelope (standard or URL-safe base64, as DSSE allows)."""
    payload = envelope.get("payload")
    if not isinstance(payload, str):
        raise InvalidInput("the envelope has no payload")
    text = payload.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"the envelope's payload is not base64: {exc}") from exc
