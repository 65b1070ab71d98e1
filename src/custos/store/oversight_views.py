"""Queries for oversight: the incidents about a model, with who reported them and what followed."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from custos.store._tables import actors, filings, incident_subjects

OPERATOR_ACTOR = "operator"  # the installation's own supervisor, filing from the command line


@dataclass(frozen=True)
class IncidentRow:
    id: str
    severity: str
    organisation: str  # on whose behalf it was reported
    by_supervisor: bool
    confirmed: bool  # a supervisor has confirmed a third party's report
    closed: bool


def incidents_about(
    conn: Connection, model_id: str, *, reported: str, confirmed: str, closed: str
) -> list[IncidentRow]:
    """Every incident reported about ``model_id`` (among the models it names), given the kinds
    that report, confirm and close."""
    named = select(incident_subjects.c.incident_id).where(incident_subjects.c.subject_id == model_id)
    rows = conn.execute(
        select(filings.c.id, filings.c.document, filings.c.organisation)
        .where(filings.c.kind == reported, filings.c.id.in_(named))
        .order_by(filings.c.idx)
    ).all()
    if not rows:
        return []
    documents = {row.id: json.loads(row.document) for row in rows}
    reporters = {document["actor"] for document in documents.values()}
    supervisors = {OPERATOR_ACTOR} | set(
        conn.execute(
            select(actors.c.id).where(actors.c.id.in_(reporters), actors.c.role == "supervisor")
        ).scalars()
    )
    ids = list(documents)
    followed = conn.execute(
        select(filings.c.kind, filings.c.subject).where(
            filings.c.kind.in_([confirmed, closed]), filings.c.subject.in_(ids)
        )
    ).all()
    confirmed_ids = {subject for kind, subject in followed if kind == confirmed}
    closed_ids = {subject for kind, subject in followed if kind == closed}
    return [
        IncidentRow(
            id=row.id,
            severity=documents[row.id]["content"]["severity"],
            organisation=row.organisation,
            by_supervisor=documents[row.id]["actor"] in supervisors,
            confirmed=row.id in confirmed_ids,
            closed=row.id in closed_ids,
        )
        for row in rows
    ]


def incident_reported(conn: Connection, incident_id: str, reported: str) -> str | None:
    """The organisation an incident report was filed for, or None when no such report exists."""
    row = conn.execute(
        select(filings.c.organisation, filings.c.kind).where(filings.c.id == incident_id)
    ).first()
    return None if row is None or row.kind != reported else str(row.organisation)


def followed_by(conn: Connection, incident_id: str, kind: str) -> str | None:
    """The id of the filing of ``kind`` about the incident, if there is one."""
    return conn.execute(
        select(filings.c.id).where(filings.c.kind == kind, filings.c.subject == incident_id)
    ).scalar()
