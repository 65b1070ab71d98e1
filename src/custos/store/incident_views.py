"""Projections of incidents into their views, and the queries that list and read them.

An ``incidents`` row holds where an incident stands (open, confirmed, closed), whether and when a
supervisor published it with its public summary, and the report's content with each field's
visibility, so reads redact from the row itself. ``incident_parties`` names the organisations an
incident concerns (the providers of its models, the deployers of its deployments), which is what
a provider's or a deployer's list walks; ``incident_reports`` holds what follows the initial
report: follow-up and final reports, disclosures to authorities.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.sql import Select

from custos.filings import Filing
from custos.store._tables import (
    filings,
    incident_parties,
    incident_reports,
    incident_subjects,
    incidents,
    obligations,
)

OCCURRENCE = "#"  # separates a standing duty's key from the event that started its clock


def reported(conn: Connection, filing: Filing, content: dict[str, Any], parties: Collection[str]) -> None:
    """An incident's initial report, ``content`` in the current shape, and the organisations it concerns."""
    conn.execute(
        insert(incidents),
        dict(
            id=filing.id,
            subject_id=filing.subject,
            owner_id=filing.organisation,
            jurisdiction=filing.jurisdiction,
            severity=content["severity"],
            status="open",
            occurred_at=datetime.fromisoformat(content["occurred_at"]),
            reported_at=filing.filed_at,
            content=json.dumps(content, sort_keys=True),
            visibility=json.dumps(filing.visibility, sort_keys=True),
        ),
    )
    concerned = sorted(set(parties) | {filing.organisation})
    conn.execute(
        insert(incident_parties), [dict(incident_id=filing.id, organisation_id=o) for o in concerned]
    )
    named = dict.fromkeys([*content["model_ids"], *content.get("deployment_ids", [])])
    conn.execute(insert(incident_subjects), [dict(incident_id=filing.id, subject_id=s) for s in named])


def moved(conn: Connection, incident_id: str, status: str) -> None:
    conn.execute(update(incidents).where(incidents.c.id == incident_id).values(status=status))


def confirmed(conn: Connection, filing: Filing) -> None:
    """A confirmation leaves a closed incident closed (a step is refused on one, but replay is literal)."""
    conn.execute(
        update(incidents)
        .where(incidents.c.id == filing.subject, incidents.c.status == "open")
        .values(status="confirmed")
    )


def closed(conn: Connection, filing: Filing) -> None:
    moved(conn, filing.subject, "closed")


def published(conn: Connection, filing: Filing) -> None:
    conn.execute(
        update(incidents)
        .where(incidents.c.id == filing.subject)
        .values(published_at=filing.filed_at, public_summary=filing.content["summary"])
    )


def followed(conn: Connection, filing: Filing) -> None:
    """A report or disclosure naming the incident it follows (``incident_id``)."""
    conn.execute(
        insert(incident_reports),
        dict(
            id=filing.id,
            incident_id=filing.content["incident_id"],
            kind=filing.kind,
            owner_id=filing.organisation,
            filed_at=filing.filed_at,
            content=json.dumps(filing.content, sort_keys=True),
            visibility=json.dumps(filing.visibility, sort_keys=True),
        ),
    )


def incident(conn: Connection, incident_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().first()
    return dict(row) if row else None


def parties(conn: Connection, incident_id: str) -> set[str]:
    """The organisations the incident concerns (its reporter among them)."""
    rows = conn.execute(
        select(incident_parties.c.organisation_id).where(incident_parties.c.incident_id == incident_id)
    )
    return set(rows.scalars())


@dataclass(frozen=True)
class IncidentQuery:
    status: str | None = None


def _visible(query: IncidentQuery, organisation: str | None, everything: bool) -> Select[Any]:
    """The incidents matching ``query`` that a reader sees: every one (a supervisor), those that
    concern its organisation or were published (a firm), the published ones (the public)."""
    statement = select(incidents)
    if query.status:
        statement = statement.where(incidents.c.status == query.status)
    if everything:
        return statement
    published_ = incidents.c.published_at.is_not(None)
    if organisation is None:
        return statement.where(published_)
    concerned = select(incident_parties.c.incident_id).where(
        incident_parties.c.organisation_id == organisation
    )
    return statement.where(or_(published_, incidents.c.id.in_(concerned)))


def list_incidents(
    conn: Connection,
    query: IncidentQuery,
    *,
    organisation: str | None,
    everything: bool,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the incidents the reader sees, newest report first, and how many there are."""
    statement = _visible(query, organisation, everything)
    total = conn.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    rows = conn.execute(
        statement.order_by(incidents.c.reported_at.desc(), incidents.c.id.desc()).limit(limit).offset(offset)
    )
    return [dict(row) for row in rows.mappings()], int(total)


def reports_of(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    """What followed the incident's initial report, oldest first."""
    rows = conn.execute(
        select(incident_reports)
        .where(incident_reports.c.incident_id == incident_id)
        .order_by(incident_reports.c.filed_at, incident_reports.c.id)
    )
    return [dict(row) for row in rows.mappings()]


def answers(conn: Connection, event_ids: Sequence[str], kinds: Sequence[str]) -> list[dict[str, Any]]:
    """Filings of ``kinds`` that name one of these incidents, whatever their subject: ``id``,
    ``kind``, ``incident_id`` and ``content``, oldest first."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(event_ids), 500):
        rows = conn.execute(
            select(incident_reports)
            .where(
                incident_reports.c.incident_id.in_(list(event_ids[start : start + 500])),
                incident_reports.c.kind.in_(list(kinds)),
            )
            .order_by(incident_reports.c.id)
        )
        found += [{**row, "content": json.loads(row["content"])} for row in rows.mappings()]
    return found


def clocks_of(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    """Every obligation whose clock the incident started (``<key>#<incident id>``), on any subject."""
    rows = conn.execute(
        select(obligations)
        .where(obligations.c.key.like(f"%{OCCURRENCE}{incident_id}"))
        .order_by(obligations.c.due_at, obligations.c.key, obligations.c.subject_id)
    )
    return [dict(row) for row in rows.mappings()]


def clock_subjects(conn: Connection, event_ids: Sequence[str]) -> set[str]:
    """The subjects with an open obligation whose clock one of these events started."""
    if not event_ids:
        return set()
    rows = conn.execute(
        select(obligations.c.subject_id).where(
            obligations.c.status == "open",
            or_(*(obligations.c.key.like(f"%{OCCURRENCE}{event}") for event in event_ids)),
        )
    )
    return set(rows.scalars())


def contents(conn: Connection, filing_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The content of each of these filings, by id."""
    rows = conn.execute(select(filings.c.id, filings.c.document).where(filings.c.id.in_(list(filing_ids))))
    return {filing_id: json.loads(document)["content"] for filing_id, document in rows}
