"""Projections of red-team findings into the findings view, and its queries.

A row holds where the finding stands (its status and the moment its current clock runs from),
the report's content with each field's visibility (so reads redact from the row itself), the
public summary once published, and the escalation rungs already taken (so the sweep takes
each once).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from custos.filings import Filing
from custos.store._tables import findings

#: Statuses in which a clock runs, and the one that ends them all.
OPEN = ("reported", "acknowledged", "mitigated")
CLOSED = "closed"
#: A retest with one of these opinions closes the finding; any other sends it back to mitigation.
CLOSING_OPINIONS = ("pass", "qualified")


def reported(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(findings),
        dict(
            id=filing.id,
            subject_id=content["subject_id"],
            owner_id=filing.organisation,
            jurisdiction=filing.jurisdiction,
            severity=content["severity"],
            status="reported",
            found_at=datetime.fromisoformat(content["found_at"]),
            reported_at=filing.filed_at,
            clock_from=filing.filed_at,
            content=json.dumps(content, sort_keys=True),
            visibility=json.dumps(filing.visibility, sort_keys=True),
            filing_id=filing.id,
        ),
    )


def _move(conn: Connection, filing: Filing, **values: Any) -> None:
    conn.execute(
        update(findings).where(findings.c.id == filing.subject).values(filing_id=filing.id, **values)
    )


def acknowledged(conn: Connection, filing: Filing) -> None:
    _move(conn, filing, status="acknowledged", clock_from=filing.filed_at)


def mitigated(conn: Connection, filing: Filing) -> None:
    _move(conn, filing, status="mitigated", clock_from=filing.filed_at)


def retested(conn: Connection, filing: Filing) -> None:
    """A passing (or qualified) retest closes the finding; an adverse one sends it back to
    mitigation, whose clock starts again from the retest."""
    if filing.content["opinion"] in CLOSING_OPINIONS:
        _move(conn, filing, status=CLOSED, closed_at=filing.filed_at)
    else:
        _move(conn, filing, status="acknowledged", clock_from=filing.filed_at)


def reopened(conn: Connection, filing: Filing) -> None:
    _move(conn, filing, status="acknowledged", clock_from=filing.filed_at, closed_at=None)


def escalated(conn: Connection, filing: Filing) -> None:
    row = finding(conn, filing.subject)
    taken = [*json.loads(row["escalations"]), filing.content["step"]] if row else [filing.content["step"]]
    conn.execute(
        update(findings).where(findings.c.id == filing.subject).values(escalations=json.dumps(taken))
    )


def published(conn: Connection, filing: Filing) -> None:
    conn.execute(
        update(findings)
        .where(findings.c.id == filing.subject)
        .values(published_at=filing.filed_at, summary=filing.content["summary"])
    )


def finding(conn: Connection, finding_id: str) -> dict[str, Any] | None:
    """A finding's row (``subject_id``, ``owner_id``, ``status`` among its columns), or None."""
    row = conn.execute(select(findings).where(findings.c.id == finding_id)).mappings().first()
    return dict(row) if row else None


@dataclass(frozen=True)
class FindingQuery:
    """Filters on the public columns of findings."""

    severity: str | None = None
    status: str | None = None
    subject: str | None = None


def _filters(query: FindingQuery) -> list[ColumnElement[bool]]:
    return [
        column == value
        for column, value in (
            (findings.c.severity, query.severity),
            (findings.c.status, query.status),
            (findings.c.subject_id, query.subject),
        )
        if value
    ]


def list_findings(
    conn: Connection,
    query: FindingQuery,
    *,
    owners: Sequence[str] | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Findings matching ``query``, newest first. ``owners`` None: every finding (a supervisor);
    otherwise the findings of those organisations and the published ones."""
    statement = select(findings).where(*_filters(query))
    if owners is not None:
        statement = statement.where(
            or_(findings.c.owner_id.in_(list(owners)), findings.c.published_at.is_not(None))
        )
    rows = conn.execute(
        statement.order_by(findings.c.reported_at.desc(), findings.c.id.desc()).limit(limit).offset(offset)
    )
    return [dict(row) for row in rows.mappings()]


def counts_by_severity(conn: Connection, query: FindingQuery) -> dict[str, int]:
    """How many findings match ``query``, by severity, published or not."""
    rows = conn.execute(
        select(findings.c.severity, func.count()).where(*_filters(query)).group_by(findings.c.severity)
    )
    return {str(row[0]): int(row[1]) for row in rows}


def open_findings(conn: Connection) -> list[dict[str, Any]]:
    """Every finding with a clock running, oldest first."""
    rows = conn.execute(
        select(findings).where(findings.c.status.in_(OPEN)).order_by(findings.c.reported_at, findings.c.id)
    )
    return [dict(row) for row in rows.mappings()]
