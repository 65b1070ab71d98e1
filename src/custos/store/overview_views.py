"""Counts for the overview page: what is registered, what is due, which licences stand where.

Counts run in the database (``COUNT … GROUP BY``) so the overview stays fast on a full registry.
Obligation and licence counts take the viewer's organisation: a viewer who does not see
everything counts only its own, as it lists only its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, select

from custos.store._tables import deployments, licences, models, obligations, organisations


def registry_counts(conn: Connection) -> dict[str, int]:
    return {
        "organisations": conn.execute(select(func.count()).select_from(organisations)).scalar_one(),
        "models": conn.execute(select(func.count()).select_from(models)).scalar_one(),
        "deployments": conn.execute(select(func.count()).select_from(deployments)).scalar_one(),
    }


def obligation_counts(
    conn: Connection, now: datetime, week_end: datetime, owner: str | None
) -> dict[str, int]:
    """Open obligations overdue and due before ``week_end``, and every status's count."""
    mine = [] if owner is None else [obligations.c.owner_id == owner]
    open_ = [obligations.c.status == "open", *mine]

    def count(*conditions: ColumnElement[bool]) -> int:
        return int(
            conn.execute(select(func.count()).select_from(obligations).where(and_(*conditions))).scalar_one()
        )

    by_status = {
        status: int(total)
        for status, total in conn.execute(
            select(obligations.c.status, func.count()).where(*mine).group_by(obligations.c.status)
        )
    }
    return {
        "overdue": count(*open_, obligations.c.due_at < now),
        "due_this_week": count(*open_, obligations.c.due_at >= now, obligations.c.due_at < week_end),
        **{f"status_{status}": total for status, total in sorted(by_status.items())},
    }


def licence_counts(conn: Connection, applicant: str | None) -> dict[str, int]:
    query = select(licences.c.status, func.count()).group_by(licences.c.status)
    if applicant is not None:
        query = query.where(licences.c.applicant_id == applicant)
    return {status: int(total) for status, total in conn.execute(query)}
