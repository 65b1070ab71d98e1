"""Projections of policy filings: the active packs and the obligations view, and their queries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, insert, or_, select, update

from custos.filings import Filing
from custos.store._tables import filings, obligations, policy_packs

STATUS = {
    "obligation.attached": "open",
    "obligation.undetermined": "undetermined",
    "obligation.lapsed": "lapsed",
    "obligation.discharged": "discharged",
    "obligation.waived": "waived",
}


def obligation_id(key: str, subject_id: str) -> str:
    """A stable id for (obligation, subject), the same on every installation."""
    return hashlib.sha256(f"{key}|{subject_id}".encode()).hexdigest()[:32]


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def pack_loaded(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(update(policy_packs).where(policy_packs.c.pack == content["pack"]).values(active=False))
    conn.execute(
        insert(policy_packs),
        dict(
            pack=content["pack"],
            version=content["version"],
            active=True,
            title=content["title"],
            jurisdiction=content["jurisdiction"],
            text=content["text"],
            filing_id=filing.id,
            loaded_at=filing.filed_at,
        ),
    )


def obligation_recorded(conn: Connection, filing: Filing) -> None:
    """An obligation attached or undetermined: its row holds the current record."""
    content = filing.content
    row_id = obligation_id(content["key"], filing.subject)
    values = dict(
        key=content["key"],
        pack=content["key"].split("/", 1)[0],
        subject_id=filing.subject,
        subject_kind=content["subject_kind"],
        owner_id=filing.organisation,
        status=STATUS[filing.kind],
        due_at=_when(content.get("due_at")),
        severity=content["severity"],
        title=content["title"],
        updated_at=filing.filed_at,
        record=json.dumps(content, sort_keys=True),
        closed=None,
        filing_id=filing.id,
    )
    if conn.execute(select(obligations.c.id).where(obligations.c.id == row_id)).first() is None:
        conn.execute(insert(obligations), dict(id=row_id, **values))
    else:
        conn.execute(update(obligations).where(obligations.c.id == row_id).values(**values))


def obligation_closed(conn: Connection, filing: Filing) -> None:
    """An obligation lapsed, discharged or waived (a recurring one opens its next period)."""
    content = filing.content
    row_id = obligation_id(content["key"], filing.subject)
    values: dict[str, Any] = dict(
        status=STATUS[filing.kind],
        updated_at=filing.filed_at,
        closed=json.dumps(content, sort_keys=True),
        filing_id=filing.id,
    )
    if content.get("next_due_at"):  # a recurring obligation starts its next period
        values.update(status="open", due_at=_when(content["next_due_at"]))
    conn.execute(update(obligations).where(obligations.c.id == row_id).values(**values))


def active_packs(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(policy_packs).where(policy_packs.c.active).order_by(policy_packs.c.pack))
    return [dict(r) for r in rows.mappings()]


def pack_versions(conn: Connection) -> list[dict[str, Any]]:
    """Every loaded version, with where it came from when it was taken over from a peer
    (``recognised_from``, read from the filing that loaded it)."""
    rows = conn.execute(
        select(policy_packs, filings.c.document)
        .outerjoin(filings, filings.c.id == policy_packs.c.filing_id)
        .order_by(policy_packs.c.pack, policy_packs.c.loaded_at, policy_packs.c.version)
    )
    versions = []
    for row in rows.mappings():
        version = {key: value for key, value in row.items() if key != "document"}
        content = json.loads(row["document"])["content"] if row["document"] else {}
        versions.append({**version, "recognised_from": content.get("recognised_from")})
    return versions


def obligations_of(conn: Connection, subject_ids: Iterable[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Current obligation rows of these subjects, by (key, subject id)."""
    ids = list(subject_ids)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(obligations).where(obligations.c.subject_id.in_(ids[start : start + 500])))
        for row in rows.mappings():
            found[(row["key"], row["subject_id"])] = dict(row)
    return found


def all_obligations(conn: Connection) -> dict[tuple[str, str], dict[str, Any]]:
    rows = conn.execute(select(obligations)).mappings()
    return {(r["key"], r["subject_id"]): dict(r) for r in rows}


@dataclass(frozen=True)
class ObligationQuery:
    status: str | None = None
    """open, overdue, undetermined, discharged, waived or lapsed."""
    organisation: str | None = None
    pack: str | None = None
    subject: str | None = None
    due_before: datetime | None = None
    jurisdiction: str | None = None
    """The jurisdiction of the obligation's pack (EU, US-CA, ...)."""


def _obligation_filter(
    query: ObligationQuery, now: datetime, viewer_organisation: str | None, sees_everything: bool
) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if query.status == "overdue":
        conditions += [obligations.c.status == "open", obligations.c.due_at < now]
    elif query.status == "open":
        conditions += [
            obligations.c.status == "open",
            or_(obligations.c.due_at.is_(None), obligations.c.due_at >= now),
        ]
    elif query.status:
        conditions.append(obligations.c.status == query.status)
    for column, value in (
        (obligations.c.owner_id, query.organisation),
        (obligations.c.pack, query.pack),
        (obligations.c.subject_id, query.subject),
    ):
        if value:
            conditions.append(column == value)
    if query.due_before is not None:
        conditions.append(obligations.c.due_at < query.due_before)
    if query.jurisdiction:
        packs_there = select(policy_packs.c.pack).where(policy_packs.c.jurisdiction == query.jurisdiction)
        conditions.append(obligations.c.pack.in_(packs_there))
    if not sees_everything:
        conditions.append(obligations.c.owner_id == (viewer_organisation or ""))
    return select(obligations).where(and_(*conditions)) if conditions else select(obligations)


def list_obligations(
    conn: Connection,
    query: ObligationQuery,
    now: datetime,
    *,
    viewer_organisation: str | None,
    sees_everything: bool,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """A page of the obligations the viewer may see, soonest due first (those with no due date last)."""
    statement = _obligation_filter(query, now, viewer_organisation, sees_everything)
    rows = conn.execute(
        statement.order_by(obligations.c.due_at.is_(None), obligations.c.due_at, obligations.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in rows.mappings()]


def count_obligations(
    conn: Connection,
    query: ObligationQuery,
    now: datetime,
    *,
    viewer_organisation: str | None,
    sees_everything: bool,
) -> int:
    """How many obligations the viewer may see match ``query``."""
    statement = _obligation_filter(query, now, viewer_organisation, sees_everything)
    return int(conn.execute(select(func.count()).select_from(statement.subquery())).scalar_one())


def obligation(conn: Connection, row_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(obligations).where(obligations.c.id == row_id)).mappings().first()
    return dict(row) if row else None


def open_obligations(conn: Connection, subject_ids: Sequence[str] | None) -> list[dict[str, Any]]:
    """Open obligations of these subjects, or of every subject when None."""
    statement = select(obligations).where(obligations.c.status == "open")
    if subject_ids is None:
        return [dict(r) for r in conn.execute(statement).mappings()]
    found: list[dict[str, Any]] = []
    ids = list(subject_ids)
    for start in range(0, len(ids), 500):
        rows = conn.execute(statement.where(obligations.c.subject_id.in_(ids[start : start + 500])))
        found += [dict(r) for r in rows.mappings()]
    return found


def latest_filings(
    conn: Connection, subject_ids: Sequence[str], kinds: Sequence[str]
) -> dict[tuple[str, str], str]:
    """The id of the latest filing of each kind about each subject (ids sort by time)."""
    found: dict[tuple[str, str], str] = {}
    for start in range(0, len(subject_ids), 500):
        rows = conn.execute(
            select(filings.c.subject, filings.c.kind, func.max(filings.c.id))
            .where(
                filings.c.subject.in_(list(subject_ids[start : start + 500])), filings.c.kind.in_(list(kinds))
            )
            .group_by(filings.c.subject, filings.c.kind)
        )
        found.update({(subject, kind): filing_id for subject, kind, filing_id in rows})
    return found


def answering_filings(
    conn: Connection, subject_ids: Sequence[str], kinds: Sequence[str], field: str
) -> dict[tuple[str, str, str], str]:
    """The latest filing of each kind about each subject, by the event filing its content names in
    ``field`` (a disclosure names the incident it discloses): (subject, kind, event id) to id."""
    found: dict[tuple[str, str, str], str] = {}
    for start in range(0, len(subject_ids), 500):
        rows = conn.execute(
            select(filings.c.subject, filings.c.kind, filings.c.id, filings.c.document)
            .where(
                filings.c.subject.in_(list(subject_ids[start : start + 500])), filings.c.kind.in_(list(kinds))
            )
            .order_by(filings.c.id)
        )
        for subject, kind, filing_id, document in rows:
            event = json.loads(document)["content"].get(field)
            if event is not None:
                found[(subject, kind, str(event))] = filing_id
    return found


def open_obligation_keys(conn: Connection, subject_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The keys of each subject's open obligations, sorted (subjects without any are absent)."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(subject_ids), 500):
        chunk = list(subject_ids[start : start + 500])
        rows = conn.execute(
            select(obligations.c.subject_id, obligations.c.key).where(
                obligations.c.subject_id.in_(chunk), obligations.c.status == "open"
            )
        )
        for subject, key in rows:
            found.setdefault(subject, []).append(key)
    return {subject: tuple(sorted(keys)) for subject, keys in found.items()}


def obligation_state(conn: Connection, key: str, subject_id: str) -> tuple[str, datetime | None] | None:
    """The status and due date of one obligation of one subject, if it was ever attached."""
    row = conn.execute(
        select(obligations.c.status, obligations.c.due_at).where(
            obligations.c.key == key, obligations.c.subject_id == subject_id
        )
    ).first()
    return None if row is None else (str(row.status), row.due_at)
