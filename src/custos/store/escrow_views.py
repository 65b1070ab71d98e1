"""Projections of escrow: custodians, deposits with their share holders, releases and approvals.

The views hold what lists and checks read (a deposit's last audit, each holder's next
confirmation, a release's approvals); the shares and the manifest stay in the filings, read
from there by the service for the one party allowed each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from custos.core.clock import stored_utc
from custos.filings import Filing
from custos.store._tables import (
    escrow_approvals,
    escrow_custodians,
    escrow_deposits,
    escrow_holders,
    escrow_releases,
)


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """Rows as dicts, their times in UTC (SQLite returns them without their zone)."""
    return [
        {key: stored_utc(v) if isinstance(v, datetime) else v for key, v in row._mapping.items()}
        for row in conn.execute(query)
    ]


def _period(conn: Connection, appointment_id: str) -> timedelta:
    days = conn.execute(
        select(escrow_custodians.c.confirm_every_days).where(escrow_custodians.c.id == appointment_id)
    ).scalar_one()
    return timedelta(days=int(days))


# --- projections ---------------------------------------------------------------------------


def appointed(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(escrow_custodians),
        dict(
            id=filing.subject,
            organisation_id=content["organisation_id"],
            recipient=content["recipient"],
            keys=json.dumps(content["keys"], sort_keys=True),
            confirm_every_days=content.get("confirm_every_days", 90),
            valid_from=content["valid_from"],
            valid_until=content["valid_until"],
            status="appointed",
            reason=None,
            appointed_at=filing.filed_at,
            filing_id=filing.id,
        ),
    )


def custodian_withdrawn(conn: Connection, filing: Filing) -> None:
    conn.execute(
        update(escrow_custodians)
        .where(escrow_custodians.c.id == filing.subject)
        .values(status="withdrawn", reason=filing.content["reason"])
    )


def deposited(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(escrow_deposits),
        dict(
            id=filing.id,
            model_id=content["model_id"],
            owner_id=filing.organisation,
            passport_version=content["passport_version"],
            components=len(content["components"]),
            size=sum(component["size"] for component in content["components"]),
            chunks=content["chunks"],
            chunk_root=content["chunk_root"],
            threshold=content["threshold"],
            custodians=len(content["holders"]),
            deposited_at=filing.filed_at,
        ),
    )
    conn.execute(
        insert(escrow_holders),
        [
            dict(
                deposit_id=filing.id,
                appointment_id=holder["appointment_id"],
                commitment=holder["commitment"],
                confirmed_at=None,
                due_at=filing.filed_at + _period(conn, holder["appointment_id"]),
                missed=0,
            )
            for holder in content["holders"]
        ],
    )


def audited(conn: Connection, filing: Filing) -> None:
    conn.execute(
        update(escrow_deposits)
        .where(escrow_deposits.c.id == filing.content["deposit_id"])
        .values(audited_at=filing.filed_at, audit_passed=filing.content["passed"], audit_id=filing.id)
    )


def _holder(filing: Filing) -> Any:
    return (escrow_holders.c.deposit_id == filing.content["deposit_id"]) & (
        escrow_holders.c.appointment_id == filing.content["appointment_id"]
    )


def custody_confirmed(conn: Connection, filing: Filing) -> None:
    period = _period(conn, filing.content["appointment_id"])
    conn.execute(
        update(escrow_holders)
        .where(_holder(filing))
        .values(confirmed_at=filing.filed_at, due_at=filing.filed_at + period, missed=0)
    )


def confirmation_missed(conn: Connection, filing: Filing) -> None:
    """The next rung falls due one period after the confirmation that was missed."""
    period = _period(conn, filing.content["appointment_id"])
    due = datetime.fromisoformat(filing.content["due_at"])
    conn.execute(
        update(escrow_holders)
        .where(_holder(filing))
        .values(missed=filing.content["rung"], due_at=due + period)
    )


def release_requested(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(escrow_releases),
        dict(
            id=filing.id,
            deposit_id=content["deposit_id"],
            model_id=filing.subject,
            grounds=content["grounds"],
            statement=content["statement"],
            recipient=content["recipient"],
            requested_by=filing.actor,
            requested_at=filing.filed_at,
            status="requested",
            reason=None,
            closed_at=None,
        ),
    )


def release_approved(conn: Connection, filing: Filing) -> None:
    conn.execute(
        insert(escrow_approvals),
        dict(
            release_id=filing.content["release_id"],
            appointment_id=filing.content["appointment_id"],
            filing_id=filing.id,
            approved_at=filing.filed_at,
        ),
    )


def opened(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        update(escrow_releases)
        .where(escrow_releases.c.id == content["release_id"])
        .values(status=content["outcome"], reason=content.get("reason"), closed_at=filing.filed_at)
    )
    if content["outcome"] == "opened":
        deposit_id = conn.execute(
            select(escrow_releases.c.deposit_id).where(escrow_releases.c.id == content["release_id"])
        ).scalar_one()
        conn.execute(
            update(escrow_deposits)
            .where(escrow_deposits.c.id == deposit_id)
            .values(opened_at=filing.filed_at)
        )


# --- queries -------------------------------------------------------------------------------


def custodian(conn: Connection, appointment_id: str) -> dict[str, Any] | None:
    found = _rows(conn, select(escrow_custodians).where(escrow_custodians.c.id == appointment_id))
    return found[0] if found else None


def list_custodians(conn: Connection, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    query = select(escrow_custodians).order_by(escrow_custodians.c.appointed_at)
    if ids is not None:
        query = query.where(escrow_custodians.c.id.in_(list(ids)))
    return _rows(conn, query)


def appointments_of(conn: Connection, organisation_id: str) -> list[str]:
    return list(
        conn.execute(
            select(escrow_custodians.c.id).where(escrow_custodians.c.organisation_id == organisation_id)
        ).scalars()
    )


def deposit(conn: Connection, deposit_id: str) -> dict[str, Any] | None:
    found = _rows(conn, select(escrow_deposits).where(escrow_deposits.c.id == deposit_id))
    return found[0] if found else None


def list_deposits(
    conn: Connection,
    *,
    model_id: str | None = None,
    owner_id: str | None = None,
    holder_of: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Deposits, newest first; ``owner_id`` and ``holder_of`` (appointment ids) together mean
    either: what an organisation deposited or holds a share of."""
    query = select(escrow_deposits).order_by(escrow_deposits.c.deposited_at.desc(), escrow_deposits.c.id)
    if model_id is not None:
        query = query.where(escrow_deposits.c.model_id == model_id)
    reach = []
    if owner_id is not None:
        reach.append(escrow_deposits.c.owner_id == owner_id)
    if holder_of is not None:
        held = select(escrow_holders.c.deposit_id).where(escrow_holders.c.appointment_id.in_(list(holder_of)))
        reach.append(escrow_deposits.c.id.in_(held))
    if reach:
        query = query.where(or_(*reach))
    return _rows(conn, query)


def latest_deposit(conn: Connection, model_id: str) -> dict[str, Any] | None:
    found = list_deposits(conn, model_id=model_id)
    return found[0] if found else None


def holders(conn: Connection, deposit_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not deposit_ids:
        return []
    return _rows(
        conn,
        select(escrow_holders)
        .where(escrow_holders.c.deposit_id.in_(list(deposit_ids)))
        .order_by(escrow_holders.c.deposit_id, escrow_holders.c.appointment_id),
    )


def overdue_holders(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Holders whose confirmation fell due, of deposits not yet opened."""
    return _rows(
        conn,
        select(escrow_holders)
        .join(escrow_deposits, escrow_deposits.c.id == escrow_holders.c.deposit_id)
        .where(escrow_holders.c.due_at <= now, escrow_deposits.c.opened_at.is_(None))
        .order_by(escrow_holders.c.due_at),
    )


def audits_due(conn: Connection, before: datetime) -> list[dict[str, Any]]:
    """Deposits never audited, or last audited before ``before``, and not yet opened."""
    return _rows(
        conn,
        select(escrow_deposits)
        .where(
            escrow_deposits.c.opened_at.is_(None),
            or_(escrow_deposits.c.audited_at.is_(None), escrow_deposits.c.audited_at < before),
        )
        .order_by(escrow_deposits.c.deposited_at),
    )


def release(conn: Connection, release_id: str) -> dict[str, Any] | None:
    found = _rows(conn, select(escrow_releases).where(escrow_releases.c.id == release_id))
    return found[0] if found else None


def list_releases(conn: Connection, *, deposit_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    query = select(escrow_releases).order_by(escrow_releases.c.requested_at.desc(), escrow_releases.c.id)
    if deposit_ids is not None:
        query = query.where(escrow_releases.c.deposit_id.in_(list(deposit_ids)))
    return _rows(conn, query)


def approvals(conn: Connection, release_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not release_ids:
        return []
    return _rows(
        conn,
        select(escrow_approvals)
        .where(escrow_approvals.c.release_id.in_(list(release_ids)))
        .order_by(escrow_approvals.c.approved_at, escrow_approvals.c.appointment_id),
    )


def open_releases(conn: Connection, deposit_id: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(escrow_releases)
            .where(escrow_releases.c.deposit_id == deposit_id, escrow_releases.c.status == "requested")
        ).scalar_one()
    )
