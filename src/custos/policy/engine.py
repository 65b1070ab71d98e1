"""The policy engine: the one pipeline from the active packs to the filings they imply.

active packs → evaluator → subjects and their facts → their existing obligations → reconcile
(obligations that appear, become unknown or lapse) → file → discharges. The after-filing hook,
loading a pack and evaluating the whole registry all run it; none writes it out again.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from custos.access.model import Principal
from custos.core.clock import Clock, stored_utc
from custos.core.errors import NotFound
from custos.filings import Filing, FilingKind
from custos.policy.clocks import start_clocks
from custos.policy.deadlines import next_due
from custos.policy.evaluate import Evaluator
from custos.policy.evidence import meets
from custos.policy.model import COVERS_FIELD, EVENT_FIELD, OBLIGATION_DISCHARGED
from custos.policy.pack import Deadline, Pack, load_pack
from custos.policy.reconcile import ENGINE, about_obligation, reconcile
from custos.policy.subjects import (
    Computes,
    Subject,
    deployment_subjects,
    model_subjects,
    organisation_subjects,
)
from custos.store import Connection, UnitOfWork
from custos.store import filing_views as fv
from custos.store import incident_views as iv
from custos.store import policy_views as pv
from custos.store import registry_views as rv


@lru_cache(maxsize=64)
def compiled(text: str, origin: str = "<pack>") -> Pack:
    """Packs compile once per process; the text is the key, so a new version compiles anew."""
    return load_pack(text, origin)


def active_packs(conn: Connection) -> list[Pack]:
    return [compiled(row["text"], f"{row['pack']}@{row['version']}") for row in pv.active_packs(conn)]


def subjects_of(
    conn: Connection, ids: Sequence[str] | None = None, facts: set[str] | None = None
) -> list[Subject]:
    """Organisations, models and deployments among ``ids`` (all of them when None), with the
    ``facts`` given (all when None)."""
    computes = Computes(conn)
    if ids is None:
        return (
            organisation_subjects(conn, None, facts, computes)
            + model_subjects(conn, None, facts, computes)
            + deployment_subjects(conn, None, facts, computes)
        )
    organisations = set(rv.existing_organisations(conn, ids))
    models = set(rv.existing_models(conn, [i for i in ids if i not in organisations]))
    return (
        organisation_subjects(conn, sorted(organisations), facts, computes)
        + model_subjects(conn, sorted(models), facts, computes)
        + deployment_subjects(
            conn, [i for i in ids if i not in models and i not in organisations], facts, computes
        )
    )


@dataclass(frozen=True)
class EngineRun:
    """What one run of the engine saw and filed (or, in a dry run, would file)."""

    subjects: int
    filings: list[Filing]


class PolicyEngine:
    """Runs the pipeline inside one unit of work, at the time ``clock`` gives."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def run(
        self,
        subject_ids: Sequence[str] | None,
        *,
        triggers: Mapping[str, Filing] | None = None,
        discharge: Sequence[str] | None = None,
        tally: Counter[bool | None] | None = None,
        dry_run: bool = False,
        must_exist: bool = False,
        packs: Sequence[Pack] | None = None,
        events: Sequence[Filing] = (),
    ) -> EngineRun:
        """Reconcile the obligations of ``subject_ids`` (every subject when None) with the
        active packs, file the differences, then the discharges of ``discharge`` (the same
        subjects when None). ``triggers`` name the filing that changed each subject, where
        deadlines count from it. With ``must_exist``, naming no existing subject is refused.
        ``packs`` are the active packs when the caller has read them already. ``events`` are the
        filings that may start standing duties' clocks (:mod:`custos.policy.clocks`), filed
        before the discharges so an event that is itself the report discharges its occurrence.
        A dry run files nothing."""
        conn = self.uow.conn
        packs = active_packs(conn) if packs is None else list(packs)
        evaluator = Evaluator(packs)
        subjects = subjects_of(conn, subject_ids, evaluator.reads())
        if must_exist and subject_ids is not None and not subjects:
            raise NotFound(f"no organisation, model or deployment among {list(subject_ids)}")
        existing = (
            pv.all_obligations(conn)
            if subject_ids is None
            else pv.obligations_of(conn, [s.id for s in subjects])
        )
        filings = reconcile(
            packs, subjects, existing, clock=self.clock, triggers=triggers, evaluator=evaluator, tally=tally
        )
        if dry_run:
            return EngineRun(len(subjects), filings)
        self.uow.file(*filings)
        discharged = subject_ids if discharge is None else discharge
        if events:
            occurrences = start_clocks(conn, events, packs, self.clock)
            self.uow.file(*occurrences)
            filings += occurrences
            if discharged is not None and occurrences:  # an event may start a clock of another subject
                discharged = sorted({*discharged, *(f.subject for f in occurrences)})
            # A filing naming an event (a final report on an incident) answers its clocks on
            # every subject the event started one for.
            named = sorted(
                {e.content[EVENT_FIELD] for e in events if isinstance(e.content.get(EVENT_FIELD), str)}
            )
            if discharged is not None and named:
                discharged = sorted({*discharged, *iv.clock_subjects(conn, named)})
        filings += discharge_pass(self.uow, discharged, self.clock)
        return EngineRun(len(subjects), filings)


def closing_filing(
    row: Mapping[str, Any], kind: FilingKind, content: dict[str, Any], by: Principal, clock: Clock
) -> Filing:
    """A discharge or waiver; a recurring obligation discharged starts its next period."""
    record = json.loads(row["record"])
    payload = {"key": row["key"], **content}
    if kind is OBLIGATION_DISCHARGED and record.get("recurring") and row["due_at"] is not None:
        following = next_due(Deadline(recurring=record["recurring"]), stored_utc(row["due_at"]))
        payload["next_due_at"] = following.isoformat() if following else None
    return about_obligation(by, kind, payload, row, clock)


def _since_attached(record: Mapping[str, Any]) -> bool:
    """Whether only evidence filed since the obligation was attached answers it: a recurring
    duty's current period, or a duty renewed by a later filing (a new deposit for a new version)."""
    return bool(record.get("recurring") or record.get("renewed_by"))


def _about(filed: fv.Filed, row: Mapping[str, Any]) -> bool:
    """Whether evidence is about the obligation's subject, or about its owner naming it."""
    if filed.subject == row["subject_id"]:
        return True
    covers = filed.content.get(COVERS_FIELD)
    return filed.subject == row["owner_id"] and isinstance(covers, list) and row["subject_id"] in covers


def discharge_pass(uow: UnitOfWork, subject_ids: Sequence[str] | None, clock: Clock) -> list[Filing]:
    """Discharge the open obligations of these subjects (all when None) for which a filing of a
    discharging kind exists: any such filing for a one-off duty, one filed since the current
    period began for a recurring one or since a renewing filing reopened it, and one whose
    content meets the obligation's ``evidence_when`` when it has one (:func:`meets`); for a
    clock an event started, the event itself when it is the report asked for, else a filing
    that names that event (``EVENT_FIELD``). Standing duties stand. Files and returns the discharges."""
    rows = [(row, json.loads(row["record"])) for row in pv.open_obligations(uow.conn, subject_ids)]
    rows = [(row, record) for row, record in rows if not record.get("standing_event")]
    wanted = sorted({kind for _, record in rows for kind in record.get("discharged_by", [])})
    if not wanted:
        return []
    subjects = sorted({row["subject_id"] for row, _ in rows})
    # Evidence with particular content may be about the subject's owner, naming the subject
    # among those it covers (``COVERS_FIELD``): a firm's capital stands behind its deployments.
    owners = {row["owner_id"] for row, record in rows if record.get("evidence_when")}
    latest = pv.latest_filings(uow.conn, sorted(set(subjects) | owners), wanted)
    events = sorted({record["trigger"] for _, record in rows if record.get("occurrence_of")})
    answering: dict[str, list[dict[str, Any]]] = {}
    for answer in iv.answers(uow.conn, events, wanted) if events else []:
        answering.setdefault(answer["incident_id"], []).append(answer)
    # The event's own content is read only where a duty it answers asks for particular content.
    judged = sorted(
        {
            record["trigger"]
            for _, record in rows
            if record.get("occurrence_of")
            and record.get("evidence_when")
            and record.get("event") in record["discharged_by"]
        }
    )
    event_contents = iv.contents(uow.conn, judged) if judged else {}
    # Obligations asking for particular content read the documents, and only those on file.
    filed = {
        (row["subject_id"], kind)
        for row, record in rows
        if record.get("evidence_when") and not record.get("occurrence_of")
        for kind in record["discharged_by"]
        for about in (row["subject_id"], row["owner_id"])
        if (about, kind) in latest
    }
    evidence = (
        fv.contents(uow.conn, sorted({s for s, _ in filed}), sorted({k for _, k in filed})) if filed else []
    )
    now = clock.now()
    filings = []
    for row, record in rows:
        discharging = record.get("discharged_by", [])
        if record.get("occurrence_of"):
            # The event itself when it is the report asked for, else a filing naming the event,
            # whatever its subject (an incident about several models has occurrences on each);
            # with the content asked for, when the duty asks (a final report, not a follow-up).
            wanted_content = record.get("evidence_when") or {}
            found = [
                answer["id"]
                for answer in answering.get(record["trigger"], [])
                if answer["kind"] in discharging and meets(answer["content"], wanted_content, now)
            ]
            if record.get("event") in discharging and (
                not wanted_content or meets(event_contents.get(record["trigger"], {}), wanted_content, now)
            ):
                found.append(record["trigger"])
        elif record.get("evidence_when"):
            found = [
                filed.id
                for filed in evidence
                if _about(filed, row)
                and filed.kind in discharging
                and meets(filed.content, record["evidence_when"], now)
                and (not _since_attached(record) or filed.id > row["filing_id"])
            ]
        else:
            found = [
                filing_id
                for kind in discharging
                if (filing_id := latest.get((row["subject_id"], kind))) is not None
                and (not _since_attached(record) or filing_id > row["filing_id"])
            ]
        if found:
            content = {"reason": "discharged by a filing of the subject", "evidence": max(found)}
            filings.append(closing_filing(row, OBLIGATION_DISCHARGED, content, ENGINE, clock))
    uow.file(*filings)
    return filings
