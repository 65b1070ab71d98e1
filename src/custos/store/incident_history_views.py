"""Queries for imported incident history, read from the filings themselves (no view table).

An imported incident's filings share a subject (``aiid:<number>``); a changed incident is filed
again superseding the last, so the newest filing of a subject is the incident as it now stands.
The registry's public names are read here too, for matching a source's entities to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select

from custos.core.errors import InvalidInput
from custos.filings import Visibility
from custos.store._tables import filings, models, organisations

#: Rows read at a time when a filter has to look into each incident.
SCAN = 1000


@dataclass(frozen=True)
class Imported:
    id: str  # the filing
    idx: int  # its place in the log: the list's order
    content: dict[str, Any]


@dataclass(frozen=True)
class HistoryRows:
    rows: list[Imported]
    next_position: str | None
    total: int


@dataclass(frozen=True)
class HistoryQuery:
    """Filters on imported incidents: text anywhere in the incident, and a registered organisation
    it was matched to."""

    search: str | None = None
    organisation: str | None = None


def _current(kind: str) -> Select[Any]:
    """The newest filing of each subject of ``kind``, as (id, idx, document)."""
    newest = select(func.max(filings.c.idx)).where(filings.c.kind == kind).group_by(filings.c.subject)
    return select(filings.c.id, filings.c.idx, filings.c.document).where(filings.c.idx.in_(newest))


def _imported(row: Any) -> Imported:
    return Imported(id=row.id, idx=int(row.idx), content=json.loads(row.document)["content"])


def current_imports(conn: Connection, kind: str, subjects: Sequence[str]) -> dict[str, Imported]:
    """The newest filing of ``kind`` of each of these subjects that has one, by subject."""
    found: dict[str, Imported] = {}
    for start in range(0, len(subjects), 500):
        batch = list(subjects[start : start + 500])
        newest = (
            select(func.max(filings.c.idx))
            .where(filings.c.kind == kind, filings.c.subject.in_(batch))
            .group_by(filings.c.subject)
        )
        rows = conn.execute(
            select(filings.c.id, filings.c.idx, filings.c.document, filings.c.subject).where(
                filings.c.idx.in_(newest)
            )
        )
        found.update({row.subject: _imported(row) for row in rows})
    return found


def _matches(content: dict[str, Any], query: HistoryQuery) -> bool:
    if query.organisation and query.organisation not in content.get("organisation_ids", ()):
        return False
    if not query.search:
        return True
    texts = [content["external_id"], content["title"], content.get("description") or ""]
    for field in ("developers", "deployers", "harmed_parties"):
        texts.extend(content.get(field, ()))
    needle = query.search.casefold()
    return any(needle in text.casefold() for text in texts)


def _newest_first(conn: Connection, kind: str, before: int | None, limit: int) -> list[Imported]:
    statement = _current(kind).order_by(filings.c.idx.desc()).limit(limit)
    if before is not None:
        statement = statement.where(filings.c.idx < before)
    return [_imported(row) for row in conn.execute(statement)]


def _scan(conn: Connection, kind: str) -> Iterator[Imported]:
    """Every current imported incident, newest first, a chunk at a time."""
    before: int | None = None
    while chunk := _newest_first(conn, kind, before, SCAN):
        yield from chunk
        before = chunk[-1].idx


def history(conn: Connection, kind: str, query: HistoryQuery, after: str | None, limit: int) -> HistoryRows:
    """A page of current imported incidents matching ``query``, the most recently filed first,
    continuing after the position ``after`` (the previous page's ``next_position``)."""
    try:
        before = int(after) if after is not None else None
    except ValueError as exc:
        raise InvalidInput("cursor is not one of this list: start again without it") from exc
    if not (query.search or query.organisation):
        total = conn.execute(select(func.count()).select_from(_current(kind).subquery())).scalar_one()
        rows = _newest_first(conn, kind, before, limit + 1)
    else:
        matching = [row for row in _scan(conn, kind) if _matches(row.content, query)]
        total = len(matching)
        rows = [row for row in matching if before is None or row.idx < before][: limit + 1]
    more = len(rows) > limit
    rows = rows[:limit]
    return HistoryRows(rows, str(rows[-1].idx) if more else None, int(total))


def public_names(conn: Connection) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (id, name) of every registered organisation and model whose name is public: only a
    public name may be tied to an entity on a public record."""
    found: list[list[tuple[str, str]]] = []
    for table in (organisations, models):
        rows = conn.execute(select(table.c.id, table.c.name, table.c.visibility))
        found.append(
            [
                (row.id, row.name)
                for row in rows
                if json.loads(row.visibility).get("name", Visibility.OWNER.value) == Visibility.PUBLIC.value
            ]
        )
    return found[0], found[1]
