"""Attestation bundles: an envelope with the log's evidence for it, verifiable offline.

A bundle carries a signed checkpoint and, for each filing the verification reads (the
attestation's record, its engagement, the audited passport or deployment, the auditor's
accreditation and every step on it), the ledger entry, the view the bundle's reader may see
and the inclusion proof in that checkpoint's tree. Whoever holds the log's verifier key checks
the checkpoint's signature, each view against its entry and each entry against the root, and
then runs the very checks Custos ran when it filed the attestation
(:func:`custos.assurance.verification.check`) on what those proven filings say. No server,
and no trust in the bundle's maker, is needed.

What a bundle cannot prove is absence: a suspension filed after its checkpoint is not in it.
Its checkpoint's size says how far the log was read; a newer bundle reads further.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from custos.assurance.verification import (
    AccreditationRecord,
    AttestationRefused,
    EngagementRecord,
    Evidence,
    Verified,
    check,
)
from custos.core.errors import IntegrityFailure, InvalidInput
from custos.core.units import timestamp
from custos.filings import FilingView, parse, verify_view
from custos.ledger.checkpoint import open_checkpoint
from custos.ledger.hashing import leaf_hash
from custos.ledger.note import Verifier
from custos.ledger.proofs import verify_inclusion

MEDIA_TYPE = "application/vnd.custos.attestation-bundle.v1+json"

#: The kinds a bundle's subject filing may be, and what each names.
SUBJECT_KINDS: dict[str, Literal["model", "deployment"]] = {
    "passport.filed": "model",
    "deployment.registered": "deployment",
}


class ProvedFiling(BaseModel):
    """A filing as its reader may see it, its ledger entry, and the entry's inclusion proof."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int
    entry: str
    view: FilingView
    proof: tuple[str, ...]


class Bundle(BaseModel):
    """In camelCase on the wire, as Sigstore's bundles are (``dsseEnvelope``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, alias_generator=to_camel)

    media_type: Literal["application/vnd.custos.attestation-bundle.v1+json"] = (
        "application/vnd.custos.attestation-bundle.v1+json"
    )
    checkpoint: str
    dsse_envelope: dict[str, Any] | None = None
    attestation: ProvedFiling | None = None
    engagement: ProvedFiling
    subject: ProvedFiling
    accreditation: ProvedFiling
    steps: tuple[ProvedFiling, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """As the API writes it: a part left out (the envelope, for a reader who may not see
        it) is absent, while a disclosed field whose value is null stays null."""
        dumped: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return dumped


def read_bundle(data: Mapping[str, Any]) -> Bundle:
    """A bundle from its JSON, or InvalidInput naming what is wrong."""
    return parse(Bundle, data, "attestation bundle")


@dataclass
class BundleReport:
    """What an offline verification established, check by check."""

    size: int
    checks: list[str] = field(default_factory=list)
    verified: Verified | None = None


def verify_bundle(
    bundle: Bundle, log: Verifier, now: datetime, envelope: Mapping[str, Any] | None = None
) -> BundleReport:
    """Verify a bundle against the log's verifier key; raise :class:`IntegrityFailure` or
    :class:`AttestationRefused` naming the first check that fails. ``envelope`` is the DSSE
    envelope when the bundle does not carry it."""
    try:
        checkpoint, _ = open_checkpoint(bundle.checkpoint, log)
    except (IntegrityFailure, InvalidInput) as exc:
        raise IntegrityFailure(f"the bundle's checkpoint does not verify with the log's key: {exc}") from exc
    report = BundleReport(size=checkpoint.size)
    report.checks.append(
        f"checkpoint of {checkpoint.origin} at size {checkpoint.size:,} is signed by the log"
    )
    proved = [
        ("engagement", bundle.engagement),
        ("subject", bundle.subject),
        ("accreditation", bundle.accreditation),
    ]
    proved += [(f"accreditation step {n + 1}", step) for n, step in enumerate(bundle.steps)]
    if bundle.attestation is not None:
        proved.append(("attestation record", bundle.attestation))
    for name, filing in proved:
        _prove(name, filing, checkpoint.size, checkpoint.root)
    report.checks.append(f"{len(proved)} filings are in the log, each view matching its entry")
    envelope = envelope if envelope is not None else bundle.dsse_envelope
    if envelope is None:
        raise InvalidInput("the bundle carries no envelope: give the DSSE envelope beside it")
    evidence = _evidence(bundle)
    verified = check(envelope, evidence, now, current=False)
    predicate = verified.statement.predicate
    engagement = evidence.engagement
    assert engagement is not None  # the check refuses an envelope without one
    report.checks += [
        f"signed by key {verified.keyid[:16]}… of accreditation {verified.accreditation.id}, in force "
        f"when the Statement was issued ({timestamp(predicate.issued_at)}) and covering {predicate.scope}",
        f"it answers engagement {engagement.id} of auditor {predicate.auditor} for {predicate.scope}, "
        f"made {timestamp(engagement.engaged_at)}, before it was issued",
        f"its standard is the scope's: {predicate.standard}",
        f"its subject is filing {verified.subject_filing_id} of {engagement.subject_kind} "
        f"{engagement.subject_id}, in the log",
        f"valid {predicate.valid_from.isoformat()} to {predicate.valid_until.isoformat()}"
        + (" (expired)" if verified.expired else ""),
    ]
    if bundle.attestation is not None:
        record = bundle.attestation.view.content()
        if record.get("envelope_sha256") != verified.envelope_sha256:
            raise AttestationRefused("the attestation record in the bundle is of another envelope")
        report.checks.append(f"Custos filed it as attestation {bundle.attestation.view.envelope['id']}")
    report.verified = verified
    return report


def _prove(name: str, filing: ProvedFiling, size: int, root: bytes) -> None:
    try:
        entry = base64.b64decode(filing.entry, validate=True)
        verify_view(filing.view, entry)
        verify_inclusion(
            index=filing.index,
            size=size,
            leaf=leaf_hash(entry),
            proof=[base64.b64decode(p, validate=True) for p in filing.proof],
            root=root,
        )
    except (IntegrityFailure, ValueError) as exc:
        raise IntegrityFailure(f"the {name} filing is not proven in the log: {exc}") from exc


def _filed_at(view: FilingView) -> datetime:
    return datetime.fromisoformat(str(view.envelope["filed_at"]).replace("Z", "+00:00"))


def _evidence(bundle: Bundle) -> Evidence:
    subject_kind = SUBJECT_KINDS.get(str(bundle.subject.view.envelope["kind"]))
    if subject_kind is None:
        raise AttestationRefused(f"the bundle's subject is a {bundle.subject.view.envelope['kind']} filing")
    engagement = bundle.engagement.view
    terms = engagement.content()
    accreditation = bundle.accreditation.view
    granted = accreditation.content()
    try:
        return Evidence(
            engagement=EngagementRecord(
                id=str(engagement.envelope["id"]),
                subject_id=str(terms["subject_id"]),
                subject_kind=subject_kind,
                auditor_id=str(terms["auditor_id"]),
                scope=str(terms["scope"]),
                finding_id=terms.get("finding_id"),
                engaged_at=_filed_at(engagement),
            ),
            accreditations=[
                AccreditationRecord(
                    id=str(accreditation.envelope["subject"]),
                    organisation_id=str(granted["organisation_id"]),
                    keys=tuple(granted["keys"]),
                    scopes=tuple(granted["scopes"]),
                    valid_from=date.fromisoformat(granted["valid_from"]),
                    valid_until=date.fromisoformat(granted["valid_until"]),
                    steps=_steps(bundle.steps, str(accreditation.envelope["subject"])),
                )
            ],
            subject_filings={bundle.subject.view.digest: str(bundle.subject.view.envelope["id"])},
        )
    except KeyError as exc:
        raise AttestationRefused(f"the bundle's filings do not disclose {exc.args[0]}") from exc


def _steps(steps: Sequence[ProvedFiling], accreditation_id: str) -> tuple[tuple[datetime, str, str], ...]:
    found = []
    for step in sorted(steps, key=lambda s: s.index):
        if step.view.envelope["subject"] != accreditation_id:
            raise AttestationRefused("an accreditation step in the bundle is about another accreditation")
        found.append(
            (_filed_at(step.view), str(step.view.envelope["kind"]), str(step.view.content()["reason"]))
        )
    return tuple(found)
