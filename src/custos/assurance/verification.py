"""Checking an auditor's DSSE envelope against what the log records, with the reason for any refusal.

The same checks run when an auditor files an attestation (against the store) and when anyone
verifies one offline (against a bundle of filings proved included in the log), so both say the
same thing of the same envelope:

1. the envelope is DSSE with an in-toto Statement v1 of Custos's audit predicate;
2. a signature verifies with a key of an accreditation of the auditor the Statement names;
3. the engagement it names exists, for this auditor, subject, scope and finding;
4. the Statement's subject is the engaged model or deployment, by the digest of a filing in the
   log (a passport of the model, the deployment's registration);
5. the standard is the one the catalogue gives the scope;
6. that accreditation was in force when the Statement says it was issued (its period; not
   suspended then), it was never withdrawn (a withdrawn key may be in other hands, and the
   issuing time is the signer's own claim), and it covers the scope;
7. it was issued after the engagement and not in the future, and, when it must be current,
   its validity has not ended.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import FormatError, VerificationError
from securesystemslib.signer import Signature

from custos.assurance.catalogue import scopes
from custos.assurance.keys import sslib_key
from custos.assurance.statement import (
    PAYLOAD_TYPE,
    Statement,
    decode_payload,
    statement_from_payload,
    subject_name,
)
from custos.core.errors import InvalidInput
from custos.core.units import timestamp

#: How far an issuing time may run ahead of the verifier's clock.
CLOCK_SKEW = timedelta(minutes=5)


class AttestationRefused(InvalidInput):
    """The envelope does not verify; the message says which check failed and why."""


@dataclass(frozen=True)
class AccreditationRecord:
    """An accreditation and its later steps, as the log has them."""

    id: str
    organisation_id: str
    keys: tuple[Mapping[str, Any], ...]
    scopes: tuple[str, ...]
    valid_from: date
    valid_until: date
    steps: tuple[tuple[datetime, str, str], ...] = ()
    """(filed at, kind, reason) of each suspension, reinstatement and withdrawal, in order."""

    def key(self, keyid: str) -> Mapping[str, Any] | None:
        return next((key for key in self.keys if key["keyid"] == keyid), None)

    def withdrawn(self) -> tuple[datetime, str] | None:
        return next(((at, reason) for at, kind, reason in self.steps if kind == "auditor.withdrawn"), None)

    def suspended_at(self, moment: datetime) -> tuple[datetime, str] | None:
        """The suspension in effect at ``moment``, if one is."""
        current = None
        for at, kind, reason in self.steps:
            if at > moment:
                break
            current = (at, reason) if kind == "auditor.suspended" else None
        return current


@dataclass(frozen=True)
class EngagementRecord:
    id: str
    subject_id: str
    subject_kind: Literal["model", "deployment"]
    auditor_id: str
    scope: str
    finding_id: str | None
    engaged_at: datetime


@dataclass(frozen=True)
class Evidence:
    """What the log says that an envelope is checked against."""

    engagement: EngagementRecord | None
    accreditations: Sequence[AccreditationRecord]
    """The accreditations of the auditor the Statement names."""
    subject_filings: Mapping[str, str]
    """Digest to filing id of the filings the engaged subject may be named by."""


@dataclass(frozen=True)
class Verified:
    statement: Statement
    accreditation: AccreditationRecord
    keyid: str
    subject_filing_id: str
    subject_digest: str
    envelope_sha256: str
    expired: bool


def check(
    envelope: Mapping[str, Any], evidence: Evidence, now: datetime, *, current: bool = True
) -> Verified:
    """Verify ``envelope`` against ``evidence``; :class:`AttestationRefused` naming the first
    check that fails. With ``current``, an attestation whose validity has ended is refused;
    without, it verifies and says it has expired."""
    payload, signatures = read_envelope(envelope)
    statement = read_statement(payload)
    predicate = statement.predicate
    # The signature first: nothing the Statement says is weighed before its signer is known.
    accreditation, keyid = _signed(payload, signatures, evidence.accreditations, predicate.auditor)
    engagement = _engagement(evidence.engagement, predicate.engagement, statement)
    subject = statement.subject[0]
    expected_name = subject_name(engagement.subject_kind, engagement.subject_id)
    if subject.name != expected_name:
        raise AttestationRefused(
            f"the Statement's subject is {subject.name!r}; the engagement is for {expected_name!r}"
        )
    digest = subject.digest.get("sha256", "")
    subject_filing = evidence.subject_filings.get(digest)
    if subject_filing is None:
        what = (
            "a passport of the model"
            if engagement.subject_kind == "model"
            else "the deployment's registration"
        )
        raise AttestationRefused(
            f"the subject digest sha256:{digest or '(none)'} is not in the log "
            f"as {what} {engagement.subject_id}"
        )
    standard = scopes()[predicate.scope].standard
    if predicate.standard != standard:
        raise AttestationRefused(
            f"scope {predicate.scope} is attested to {standard!r}, not {predicate.standard!r}"
        )
    _in_force(accreditation, predicate.issued_at, predicate.scope)
    if predicate.issued_at > now + CLOCK_SKEW:
        raise AttestationRefused(f"the Statement is issued {timestamp(predicate.issued_at)}, in the future")
    if predicate.issued_at < engagement.engaged_at - CLOCK_SKEW:
        raise AttestationRefused(
            f"the Statement is issued {timestamp(predicate.issued_at)}, before the engagement "
            f"{engagement.id} ({timestamp(engagement.engaged_at)})"
        )
    expired = predicate.valid_until < now.date()
    if expired and current:
        raise AttestationRefused(f"the attestation's validity ended on {predicate.valid_until.isoformat()}")
    return Verified(
        statement=statement,
        accreditation=accreditation,
        keyid=keyid,
        subject_filing_id=subject_filing,
        subject_digest=digest,
        envelope_sha256=hashlib.sha256(payload).hexdigest(),
        expired=expired,
    )


def read_envelope(envelope: Mapping[str, Any]) -> tuple[bytes, list[Mapping[str, Any]]]:
    """The payload and signatures of a DSSE envelope of an in-toto Statement, or the refusal
    saying what is malformed."""
    if "_type" in envelope and "payloadType" not in envelope:
        raise AttestationRefused(
            "this is an in-toto Statement, not a DSSE envelope: sign it first (custos audit sign)"
        )
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise AttestationRefused(
            f"the envelope's payloadType is {envelope.get('payloadType')!r}; "
            f"an in-toto Statement is {PAYLOAD_TYPE}"
        )
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise AttestationRefused("the envelope carries no signature")
    if not all(
        isinstance(s, Mapping) and isinstance(s.get("keyid"), str) and isinstance(s.get("sig"), str)
        for s in signatures
    ):
        raise AttestationRefused("each signature must name its keyid and carry its sig")
    try:
        return decode_payload(dict(envelope)), signatures
    except InvalidInput as exc:
        raise AttestationRefused(exc.message) from exc


def read_statement(payload: bytes) -> Statement:
    """The audit Statement a payload carries, or the refusal saying what is wrong with it."""
    try:
        return statement_from_payload(payload)
    except InvalidInput as exc:
        raise AttestationRefused(exc.message) from exc


def _engagement(engagement: EngagementRecord | None, named: str, statement: Statement) -> EngagementRecord:
    predicate = statement.predicate
    if engagement is None or engagement.id != named:
        raise AttestationRefused(f"no audit engagement {named!r} is on file")
    if engagement.auditor_id != predicate.auditor:
        raise AttestationRefused(
            f"engagement {engagement.id} is of auditor {engagement.auditor_id}, not {predicate.auditor}"
        )
    if engagement.scope != predicate.scope:
        raise AttestationRefused(
            f"engagement {engagement.id} is for scope {engagement.scope}, not {predicate.scope}"
        )
    if engagement.finding_id != predicate.finding:
        raise AttestationRefused(
            f"engagement {engagement.id} is about finding {engagement.finding_id}, "
            f"the Statement about {predicate.finding}"
        )
    return engagement


def _signed(
    payload: bytes,
    signatures: list[Mapping[str, Any]],
    accreditations: Sequence[AccreditationRecord],
    auditor: str,
) -> tuple[AccreditationRecord, str]:
    """The accreditation and key a signature verifies with."""
    unknown = []
    for signature in signatures:
        keyid = str(signature["keyid"])
        for accreditation in accreditations:
            key = accreditation.key(keyid)
            if key is None:
                continue
            one = Envelope(payload, PAYLOAD_TYPE, {})
            try:
                one.signatures[keyid] = Signature(keyid, signature_hex(str(signature["sig"])))
                one.verify(
                    [sslib_key(keyid, key["keytype"], key["scheme"], tuple(sorted(key["keyval"].items())))], 1
                )
            except (VerificationError, FormatError, ValueError) as exc:
                raise AttestationRefused(f"the signature by key {keyid} does not verify: {exc}") from exc
            return accreditation, keyid
        unknown.append(keyid)
    raise AttestationRefused(
        f"signed by {', '.join(unknown)}, which is no key of an accreditation of auditor {auditor}"
    )


def signature_hex(sig: str) -> str:
    """A DSSE signature (standard or URL-safe base64) as the hex securesystemslib verifies."""
    text = sig.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).hex()
    except ValueError as exc:
        raise AttestationRefused(f"a signature is not base64: {exc}") from exc


def _in_force(accreditation: AccreditationRecord, issued_at: datetime, scope: str) -> None:
    day = issued_at.date()
    if not accreditation.valid_from <= day <= accreditation.valid_until:
        raise AttestationRefused(
            f"accreditation {accreditation.id} runs {accreditation.valid_from} "
            f"to {accreditation.valid_until}; "
            f"the Statement is issued {day}"
        )
    if withdrawn := accreditation.withdrawn():
        raise AttestationRefused(
            f"accreditation {accreditation.id} was withdrawn on {withdrawn[0].date()} ({withdrawn[1]}): "
            "its keys are no longer accepted"
        )
    if suspended := accreditation.suspended_at(issued_at):
        raise AttestationRefused(
            f"accreditation {accreditation.id} was suspended on {suspended[0].date()} ({suspended[1]}) "
            f"and still was when the Statement was issued"
        )
    if scope not in accreditation.scopes:
        raise AttestationRefused(
            f"accreditation {accreditation.id} covers {', '.join(accreditation.scopes)}, not {scope}"
        )
