"""Projections of peers and notices, and the operational state of federation.

Views (rebuilt by replay): the peers, the notices flagged for them (the outbox) and the notices
received from them (the inbox). Operational state (never logged, since it changes with every
exchange and proves nothing by itself): the peer's log head this installation last cosigned
(its witness memory), how far each peer has cosigned this log, delivery attempts, and notices
refused, each with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from custos.core.clock import stored_utc
from custos.filings import Filing
from custos.store._tables import (
    federation_delivery,
    federation_heads,
    federation_inbox,
    federation_links,
    federation_outbox,
    federation_peers,
    federation_refusals,
)

#: The refusals kept: enough to investigate a bad peer, never enough to fill the disk.
REFUSALS_KEPT = 10_000

PEER_STATUS = {"peer.withdrawn": "withdrawn", "peer.flagged": "flagged", "peer.cleared": "active"}


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """Rows as dicts, their times in UTC (SQLite returns them without their zone)."""
    return [
        {key: stored_utc(v) if isinstance(v, datetime) else v for key, v in row._mapping.items()}
        for row in conn.execute(query)
    ]


# --- projections ---------------------------------------------------------------------------


def recognised(conn: Connection, filing: Filing) -> None:
    """A first recognition adds the peer; a later one (same origin) replaces its terms."""
    content = filing.content
    values = dict(
        name=content["name"],
        url=content["url"],
        log_key=content["log_key"],
        witness_key=content["witness_key"],
        scope=json.dumps(content["scope"], sort_keys=True),
        status="active",
        flag=None,
        filing_id=filing.id,
    )
    if filing.supersedes is None:
        conn.execute(
            insert(federation_peers),
            dict(id=filing.subject, origin=content["origin"], recognised_at=filing.filed_at, **values),
        )
    else:
        conn.execute(update(federation_peers).where(federation_peers.c.id == filing.subject).values(**values))


def peer_step(conn: Connection, filing: Filing) -> None:
    flag = (
        json.dumps({"reason": filing.content["reason"], "filing": filing.id})
        if filing.kind == "peer.flagged"
        else None
    )
    conn.execute(
        update(federation_peers)
        .where(federation_peers.c.id == filing.subject)
        .values(status=PEER_STATUS[filing.kind], flag=flag, filing_id=filing.id)
    )


def notice_flagged(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(federation_outbox),
        dict(
            id=filing.id,
            peer_id=content["peer_id"],
            filing_id=content["filing_id"],
            kind=content["kind"],
            flagged_at=filing.filed_at,
        ),
    )


def notice_acknowledged(conn: Connection, filing: Filing) -> None:
    statement = (
        update(federation_outbox)
        .where(federation_outbox.c.id == bindparam("notice"))
        .values(acknowledged_at=filing.filed_at, received_as=bindparam("received"))
    )
    acknowledged = filing.content["notices"]
    conn.execute(statement, [{"notice": n["notice_id"], "received": n["received_as"]} for n in acknowledged])


def notice_received(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(federation_inbox),
        dict(
            id=filing.id,
            peer_id=content["peer_id"],
            origin=content["origin"],
            notice_id=content["notice_id"],
            filing_id=content["filing_id"],
            kind=content["kind"],
            received_at=filing.filed_at,
        ),
    )


# --- peers ---------------------------------------------------------------------------------


def peers(conn: Connection, *, status: str | None = None) -> list[dict[str, Any]]:
    query = select(federation_peers).order_by(federation_peers.c.name, federation_peers.c.id)
    if status is not None:
        query = query.where(federation_peers.c.status == status)
    return _rows(conn, query)


def peer(conn: Connection, peer_id: str) -> dict[str, Any] | None:
    rows = _rows(conn, select(federation_peers).where(federation_peers.c.id == peer_id))
    return rows[0] if rows else None


def peer_by_origin(conn: Connection, origin: str) -> dict[str, Any] | None:
    rows = _rows(conn, select(federation_peers).where(federation_peers.c.origin == origin))
    return rows[0] if rows else None


def witness_keys(conn: Connection) -> list[str]:
    """The witness keys of every peer ever recognised: their cosignatures stay checkable after a
    peer is withdrawn."""
    return list(conn.execute(select(federation_peers.c.witness_key)).scalars())


# --- the outbox ----------------------------------------------------------------------------


def pending(conn: Connection, peer_id: str, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Notices flagged for the peer, not yet acknowledged, due for an attempt, oldest first."""
    query = (
        select(federation_outbox, federation_delivery.c.attempts)
        .outerjoin(federation_delivery, federation_delivery.c.notice_id == federation_outbox.c.id)
        .where(
            federation_outbox.c.peer_id == peer_id,
            federation_outbox.c.acknowledged_at.is_(None),
            (federation_delivery.c.next_attempt_at.is_(None))
            | (federation_delivery.c.next_attempt_at <= now),
        )
        .order_by(federation_outbox.c.id)
        .limit(limit)
    )
    return _rows(conn, query)


def flagged_already(conn: Connection, peer_id: str, filing_ids: Sequence[str]) -> set[str]:
    """Which of these filings are already flagged for the peer."""
    if not filing_ids:
        return set()
    query = select(federation_outbox.c.filing_id).where(
        federation_outbox.c.peer_id == peer_id, federation_outbox.c.filing_id.in_(list(filing_ids))
    )
    return set(conn.execute(query).scalars())


def outbox_entry(conn: Connection, notice_id: str) -> dict[str, Any] | None:
    rows = _rows(conn, select(federation_outbox).where(federation_outbox.c.id == notice_id))
    return rows[0] if rows else None


def attempted(
    conn: Connection, notice_ids: Sequence[str], next_attempt_at: datetime, error: str | None
) -> None:
    """Record a failed or refused attempt at delivering these notices, and when to try again."""
    existing = dict(
        conn.execute(
            select(federation_delivery.c.notice_id, federation_delivery.c.attempts).where(
                federation_delivery.c.notice_id.in_(list(notice_ids))
            )
        ).all()
    )
    for notice_id in notice_ids:
        values = dict(next_attempt_at=next_attempt_at, last_error=error)
        if notice_id in existing:
            conn.execute(
                update(federation_delivery)
                .where(federation_delivery.c.notice_id == notice_id)
                .values(attempts=existing[notice_id] + 1, **values)
            )
        else:
            conn.execute(insert(federation_delivery), dict(notice_id=notice_id, attempts=1, **values))


def delivery(conn: Connection, notice_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = _rows(
        conn, select(federation_delivery).where(federation_delivery.c.notice_id.in_(list(notice_ids)))
    )
    return {row["notice_id"]: row for row in rows}


def outbox(conn: Connection, *, peer_id: str | None, before: str | None, limit: int) -> list[dict[str, Any]]:
    query = select(federation_outbox).order_by(federation_outbox.c.id.desc()).limit(limit)
    if peer_id is not None:
        query = query.where(federation_outbox.c.peer_id == peer_id)
    if before is not None:
        query = query.where(federation_outbox.c.id < before)
    return _rows(conn, query)


# --- the inbox -----------------------------------------------------------------------------


def received(
    conn: Connection, origin: str, notice_ids: Sequence[str], filing_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Notices from ``origin`` already received, by notice or by the filing they carried."""
    query = select(federation_inbox).where(
        federation_inbox.c.origin == origin,
        federation_inbox.c.notice_id.in_(list(notice_ids))
        | federation_inbox.c.filing_id.in_(list(filing_ids)),
    )
    return _rows(conn, query)


def received_incidents(conn: Connection, origin: str, reported: str) -> set[str]:
    """The ids (in the peer's log) of the incidents received from ``origin``, of kind ``reported``."""
    query = select(federation_inbox.c.filing_id).where(
        federation_inbox.c.origin == origin, federation_inbox.c.kind == reported
    )
    return set(conn.execute(query).scalars())


def inbox(conn: Connection, *, peer_id: str | None, before: str | None, limit: int) -> list[dict[str, Any]]:
    query = select(federation_inbox).order_by(federation_inbox.c.id.desc()).limit(limit)
    if peer_id is not None:
        query = query.where(federation_inbox.c.peer_id == peer_id)
    if before is not None:
        query = query.where(federation_inbox.c.id < before)
    return _rows(conn, query)


def last_exchanged(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per peer: the newest notice received from it and the newest acknowledged by it."""
    last: dict[str, dict[str, Any]] = {}
    for peer_id, at in conn.execute(
        select(federation_inbox.c.peer_id, func.max(federation_inbox.c.received_at)).group_by(
            federation_inbox.c.peer_id
        )
    ):
        last.setdefault(peer_id, {})["received_at"] = stored_utc(at)
    for peer_id, at in conn.execute(
        select(federation_outbox.c.peer_id, func.max(federation_outbox.c.acknowledged_at)).group_by(
            federation_outbox.c.peer_id
        )
    ):
        last.setdefault(peer_id, {})["acknowledged_at"] = stored_utc(at) if at else None
    for peer_id, count in conn.execute(
        select(federation_outbox.c.peer_id, func.count())
        .where(federation_outbox.c.acknowledged_at.is_(None))
        .group_by(federation_outbox.c.peer_id)
    ):
        last.setdefault(peer_id, {})["pending"] = int(count)
    return last


# --- witnessing ----------------------------------------------------------------------------


def head(conn: Connection, origin: str) -> dict[str, Any] | None:
    """The peer's log head this installation last cosigned."""
    rows = _rows(conn, select(federation_heads).where(federation_heads.c.origin == origin))
    return rows[0] if rows else None


def save_head(conn: Connection, origin: str, size: int, root: str, note: str, at: datetime) -> None:
    values = dict(size=size, root=root, note=note, cosigned_at=at)
    if (
        conn.execute(
            update(federation_heads).where(federation_heads.c.origin == origin).values(**values)
        ).rowcount
        == 0
    ):
        conn.execute(insert(federation_heads), dict(origin=origin, **values))


def heads(conn: Connection) -> dict[str, dict[str, Any]]:
    return {row["origin"]: row for row in _rows(conn, select(federation_heads))}


def link(conn: Connection, peer_id: str) -> dict[str, Any]:
    """How far the peer has cosigned this log, and how the last exchange with it went."""
    rows = _rows(conn, select(federation_links).where(federation_links.c.peer_id == peer_id))
    return rows[0] if rows else {"peer_id": peer_id, "cosigned_size": 0}


def links(conn: Connection) -> dict[str, dict[str, Any]]:
    return {row["peer_id"]: row for row in _rows(conn, select(federation_links))}


def save_link(conn: Connection, peer_id: str, **values: Any) -> None:
    if (
        conn.execute(
            update(federation_links).where(federation_links.c.peer_id == peer_id).values(**values)
        ).rowcount
        == 0
    ):
        conn.execute(insert(federation_links), dict(peer_id=peer_id, **values))


# --- refusals ------------------------------------------------------------------------------


def refused(conn: Connection, refusals: Sequence[dict[str, Any]]) -> None:
    """Record refused notices; the oldest beyond ``REFUSALS_KEPT`` are dropped."""
    if not refusals:
        return
    conn.execute(insert(federation_refusals), list(refusals))
    newest = conn.execute(select(func.max(federation_refusals.c.id))).scalar() or 0
    if newest > REFUSALS_KEPT:
        conn.execute(delete(federation_refusals).where(federation_refusals.c.id <= newest - REFUSALS_KEPT))


def refusals(conn: Connection, *, peer_id: str | None, limit: int) -> list[dict[str, Any]]:
    query = select(federation_refusals).order_by(federation_refusals.c.id.desc()).limit(limit)
    if peer_id is not None:
        query = query.where(federation_refusals.c.peer_id == peer_id)
    return _rows(conn, query)
