"""What the store says that an envelope is checked against: the engagement it names, its
auditor's accreditations with their steps, and the filings its subject may be named by."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from custos.assurance.statement import subject_name
from custos.assurance.subjects import AuditedSubject, audited_subject
from custos.assurance.verification import AccreditationRecord, EngagementRecord, Evidence
from custos.core.clock import stored_utc
from custos.store import Connection, Store
from custos.store import assurance_views as av
from custos.store import registry_views as rv


def accreditation_record(row: Mapping[str, Any], steps: Any) -> AccreditationRecord:
    return AccreditationRecord(
        id=row["id"],
        organisation_id=row["organisation_id"],
        keys=tuple(json.loads(row["keys"])),
        scopes=tuple(json.loads(row["scopes"])),
        valid_from=_day(row["valid_from"]),
        valid_until=_day(row["valid_until"]),
        steps=tuple(steps),
    )


def engagement_record(row: Mapping[str, Any], kind: str) -> EngagementRecord:
    """An engagement's view row, about a subject of ``kind``, as the checks read it."""
    return EngagementRecord(
        id=row["id"],
        subject_id=row["subject_id"],
        subject_kind="model" if kind == "model" else "deployment",
        auditor_id=row["auditor_id"],
        scope=row["scope"],
        finding_id=row["finding_id"],
        engaged_at=stored_utc(row["engaged_at"]),
    )


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def subject_filings(store: Store, conn: Connection, subject: AuditedSubject) -> dict[str, str]:
    """Digest to filing id of what an audit of the subject may name: a model's passports (any
    version: an audit is of the passport it names), a deployment's registration."""
    ids = (
        [passport["filing_id"] for passport in rv.passport_history(conn, subject.id)]
        if subject.kind == "model"
        else [subject.row["filing_id"]]
    )
    found = {}
    for filing_id in ids:
        filed = store.filing(conn, filing_id)
        if filed is not None:
            found[filed[0].digest()] = filing_id
    return found


def evidence_for(store: Store, conn: Connection, engagement_id: str, auditor_id: str) -> Evidence:
    """The evidence an envelope naming this engagement and auditor is checked against."""
    row = av.engagement(conn, engagement_id)
    engagement = None
    filings: dict[str, str] = {}
    if row is not None:
        subject = audited_subject(conn, row["subject_id"])
        if subject is not None:
            filings = subject_filings(store, conn, subject)
            engagement = engagement_record(row, subject.kind)
    rows = av.accreditations_of(conn, auditor_id)
    steps = av.steps_of(conn, [r["id"] for r in rows])
    return Evidence(
        engagement=engagement,
        accreditations=[accreditation_record(r, steps.get(r["id"], ())) for r in rows],
        subject_filings=filings,
    )


def statement_subject(store: Store, conn: Connection, subject_id: str) -> dict[str, Any] | None:
    """The subject an audit of ``subject_id`` signs today: the model's current passport, or the
    deployment's registration, by name and digest; None when a model has no passport yet."""
    subject = audited_subject(conn, subject_id)
    if subject is None:
        return None
    filing_id = (
        subject.row["filing_id"]
        if subject.kind == "deployment"
        else rv.current_passport_ids(conn, [subject_id]).get(subject_id)
    )
    filed = store.filing(conn, filing_id) if filing_id else None
    if filed is None:
        return None
    return {
        "name": subject_name(subject.kind, subject_id),
        "digest": {"sha256": filed[0].digest()},
    }
