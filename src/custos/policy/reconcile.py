"""From outcomes to filings: what changed for each (obligation, subject), and when it falls due.

The engine files only differences: an obligation that appears, becomes undetermined, lapses,
or changes because a new pack version words it differently. History is never rewritten.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, system
from custos.core.clock import Clock
from custos.filings import Filing, FilingKind
from custos.policy.deadlines import due_at, graced
from custos.policy.evaluate import Evaluator, Outcome
from custos.policy.model import OBLIGATION_ATTACHED, OBLIGATION_LAPSED, OBLIGATION_UNDETERMINED, OCCURRENCE
from custos.policy.pack import Pack
from custos.policy.subjects import Subject

ENGINE = system("policy-engine", "policy engine")


def _start(subject: Subject, spec_start: str, trigger: Filing | None, now: datetime) -> tuple[datetime, str]:
    """The moment a deadline counts from, and where it came from: the subject's date when the
    deadline starts from one it has, else the triggering filing, else the evaluation."""
    value = subject.dates.get(spec_start) if spec_start != "trigger" else None
    if value:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC), spec_start
    return (trigger.filed_at, "trigger") if trigger is not None else (now, "evaluation")


def wording(outcome: Outcome, obligation_id: str, subject: Subject) -> dict[str, Any]:
    """What an obligation's record says whatever its dates: enough to tell whether it changed."""
    pack = outcome.pack
    spec = pack.obligation(obligation_id)
    return {
        "key": f"{pack.document.id}/{outcome.rule.rule.id}/{obligation_id}",
        "subject_kind": subject.kind.value,
        "pack_version": pack.document.version,
        "jurisdiction": pack.document.jurisdiction,
        "title": spec.title,
        "severity": spec.severity.value,
        "cite": {"document": pack.document.sources[spec.cite.source].document, "article": spec.cite.article},
        "discharged_by": list(spec.discharged_by),
        **(
            {"evidence_when": {k: list(v) for k, v in spec.evidence_when.items()}}
            if spec.evidence_when
            else {}
        ),
        **({"renewed_by": list(spec.renewed_by)} if spec.renewed_by else {}),
        "standing_event": spec.deadline.on_event,
        "recurring": spec.deadline.recurring,
    }


def obligation_record(
    outcome: Outcome,
    obligation_id: str,
    subject: Subject,
    trigger: Filing | None,
    now: datetime,
    worded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole record an obligation filing carries: its wording, its due date with how it was
    counted, the explanation of the outcome and the trigger. Worked out only for what is filed:
    counting in the authority's calendar is the dear part of an evaluation."""
    pack = outcome.pack
    spec = pack.obligation(obligation_id)
    counted: dict[str, Any] = {}
    due = None
    if outcome.value:
        document = pack.document
        start, starts_from = _start(subject, spec.deadline.start, trigger, now)
        legal = due_at(spec.deadline, start, document.jurisdiction, document.counting_rule)
        due = graced(legal, now, document.grace, document.jurisdiction, document.counting_rule)
        if spec.deadline.on_event is None:
            counted = {
                "starts_at": start.isoformat(),
                "starts_from": starts_from,
                "legal_due_at": legal.isoformat() if legal else None,
                "attached_at": now.isoformat(),
            }
    return {
        **(worded or wording(outcome, obligation_id, subject)),
        "due_at": due.isoformat() if due else None,
        **counted,
        "explanation": outcome.explanation(),
        "trigger": trigger.id if trigger is not None else None,
    }


#: Fields of a record whose change makes a new pack version file the obligation again.
_WORDING = (
    "title",
    "severity",
    "cite",
    "discharged_by",
    "evidence_when",
    "renewed_by",
    "standing_event",
    "recurring",
)


def reconcile(
    packs: list[Pack],
    subjects: Iterable[Subject],
    existing: Mapping[tuple[str, str], Mapping[str, Any]],
    *,
    clock: Clock,
    triggers: Mapping[str, Filing] | None = None,
    evaluator: Evaluator | None = None,
    tally: Counter[bool | None] | None = None,
) -> list[Filing]:
    """The filings that bring the obligations view in line with the packs for these subjects.

    ``triggers`` names, per subject, the filing that caused the evaluation; deadlines that run
    from the trigger start at its time (otherwise now). ``tally``, when given, counts the
    outcomes by value, so a caller reporting them need not evaluate twice."""
    evaluator = evaluator or Evaluator(packs)
    now = clock.now()
    active = {p.document.id for p in packs}
    existing_of: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for (key, subject_id), row in existing.items():
        existing_of.setdefault(subject_id, []).append((key, row))
    filings: list[Filing] = []
    for subject in subjects:
        seen: set[str] = set()
        outcomes = evaluator.outcomes(subject.kind.value, subject.facts)
        if tally is not None:
            tally.update(outcome.value for outcome in outcomes)
        for outcome in outcomes:
            for obligation_id in outcome.rule.rule.obligations:
                worded = wording(outcome, obligation_id, subject)
                seen.add(worded["key"])
                current = existing.get((worded["key"], subject.id))
                trigger = (triggers or {}).get(subject.id)
                kind = _change(outcome.value, worded, current, trigger)
                if kind is not None:
                    record = obligation_record(outcome, obligation_id, subject, trigger, now, worded)
                    filings.append(_file(kind, record, subject, outcome.pack, clock))
        for key, row in existing_of.get(subject.id, ()):
            if key in seen or row["status"] == "lapsed" or OCCURRENCE in key:
                continue  # an occurrence outlives its rule: the event happened while it held
            in_force = key.split("/", 1)[0] in active
            reason = (
                "the rule is no longer in the active pack" if in_force else "the pack is no longer active"
            )
            filings.append(_lapse(key, subject, reason, clock, json.loads(row["record"])["jurisdiction"]))
    return filings


def _change(
    value: bool | None, record: dict[str, Any], current: Mapping[str, Any] | None, trigger: Filing | None
) -> Any:
    """The filing that brings one obligation of a subject in line: attached when it newly holds,
    or, discharged, when a filing that renews it comes (a new model version after an escrow
    deposit), or when a new pack version words it differently; undetermined or lapsed."""
    status = current["status"] if current else None
    if value is True:
        if status in (None, "lapsed", "undetermined"):
            return OBLIGATION_ATTACHED
        if status == "discharged" and trigger is not None and trigger.kind in record.get("renewed_by", ()):
            return OBLIGATION_ATTACHED
        previous = json.loads(current["record"]) if current else {}
        if previous.get("pack_version") != record["pack_version"] and any(
            previous.get(f) != record.get(f) for f in _WORDING
        ):
            return OBLIGATION_ATTACHED
        return None
    if value is None:
        return OBLIGATION_UNDETERMINED if status in (None, "lapsed", "open") else None
    return OBLIGATION_LAPSED if status in ("open", "undetermined", "discharged", "waived") else None


def _file(kind: Any, record: dict[str, Any], subject: Subject, pack: Pack, clock: Clock) -> Filing:
    if kind is OBLIGATION_LAPSED:
        return _lapse(
            record["key"], subject, "the rule no longer holds for the subject", clock, record["jurisdiction"]
        )
    return file_as(
        ENGINE,
        kind,
        record,
        owner=subject.owner,
        subject=subject.id,
        clock=clock,
        jurisdiction=pack.document.jurisdiction,
    )


def about_obligation(
    by: Principal, kind: FilingKind, content: Mapping[str, Any], row: Mapping[str, Any], clock: Clock
) -> Filing:
    """A filing about an obligation row: of its subject, for its owner, in its jurisdiction."""
    return file_as(
        by,
        kind,
        content,
        owner=row["owner_id"],
        subject=row["subject_id"],
        clock=clock,
        jurisdiction=json.loads(row["record"])["jurisdiction"],
    )


def _lapse(key: str, subject: Subject, reason: str, clock: Clock, jurisdiction: str) -> Filing:
    return file_as(
        ENGINE,
        OBLIGATION_LAPSED,
        {"key": key, "reason": reason},
        owner=subject.owner,
        subject=subject.id,
        clock=clock,
        jurisdiction=jurisdiction,
    )
