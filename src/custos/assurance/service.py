"""Accrediting auditors, engaging them, and filing their verified attestations.

A supervisor accredits; a provider or deployer engages an auditor accredited for the scope
about its own model or deployment; the auditor files the envelope it signed, which is verified
against the log (:mod:`custos.assurance.verification`) and refused with the reason, nothing
stored, unless every check passes. A verified attestation is filed about the audited subject,
owned by its provider or deployer, so the obligations that ask for it are discharged by the
policy engine in the same transaction.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.assurance.bundle import MEDIA_TYPE, Bundle, ProvedFiling
from custos.assurance.catalogue import RETEST_SCOPE, scope
from custos.assurance.evidence import accreditation_record, evidence_for, statement_subject
from custos.assurance.model import (
    AUDIT_ATTESTED,
    AUDIT_ENGAGED,
    AUDITOR_ACCREDITED,
    AUDITOR_REINSTATED,
    AUDITOR_SUSPENDED,
    AUDITOR_WITHDRAWN,
    AccreditationStep,
    AttestationSubmitted,
    AuditAttested,
    AuditEngaged,
    AuditorAccredited,
)
from custos.assurance.subjects import audited_subject
from custos.assurance.verification import AttestationRefused, Verified, check, read_envelope, read_statement
from custos.assurance.views import AccreditationView, AttestationView, EngagementView, VerificationView
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.ids import new_id
from custos.filings import FilingKind
from custos.store import Connection, Store
from custos.store import assurance_views as av
from custos.store import finding_views as fv
from custos.store import registry_views as rv

#: Each step on an accreditation, the statuses it may be taken from.
STEPS: dict[str, tuple[FilingKind, tuple[str, ...]]] = {
    "suspend": (AUDITOR_SUSPENDED, ("accredited",)),
    "reinstate": (AUDITOR_REINSTATED, ("suspended",)),
    "withdraw": (AUDITOR_WITHDRAWN, ("accredited", "suspended")),
}


def accreditation_view(row: Mapping[str, Any], today: date) -> AccreditationView:
    record = accreditation_record(row, ())
    return AccreditationView.model_validate(
        {
            **{k: row[k] for k in ("id", "organisation_id", "status", "reason")},
            "keys": record.keys,
            "scopes": record.scopes,
            "valid_from": record.valid_from,
            "valid_until": record.valid_until,
            "accredited_at": stored_utc(row["accredited_at"]),
            "in_force": row["status"] == "accredited" and record.valid_from <= today <= record.valid_until,
            "filing_id": row["accredited_filing_id"],
            "recognised_from": row["recognised_from"],
        }
    )


class AssuranceService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- accreditations ---------------------------------------------------------------------

    def accredit(self, accreditation: AuditorAccredited, *, by: Principal) -> AccreditationView:
        """Accredit an auditor's keys for scopes (supervisors)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors accredit auditors")
        with self.store.transaction() as uow:
            organisation = rv.organisation(uow.conn, id=accreditation.organisation_id)
            if organisation is None:
                raise NotFound(f"no organisation {accreditation.organisation_id!r}")
            holders = {
                key["keyid"]: row
                for row in av.list_accreditations(uow.conn)
                for key in json.loads(row["keys"])
            }
            for key in accreditation.keys:
                if (holder := holders.get(key.keyid)) is not None:
                    state = (
                        "was withdrawn: a withdrawn key is never accredited again"
                        if holder["status"] == "withdrawn"
                        else "is accredited already: a key belongs to one accreditation"
                    )
                    raise Conflict(f"key {key.keyid} of accreditation {holder['id']} {state}")
            accreditation_id = new_id(self.store.clock)
            uow.file(
                file_as(
                    by,
                    AUDITOR_ACCREDITED,
                    accreditation,
                    owner=accreditation.organisation_id,
                    subject=accreditation_id,
                    clock=self.store.clock,
                    fallback_jurisdiction=organisation.get("jurisdiction"),
                )
            )
            row = av.accreditation(uow.conn, accreditation_id)
        assert row is not None
        return accreditation_view(row, self.store.clock.now().date())

    def step(self, accreditation_id: str, step: str, reason: str, *, by: Principal) -> AccreditationView:
        """Suspend, reinstate or withdraw an accreditation (supervisors)."""
        if not by.sees_everything:
            raise Forbidden("only supervisors suspend, reinstate or withdraw accreditations")
        if step not in STEPS:
            raise InvalidInput(f"unknown step {step!r}; one of {', '.join(STEPS)}")
        kind, allowed = STEPS[step]
        with self.store.transaction() as uow:
            row = av.accreditation(uow.conn, accreditation_id)
            if row is None:
                raise NotFound(f"no accreditation {accreditation_id!r}")
            if row["status"] not in allowed:
                raise Conflict(f"cannot {step} an accreditation that is {row['status']}")
            uow.file(
                file_as(
                    by,
                    kind,
                    AccreditationStep(reason=reason),
                    owner=row["organisation_id"],
                    subject=accreditation_id,
                    clock=self.store.clock,
                    fallback_jurisdiction=self._jurisdiction(uow.conn, row["filing_id"]),
                )
            )
            updated = av.accreditation(uow.conn, accreditation_id)
        assert updated is not None
        return accreditation_view(updated, self.store.clock.now().date())

    def accreditations(self, *, status: str | None = None) -> list[AccreditationView]:
        """Every accreditation: its keys, scopes and standing are public."""
        today = self.store.clock.now().date()
        with self.store.read() as conn:
            return [accreditation_view(row, today) for row in av.list_accreditations(conn, status=status)]

    # -- engagements ------------------------------------------------------------------------

    def engage(self, engagement: AuditEngaged, *, by: Principal) -> EngagementView:
        """Engage an accredited auditor about one's own model or deployment (providers and
        deployers; supervisors for anyone)."""
        if not (by.sees_everything or by.role in (Role.PROVIDER, Role.DEPLOYER)):
            raise Forbidden("providers and deployers engage auditors")
        wanted = scope(engagement.scope)
        with self.store.transaction() as uow:
            subject = audited_subject(uow.conn, engagement.subject_id)
            if subject is None:
                raise NotFound(f"no model or deployment {engagement.subject_id!r}")
            owner = subject.owner
            if not by.sees_everything and by.organisation_id != owner:
                raise Forbidden(f"an audit of {subject.kind} {subject.id} is engaged by its {subject.party}")
            if subject.kind not in wanted.subjects:
                raise InvalidInput(
                    f"scope {wanted.id} is about a {' or '.join(wanted.subjects)}, not a {subject.kind}"
                )
            self._retest_target(uow.conn, engagement)
            if statement_subject(self.store, uow.conn, subject.id) is None:
                raise InvalidInput(f"model {subject.id} has no passport yet: an audit attests to a passport")
            today = self.store.clock.now().date()
            accredited = [
                row
                for row in av.accreditations_of(uow.conn, engagement.auditor_id)
                if accreditation_view(row, today).in_force and wanted.id in json.loads(row["scopes"])
            ]
            if not accredited:
                raise InvalidInput(
                    f"organisation {engagement.auditor_id} holds no accreditation in force "
                    f"for scope {wanted.id}"
                )
            if engagement.auditor_id == owner:
                raise InvalidInput(
                    "an audit is by a third party: the auditor cannot be the audited organisation"
                )
            filing = file_as(
                by,
                AUDIT_ENGAGED,
                engagement,
                owner=owner,
                subject=subject.id,
                clock=self.store.clock,
                fallback_jurisdiction=self._jurisdiction(uow.conn, subject.row["filing_id"]),
            )
            uow.file(filing)
            row = av.engagement(uow.conn, filing.id)
            assert row is not None
            return self._engagement_view(uow.conn, row, by)

    def _retest_target(self, conn: Connection, engagement: AuditEngaged) -> None:
        """A retest engagement names a finding about the subject; other scopes name none."""
        if engagement.scope != RETEST_SCOPE:
            if engagement.finding_id is not None:
                raise InvalidInput(f"only an engagement in scope {RETEST_SCOPE} names a finding")
            return
        if engagement.finding_id is None:
            raise InvalidInput(f"an engagement in scope {RETEST_SCOPE} names the finding to retest")
        finding = fv.finding(conn, engagement.finding_id)
        if finding is None or finding["subject_id"] != engagement.subject_id:
            raise NotFound(f"no finding {engagement.finding_id!r} about {engagement.subject_id}")

    def engagements(self, *, by: Principal, subject: str | None = None) -> list[EngagementView]:
        """Engagements; an auditor sees those it is engaged in, a provider or deployer its own."""
        with self.store.read() as conn:
            if by.sees_everything or by.is_public:
                rows = av.list_engagements(conn, subject=subject)
            elif by.role is Role.AUDITOR:
                rows = av.list_engagements(conn, auditor=by.organisation_id, subject=subject)
            else:
                rows = av.list_engagements(conn, organisation=by.organisation_id, subject=subject)
            return [self._engagement_view(conn, row, by) for row in rows]

    def engagement(self, engagement_id: str, *, by: Principal) -> EngagementView:
        with self.store.read() as conn:
            row = av.engagement(conn, engagement_id)
            if row is None:
                raise NotFound(f"no engagement {engagement_id!r}")
            return self._engagement_view(conn, row, by)

    def _engagement_view(self, conn: Connection, row: Mapping[str, Any], by: Principal) -> EngagementView:
        """An engagement as ``by`` reads it, through the caller's connection; its terms only to
        its parties and supervisors."""
        shown = {k: row[k] for k in ("id", "subject_id", "owner_id", "auditor_id", "scope", "finding_id")}
        shown |= {"engaged_at": stored_utc(row["engaged_at"]), "attestation_id": row["attestation_id"]}
        shown["statement_subject"] = statement_subject(self.store, conn, row["subject_id"])
        if by.sees_everything or by.organisation_id in (row["owner_id"], row["auditor_id"]):
            filed = self.store.filing(conn, row["id"])
            if filed is not None and "terms" in filed[0].content:
                shown["terms"] = filed[0].content["terms"]
        return EngagementView.model_validate({k: v for k, v in shown.items() if v is not None})

    # -- attestations -----------------------------------------------------------------------

    def attest(self, submitted: AttestationSubmitted, *, by: Principal) -> AttestationView:
        """File an auditor's signed attestation once it verifies against the log: by the
        auditor it names, or by a supervisor who received it (the signature, not the filer,
        says who attests)."""
        if not (by.sees_everything or by.role is Role.AUDITOR):
            raise Forbidden("an attestation is filed by the auditor that signed it, or a supervisor")
        envelope = submitted.envelope
        with self.store.transaction() as uow:
            verified = self._verify(uow.conn, envelope, current=True)
            predicate = verified.statement.predicate
            if not by.sees_everything and by.organisation_id != predicate.auditor:
                raise Forbidden(f"the Statement is by auditor {predicate.auditor}; file it as that auditor")
            if (done := av.attestation_by_envelope(uow.conn, verified.envelope_sha256)) is not None:
                raise Conflict(f"this envelope is already filed as attestation {done['id']}")
            engagement = av.engagement(uow.conn, predicate.engagement)
            assert engagement is not None  # checked by the verification
            if engagement["attestation_id"] is not None:
                raise Conflict(
                    f"engagement {engagement['id']} was answered by attestation "
                    f"{engagement['attestation_id']}"
                )
            record = AuditAttested(
                envelope=envelope,
                envelope_sha256=verified.envelope_sha256,
                engagement_id=engagement["id"],
                accreditation_id=verified.accreditation.id,
                auditor_id=predicate.auditor,
                keyid=verified.keyid,
                subject_id=engagement["subject_id"],
                subject_filing_id=verified.subject_filing_id,
                subject_digest=verified.subject_digest,
                scope=predicate.scope,
                standard=predicate.standard,
                opinion=predicate.opinion,
                issued_at=predicate.issued_at,
                valid_from=predicate.valid_from,
                valid_until=predicate.valid_until,
                finding_id=predicate.finding,
            )
            filing = file_as(
                by,
                AUDIT_ATTESTED,
                record,
                owner=engagement["owner_id"],
                subject=engagement["subject_id"],
                clock=self.store.clock,
                jurisdiction=self._jurisdiction(uow.conn, engagement["id"]),
            )
            uow.file(filing)
            row = av.attestation(uow.conn, filing.id)
        assert row is not None
        return self._attestation_view(row, by, envelope)

    def _verify(self, conn: Connection, envelope: Mapping[str, Any], *, current: bool) -> Verified:
        predicate = read_statement(read_envelope(envelope)[0]).predicate  # to know what to read
        evidence = evidence_for(self.store, conn, predicate.engagement, predicate.auditor)
        return check(envelope, evidence, self.store.clock.now(), current=current)

    def verify(self, envelope: Mapping[str, Any]) -> VerificationView:
        """Check an envelope against the log, without filing anything (anyone): whether it
        verifies, or why not, and the attestation that recorded it."""
        with self.store.read() as conn:
            try:
                verified = self._verify(conn, envelope, current=False)
            except AttestationRefused as exc:
                return VerificationView(verified=False, reason=exc.message)
            filed = av.attestation_by_envelope(conn, verified.envelope_sha256)
        predicate = verified.statement.predicate
        return VerificationView(
            verified=True,
            attestation_id=filed["id"] if filed else None,
            auditor_id=predicate.auditor,
            accreditation_id=verified.accreditation.id,
            keyid=verified.keyid,
            subject_id=filed["subject_id"] if filed else None,
            subject_filing_id=verified.subject_filing_id,
            scope=predicate.scope,
            opinion=predicate.opinion,
            valid_until=predicate.valid_until,
            expired=verified.expired,
        )

    def bundle(
        self,
        *,
        by: Principal,
        attestation_id: str | None = None,
        envelope: Mapping[str, Any] | None = None,
    ) -> Bundle:
        """The bundle that lets anyone verify an attestation offline: of a filed attestation,
        or of an envelope (filed or not, so long as it verifies). Its filings are shown as
        ``by`` may see them; the envelope travels only to those who may read it."""
        with self.store.read() as conn:
            if attestation_id is not None:
                row = av.attestation(conn, attestation_id)
                filed = self.store.filing(conn, attestation_id)
                if row is None or filed is None:
                    raise NotFound(f"no attestation {attestation_id!r}")
                record = filed[0].content
                if by.sees_everything or by.organisation_id == row["owner_id"]:
                    envelope = record["envelope"]
                engagement_id, accreditation_id = row["engagement_id"], row["accreditation_id"]
                subject_filing_id = record["subject_filing_id"]
            elif envelope is not None:
                verified = self._verify(conn, envelope, current=False)
                engagement_id = verified.statement.predicate.engagement
                accreditation_id = verified.accreditation.id
                subject_filing_id = verified.subject_filing_id
                row = av.attestation_by_envelope(conn, verified.envelope_sha256)
                attestation_id = row["id"] if row else None
            else:
                raise InvalidInput("name an attestation or give an envelope")
            ids = {
                "engagement": engagement_id,
                "subject": subject_filing_id,
                "accreditation": av.filing_ids(conn, accreditation_id, [AUDITOR_ACCREDITED.name])[0],
            }
            if attestation_id is not None:
                ids["attestation"] = attestation_id
            steps = av.filing_ids(conn, accreditation_id, [kind.name for kind, _ in STEPS.values()])
            proved = {name: self._proved(conn, filing_id, by) for name, filing_id in ids.items()}
            step_proofs = [self._proved(conn, filing_id, by) for filing_id in steps]
        notes = {note for note, _ in [*proved.values(), *step_proofs]}
        if len(notes) != 1:  # PostgreSQL reads each statement afresh: a checkpoint may land between
            raise Conflict("a checkpoint was signed while the bundle was read: ask again")
        parts: dict[str, Any] = {name: filing for name, (_, filing) in proved.items()}
        if envelope is not None:  # left unset, not null, for those who may not read it
            parts["dsse_envelope"] = dict(envelope)
        steps_proved = tuple(filing for _, filing in step_proofs)
        return Bundle(media_type=MEDIA_TYPE, checkpoint=notes.pop(), steps=steps_proved, **parts)

    def _proved(self, conn: Connection, filing_id: str, by: Principal) -> tuple[str, ProvedFiling]:
        proved = self.store.proved(conn, filing_id)
        if proved is None:
            raise NotFound(f"no filing {filing_id!r}")
        if not proved.checkpoint:
            raise Conflict(
                f"filing {filing_id} is not yet covered by a signed checkpoint; one is signed within seconds"
            )
        filing = proved.filing
        return proved.checkpoint, ProvedFiling(
            index=proved.index,
            entry=base64.b64encode(proved.entry).decode(),
            view=filing.view(lambda visibility: by.can_see(visibility, filing.organisation)),
            proof=tuple(base64.b64encode(p).decode() for p in proved.proof),
        )

    def attestation(self, attestation_id: str, *, by: Principal) -> AttestationView:
        with self.store.read() as conn:
            row = av.attestation(conn, attestation_id)
            if row is None:
                raise NotFound(f"no attestation {attestation_id!r}")
            envelope = None
            if by.sees_everything or by.organisation_id == row["owner_id"]:
                filed = self.store.filing(conn, attestation_id)
                envelope = filed[0].content["envelope"] if filed else None
        return self._attestation_view(row, by, envelope)

    def attestations(
        self,
        *,
        by: Principal,
        subject: str | None = None,
        auditor: str | None = None,
        scope: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AttestationView]:
        """Attestations' public records (the envelopes are read one at a time)."""
        with self.store.read() as conn:
            rows = av.list_attestations(
                conn, subject=subject, auditor=auditor, scope=scope, limit=limit, offset=offset
            )
        return [self._attestation_view(row, by, None) for row in rows]

    def _attestation_view(
        self, row: Mapping[str, Any], by: Principal, envelope: Mapping[str, Any] | None
    ) -> AttestationView:
        today = self.store.clock.now().date()
        shown = {k: v for k, v in row.items() if v is not None}
        shown |= {"issued_at": stored_utc(row["issued_at"]), "filed_at": stored_utc(row["filed_at"])}
        # Nothing a withdrawn accreditation's keys signed is accepted any more.
        withdrawn = shown.pop("accreditation_status", None) == "withdrawn"
        shown["current"] = row["valid_from"] <= today <= row["valid_until"] and not withdrawn
        if withdrawn:
            shown["accreditation_withdrawn"] = True
        if envelope is not None and (by.sees_everything or by.organisation_id == row["owner_id"]):
            shown["envelope"] = dict(envelope)
        return AttestationView.model_validate(shown)

    def _jurisdiction(self, conn: Connection, filing_id: str) -> str | None:
        filed = self.store.filing(conn, filing_id)
        return filed[0].jurisdiction if filed else None
