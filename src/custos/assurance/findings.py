"""Red-team findings as filings: reported, acknowledged, mitigated, retested, reopened, published.

Who may do what: providers, deployers, auditors (as external red teams) and supervisors report
findings about any registered model or deployment; the firm the finding is about (the model's
provider, the deployment's deployer) and supervisors acknowledge, mitigate, reopen and publish
it. A retest is an independent auditor's attestation in the retest scope, filed by the auditor;
the hook here turns it into ``finding.retested``.

Who reads what: supervisors read every finding in full; a firm reads its own findings in full.
Everyone else (other firms, the reporter when it is not the owner, the public) reads only
published findings, and of those only the public fields and the public summary, plus counts by
severity of every finding: a weakness is not advertised before it is fixed, but the number of
open findings is not a secret. An unpublished finding is "not found" to them, so its existence
is told by the counts alone. The reporter gets its own report back in the answer to filing it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, Role, system
from custos.assurance.escalation import Sweep, clock_due
from custos.assurance.finding_views import EscalationView, FindingList, FindingView, SweepView
from custos.assurance.findings_model import (
    FINDING_ACKNOWLEDGED,
    FINDING_MITIGATED,
    FINDING_PUBLISHED,
    FINDING_REOPENED,
    FINDING_REPORTED,
    FINDING_RETESTED,
    FindingAcknowledged,
    FindingMitigated,
    FindingPublished,
    FindingReopened,
    FindingReported,
    FindingRetested,
)
from custos.assurance.model import AUDIT_ATTESTED
from custos.assurance.subjects import audited_subject
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.filings import Filing, FilingKind
from custos.policy.engine import active_packs
from custos.policy.pack import Pack, Severity
from custos.store import Connection, Store, UnitOfWork
from custos.store import finding_views as fv
from custos.store import registry_views as rv

#: How far ahead of this server's clock a reporter's clock may run.
CLOCK_SKEW = timedelta(minutes=5)
#: Who files a retest on the auditor's behalf when its attestation arrives.
RETESTER = system("red-team-retest", "red-team retest")
_REPORTERS = (Role.PROVIDER, Role.DEPLOYER, Role.AUDITOR)


def _render(row: dict[str, Any], by: Principal, packs: Sequence[Pack], *, full: bool = False) -> FindingView:
    """A finding's row as ``by`` may see it (all of it when ``full``: the reporter's own report)."""
    content = json.loads(row["content"])
    shown, withheld = (
        (content, []) if full else by.redact(content, json.loads(row["visibility"]), row["owner_id"])
    )
    when = {
        name: stored_utc(row[name])
        for name in ("reported_at", "closed_at", "published_at")
        if row[name] is not None
    }
    due = clock_due(row, packs)
    running = {"clock": due.clock, "due_at": due.at, "pack": due.pack.key} if due else {}
    summary = {"summary": row["summary"]} if row["summary"] is not None else {}
    return FindingView.model_validate(
        shown
        | when
        | running
        | summary
        | {
            "id": row["id"],
            "status": row["status"],
            "escalations": tuple(json.loads(row["escalations"])),
            "withheld": tuple(sorted(withheld)),
        }
    )


def _answerable(by: Principal, row: dict[str, Any]) -> bool:
    """Whether ``by`` answers for the finding: its owner's actors, or a supervisor."""
    return by.sees_everything or (by.organisation_id is not None and by.organisation_id == row["owner_id"])


def retests(uow: UnitOfWork, batch: Sequence[Filing]) -> None:
    """After attestations are filed: each naming a finding with a clock running retests it."""
    for attestation in batch:
        finding_id = (
            attestation.content.get("finding_id") if attestation.kind == AUDIT_ATTESTED.name else None
        )
        row = fv.finding(uow.conn, finding_id) if finding_id else None
        if row is None or row["status"] == fv.CLOSED:
            continue
        retest = FindingRetested(attestation_id=attestation.id, opinion=attestation.content["opinion"])
        uow.file(
            file_as(
                RETESTER,
                FINDING_RETESTED,
                retest,
                owner=row["owner_id"],
                subject=row["id"],
                clock=_Fixed(attestation),
                jurisdiction=row["jurisdiction"],
            )
        )


class _Fixed:
    """A retest is dated at its attestation's filing, as derived filings are."""

    def __init__(self, filing: Filing) -> None:
        self.moment = filing.filed_at

    def now(self) -> datetime:
        return self.moment


class FindingService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def report(self, report: FindingReported, *, by: Principal) -> FindingView:
        """File a finding about a registered model or deployment; the reporter gets it back whole."""
        if not (by.sees_everything or by.role in _REPORTERS):
            raise Forbidden("findings are reported by providers, deployers, auditors and supervisors")
        if report.found_at > self.store.clock.now() + CLOCK_SKEW:
            raise InvalidInput(
                f"found_at {report.found_at.isoformat()} is in the future: report what was found"
            )
        with self.store.transaction() as uow:
            subject = audited_subject(uow.conn, report.subject_id)
            if subject is None:
                raise NotFound(f"no model or deployment {report.subject_id!r} in the registry")
            owner = subject.owner
            organisation = rv.organisation(uow.conn, id=owner)
            filing = file_as(
                by,
                FINDING_REPORTED,
                report,
                owner=owner,
                subject=report.subject_id,
                clock=self.store.clock,
                jurisdiction=(organisation or {}).get("jurisdiction") or by.jurisdiction,
            )
            uow.file(filing)
            row = fv.finding(uow.conn, filing.id)
            assert row is not None  # just projected
            return _render(row, by, active_packs(uow.conn), full=True)

    def acknowledge(self, finding_id: str, step: FindingAcknowledged, *, by: Principal) -> FindingView:
        """Acknowledge a reported finding: the mitigation clock starts."""
        return self._step(finding_id, FINDING_ACKNOWLEDGED, step, by, when=("reported",))

    def mitigate(self, finding_id: str, step: FindingMitigated, *, by: Principal) -> FindingView:
        """Say what was done about an acknowledged finding: the retest clock starts."""
        return self._step(finding_id, FINDING_MITIGATED, step, by, when=("acknowledged",))

    def reopen(self, finding_id: str, step: FindingReopened, *, by: Principal) -> FindingView:
        """Reopen a closed finding: it needs mitigating again, on a new clock."""
        return self._step(finding_id, FINDING_REOPENED, step, by, when=(fv.CLOSED,))

    def publish(self, finding_id: str, step: FindingPublished, *, by: Principal) -> FindingView:
        """Publish a closed finding's public summary, once."""
        with self.store.read() as conn:
            row = fv.finding(conn, finding_id)
        if row is not None and row["published_at"] is not None and _answerable(by, row):
            raise Conflict(
                f"finding {finding_id} was published at {stored_utc(row['published_at']).isoformat()}"
            )
        return self._step(finding_id, FINDING_PUBLISHED, step, by, when=(fv.CLOSED,))

    def _step(
        self, finding_id: str, kind: FilingKind, step: Any, by: Principal, *, when: tuple[str, ...]
    ) -> FindingView:
        verb = kind.name.split(".")[1]
        with self.store.transaction() as uow:
            row = self._readable(uow.conn, finding_id, by)
            if not _answerable(by, row):
                raise Forbidden(f"a finding is {verb} by the firm it is about or a supervisor")
            if row["status"] not in when:
                raise Conflict(
                    f"finding {finding_id} is {row['status']}; only a {' or '.join(when)} one is {verb}"
                )
            uow.file(
                file_as(
                    by,
                    kind,
                    step,
                    owner=row["owner_id"],
                    subject=finding_id,
                    clock=self.store.clock,
                    jurisdiction=row["jurisdiction"],
                )
            )
            moved = fv.finding(uow.conn, finding_id)
            assert moved is not None
            return _render(moved, by, active_packs(uow.conn))

    def get(self, finding_id: str, *, by: Principal) -> FindingView:
        with self.store.read() as conn:
            return _render(self._readable(conn, finding_id, by), by, active_packs(conn))

    def list(
        self, query: fv.FindingQuery, *, by: Principal, limit: int = 100, offset: int = 0
    ) -> FindingList:
        """The findings ``by`` may read, newest first, with counts by severity of all that match."""
        owners = None if by.sees_everything else [by.organisation_id] if by.organisation_id else []
        with self.store.read() as conn:
            rows = fv.list_findings(conn, query, owners=owners, limit=limit, offset=offset)
            counts = fv.counts_by_severity(conn, query)
            packs = active_packs(conn)
            return FindingList(
                findings=tuple(_render(row, by, packs) for row in rows),
                counts={severity: counts.get(severity.value, 0) for severity in Severity},
                meanings={
                    pack.key: dict(pack.document.findings.meaning)
                    for pack in packs
                    if pack.document.findings is not None
                },
            )

    def sweep(self, *, by: Principal) -> SweepView:
        """Climb the ladder for every finding whose clock ran out (supervisors); idempotent."""
        if not by.sees_everything:
            raise Forbidden("only supervisors run the findings sweep")
        with self.store.transaction() as uow:
            filed = Sweep(uow, by, self.store.clock).run()
        return SweepView(
            escalations=tuple(
                EscalationView.model_validate(
                    {"filing_id": filing.id, "finding_id": filing.subject, **filing.content}
                )
                for filing in filed
            )
        )

    @staticmethod
    def _readable(conn: Connection, finding_id: str, by: Principal) -> dict[str, Any]:
        """The finding's row, when ``by`` may read it: an unpublished finding is not found by
        readers who do not answer for it, so its existence is not told."""
        row = fv.finding(conn, finding_id)
        if row is None or (row["published_at"] is None and not _answerable(by, row)):
            raise NotFound(f"no finding {finding_id!r}")
        return row
