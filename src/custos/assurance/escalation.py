"""Where a red-team finding's clocks come from, when the current one runs out, and the sweep
that climbs the escalation ladder when it has.

The governing pack is the active pack with a ``findings`` section whose jurisdiction covers the
finding's (the jurisdiction of its owner), the most specific first: a French pack before the
EU's. Its clocks for the finding's severity run one after the other, each from the end of the
step before (acknowledge from the report, mitigate from the acknowledgement or an adverse
retest or a reopening, retest from the mitigation), counted as the pack counts periods
(``custos.policy.deadlines``).

When a clock has run out, every rung of the pack's ladder the finding's severity reaches is
taken once, in the ladder's order, as soon as the rung's own ``after`` has passed since the due
time; a rung not yet due stops the climb, so rungs are never taken out of order. Each rung is a
``finding.escalated`` filing that says which clock was missed, when it was due, how that was
counted, and what the step did. A rung is taken once per finding: the ladder is not climbed
again after a reopening.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from custos.access.filer import file_as
from custos.access.model import Principal
from custos.assurance.findings_model import FINDING_ESCALATED, Clock, Escalation
from custos.assurance.subjects import audited_subject
from custos.core.clock import Clock as TimeSource
from custos.core.clock import stored_utc
from custos.core.jurisdictions import covers
from custos.core.units import timestamp
from custos.filings import Filing, FilingKind
from custos.licensing.rollout import ROLLOUT_HELD
from custos.policy.deadlines import counting_of, explain_due, period_end
from custos.policy.engine import active_packs
from custos.policy.pack import Deadline, FindingsPolicy, Pack, Period, Rung, Severity
from custos.store import Connection, UnitOfWork
from custos.store import finding_views as fv
from custos.store import licensing_views as lv

#: The clock each open status runs.
CLOCK_OF_STATUS = {"reported": Clock.ACKNOWLEDGE, "acknowledged": Clock.MITIGATE, "mitigated": Clock.RETEST}
_RANK = {severity: rank for rank, severity in enumerate(Severity)}


@dataclass(frozen=True)
class Due:
    """A finding's running clock under its governing pack: which, from when, until when."""

    clock: Clock
    period: Period
    start: datetime
    at: datetime
    pack: Pack

    @property
    def policy(self) -> FindingsPolicy:
        assert self.pack.document.findings is not None  # a governing pack has the section
        return self.pack.document.findings

    def end_of(self, period: Period, start: datetime) -> datetime:
        """The end of ``period`` from ``start``, counted as the pack counts."""
        return _end(self.pack, period, start)


def _end(pack: Pack, period: Period, start: datetime) -> datetime:
    document = pack.document
    rule = counting_of(document.jurisdiction, document.counting_rule)
    return period_end(period, start, document.jurisdiction, rule)


def _specificity(scope: str, place: str) -> int:
    """0 for the place itself, 1 for its country, 2 for a union covering it."""
    return 0 if scope == place else 1 if place.split("-", 1)[0] == scope else 2


def governing_pack(packs: Sequence[Pack], jurisdiction: str) -> Pack | None:
    """The active pack with a findings section covering ``jurisdiction``, the most specific; when
    none covers it, the first such pack by key. A pack's rules apply to every subject in the
    registry wherever its firm is established (a US provider's model supervised here carries the
    installation's duties), and so do its findings' clocks: a finding is never left without one
    because its firm is abroad."""
    governing = [pack for pack in packs if pack.document.findings is not None]
    covering = [pack for pack in governing if covers(pack.document.jurisdiction, jurisdiction)]
    covering.sort(key=lambda pack: (_specificity(pack.document.jurisdiction, jurisdiction), pack.key))
    return covering[0] if covering else min(governing, key=lambda pack: pack.key, default=None)


def clock_due(row: dict[str, Any], packs: Sequence[Pack]) -> Due | None:
    """The running clock of a finding's row, or None when it is closed or no pack governs it."""
    clock = CLOCK_OF_STATUS.get(row["status"])
    pack = governing_pack(packs, row["jurisdiction"])
    if clock is None or pack is None or pack.document.findings is None:
        return None
    period = getattr(pack.document.findings.clocks[Severity(row["severity"])], clock.value)
    start = stored_utc(row["clock_from"])
    return Due(clock, period, start, _end(pack, period, start), pack)


def _granted_licences(conn: Connection, subject_id: str) -> list[dict[str, Any]]:
    """The granted licences of the model a finding's subject is, or runs."""
    subject = audited_subject(conn, subject_id)
    if subject is None:
        return []
    return lv.list_licences(
        conn, status="granted", model=subject.model_id, applicant=None, limit=10_000, offset=0
    )


def _recognising(conn: Connection, licences: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The jurisdictions whose agreements in force recognise any of these licences."""
    scopes = {
        place for licence in licences for place in json.loads(licence["scope"]).get("jurisdictions", [])
    }
    return tuple(
        sorted(
            {
                agreement["recognising"]
                for agreement in lv.list_recognitions(conn, in_force_only=True)
                if any(covers(scope, agreement["recognised"]) for scope in scopes)
            }
        )
    )


class Sweep:
    """One pass of the ladder over every open finding, filed by ``by`` (a supervisor)."""

    def __init__(self, uow: UnitOfWork, by: Principal, clock: TimeSource) -> None:
        self.uow, self.by, self.clock, self.now = uow, by, clock, clock.now()
        self.packs = active_packs(uow.conn)

    def run(self) -> list[Filing]:
        """File every rung due; the escalations filed, in order."""
        filed = []
        for row in fv.open_findings(self.uow.conn):
            due = clock_due(row, self.packs)
            if due is None or self.now < due.at:
                continue
            taken = set(json.loads(row["escalations"]))
            for rung in due.policy.ladder:
                if _RANK[Severity(row["severity"])] < _RANK[rung.min_severity] or rung.step in taken:
                    continue
                if self.now < due.end_of(rung.after, due.at):
                    break
                filed.append(self._take(row, due, rung))
        return filed

    def _take(self, row: dict[str, Any], due: Due, rung: Rung) -> Filing:
        """File one rung and what its step does."""
        conn, made = self.uow.conn, []
        licences = _granted_licences(conn, row["subject_id"]) if rung.step != "supervisor-notified" else []
        held: list[str] = []
        if rung.step == "rollout-hold":
            for licence in licences:
                rollout = lv.rollout(conn, licence["id"])
                if rollout is not None and rollout["status"] == "active":
                    reason = f"red-team finding {row['id']} missed its {due.clock.value} clock"
                    made.append(
                        self._file(
                            ROLLOUT_HELD,
                            {"stage": rollout["stage"], "reason": reason},
                            licence["applicant_id"],
                            licence["id"],
                            None,
                        )
                    )
                    held.append(licence["id"])
        escalation = Escalation(
            step=rung.step,
            clock=due.clock,
            due_at=due.at,
            pack=due.pack.document.id,
            pack_version=due.pack.document.version,
            article=due.policy.cite.article,
            severity=Severity(row["severity"]),
            period=due.period.model_dump(),
            after=rung.after.model_dump(),
            taken_after=due.end_of(rung.after, due.at),
            licences=tuple(licence["id"] for licence in licences)
            if rung.step != "cross-border-notice"
            else (),
            rollouts_held=tuple(held),
            jurisdictions=_recognising(conn, licences) if rung.step == "cross-border-notice" else (),
            explanation=explain(row, due, rung),
        )
        filing = self._file(FINDING_ESCALATED, escalation, row["owner_id"], row["id"], row["jurisdiction"])
        self.uow.file(*made, filing)
        return filing

    def _file(
        self,
        kind: FilingKind,
        content: BaseModel | Mapping[str, Any],
        owner: str,
        subject: str,
        jurisdiction: str | None,
    ) -> Filing:
        return file_as(
            self.by, kind, content, owner=owner, subject=subject, clock=self.clock, jurisdiction=jurisdiction
        )


def explain(row: dict[str, Any], due: Due, rung: Rung) -> str:
    """Why the rung was taken, as an obligation's due date is explained."""
    document = due.pack.document
    deadline = Deadline(within=due.period.within, unit=due.period.unit)
    counted = explain_due(
        deadline,
        document.jurisdiction,
        start=due.start,
        start_from="trigger",
        due=due.at,
        start_filing=row["filing_id"],
        counting=document.counting_rule,
    )["summary"]
    after = f"{rung.after.within} {rung.after.unit.replace('_', ' ')}"
    return (
        f"The {due.clock.value} clock of {row['severity']} finding {row['id']} under {due.pack.key} "
        f"({due.policy.cite.article}) ran out. {counted} The ladder takes {rung.step} for findings of "
        f"{rung.min_severity.value} severity or worse {after} after the due time, from "
        f"{timestamp(due.end_of(rung.after, due.at))}."
    )
