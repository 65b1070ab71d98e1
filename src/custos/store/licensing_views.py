"""Projections of licence filings into the licences view, and its queries."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update

from custos.filings import Filing
from custos.store._tables import licences, recognitions, rollouts

#: The status each decision leaves a licence in.
STATUS = {
    "licence.granted": "granted",
    "licence.refused": "refused",
    "licence.suspended": "suspended",
    "licence.reinstated": "granted",
    "licence.revoked": "revoked",
    "licence.expired": "expired",
}


def licence_applied(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(licences),
        dict(
            id=filing.subject,
            applicant_id=content["applicant_id"],
            model_id=content["model_id"],
            status="applied",
            scope=json.dumps(content["scope"], sort_keys=True),
            conditions="[]",
            term_months=content["term_months"],
            updated_at=filing.filed_at,
            filing_id=filing.id,
        ),
    )


def licence_decided(conn: Connection, filing: Filing) -> None:
    """A decision on a licence (grant, refusal, suspension, reinstatement, revocation, expiry)."""
    content = filing.content
    values: dict[str, Any] = dict(status=STATUS[filing.kind], updated_at=filing.filed_at, filing_id=filing.id)
    if filing.kind == "licence.granted":
        values.update(
            conditions=json.dumps(content["conditions"], sort_keys=True),
            valid_from=date.fromisoformat(content["valid_from"]),
            valid_until=date.fromisoformat(content["valid_until"]),
            reason=None,
        )
        if content.get("scope"):
            values["scope"] = json.dumps(content["scope"], sort_keys=True)
    else:
        values["reason"] = content["reason"]
    conn.execute(update(licences).where(licences.c.id == filing.subject).values(**values))


def licence_varied(conn: Connection, filing: Filing) -> None:
    content = filing.content
    values: dict[str, Any] = dict(updated_at=filing.filed_at, filing_id=filing.id, reason=content["reason"])
    if content.get("conditions") is not None:
        values["conditions"] = json.dumps(content["conditions"], sort_keys=True)
    if content.get("scope") is not None:
        values["scope"] = json.dumps(content["scope"], sort_keys=True)
    if content.get("valid_until") is not None:
        values["valid_until"] = date.fromisoformat(content["valid_until"])
    conn.execute(update(licences).where(licences.c.id == filing.subject).values(**values))


def licence(conn: Connection, licence_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(licences).where(licences.c.id == licence_id)).mappings().first()
    return dict(row) if row else None


def list_licences(
    conn: Connection, *, status: str | None, model: str | None, applicant: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    query = select(licences)
    for column, value in (
        (licences.c.status, status),
        (licences.c.model_id, model),
        (licences.c.applicant_id, applicant),
    ):
        if value:
            query = query.where(column == value)
    rows = conn.execute(
        query.order_by(licences.c.updated_at.desc(), licences.c.id).limit(limit).offset(offset)
    )
    return [dict(r) for r in rows.mappings()]


def in_force(conn: Connection) -> list[dict[str, Any]]:
    """Licences the decision point needs: granted or suspended ones."""
    rows = conn.execute(select(licences).where(licences.c.status.in_(["granted", "suspended"])))
    return [dict(r) for r in rows.mappings()]


def rollout_planned(conn: Connection, filing: Filing) -> None:
    values = dict(
        plan=json.dumps(filing.content, sort_keys=True),
        stage=0,
        status="active",
        moved_at=filing.filed_at,
        reason=None,
        filing_id=filing.id,
    )
    if rollout(conn, filing.subject) is None:
        conn.execute(insert(rollouts), dict(licence_id=filing.subject, **values))
    else:
        conn.execute(update(rollouts).where(rollouts.c.licence_id == filing.subject).values(**values))


def rollout_moved(conn: Connection, filing: Filing) -> None:
    """A rollout promoted, rolled back or held."""
    status = "held" if filing.kind == "rollout.held" else "active"
    conn.execute(
        update(rollouts)
        .where(rollouts.c.licence_id == filing.subject)
        .values(
            stage=filing.content["stage"],
            status=status,
            moved_at=filing.filed_at,
            reason=filing.content["reason"],
            filing_id=filing.id,
        )
    )


def rollout(conn: Connection, licence_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(rollouts).where(rollouts.c.licence_id == licence_id)).mappings().first()
    return dict(row) if row else None


def all_rollouts(conn: Connection) -> dict[str, dict[str, Any]]:
    return {row["licence_id"]: dict(row) for row in conn.execute(select(rollouts)).mappings()}


def recognition_agreed(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(recognitions),
        dict(
            id=filing.subject,
            recognising=content["recognising"],
            recognised=content["recognised"],
            terms=json.dumps(content, sort_keys=True),
            status="in force",
            filing_id=filing.id,
        ),
    )


def recognition_ended(conn: Connection, filing: Filing) -> None:
    conn.execute(
        update(recognitions)
        .where(recognitions.c.id == filing.subject)
        .values(status="ended", filing_id=filing.id)
    )


def recognition(conn: Connection, agreement_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(recognitions).where(recognitions.c.id == agreement_id)).mappings().first()
    return dict(row) if row else None


def list_recognitions(conn: Connection, *, in_force_only: bool = False) -> list[dict[str, Any]]:
    query = select(recognitions).order_by(
        recognitions.c.recognising, recognitions.c.recognised, recognitions.c.id
    )
    if in_force_only:
        query = query.where(recognitions.c.status == "in force")
    return [dict(r) for r in conn.execute(query).mappings()]
