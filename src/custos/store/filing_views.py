"""Reading the filings themselves: which exist of a kind about a subject, and the latest one.

Some questions are about what was filed rather than about a view: whether evidence a licence
condition asks for is on file, or the latest monitoring report of a rollout stage.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from custos.store._tables import filings


class Filed(NamedTuple):
    """A filing's place and content, without its salts: what evidence checks read."""

    subject: str
    kind: str
    id: str
    filed_at: datetime
    content: dict[str, Any]


def contents(conn: Connection, subjects: Sequence[str], kinds: Sequence[str]) -> list[Filed]:
    """Every filing of these kinds about these subjects, in log order: for obligations and
    licence conditions that ask for evidence with particular content or age."""
    found: list[Filed] = []
    for start in range(0, len(subjects), 500):
        rows = conn.execute(
            select(filings.c.document)
            .where(
                filings.c.subject.in_(list(subjects[start : start + 500])), filings.c.kind.in_(list(kinds))
            )
            .order_by(filings.c.idx)
        )
        for (document,) in rows:
            data = json.loads(document)
            found.append(
                Filed(
                    data["subject"],
                    data["kind"],
                    data["id"],
                    datetime.fromisoformat(data["filed_at"]),
                    data["content"],
                )
            )
    return found


def latest_content(conn: Connection, subject: str, kind: str, *, after: str) -> dict[str, Any] | None:
    """The content of the latest filing of ``kind`` about ``subject`` filed after the filing
    ``after`` (ids sort by time), or None."""
    document = conn.execute(
        select(filings.c.document)
        .where(filings.c.subject == subject, filings.c.kind == kind, filings.c.id > after)
        .order_by(filings.c.id.desc())
        .limit(1)
    ).scalar()
    if document is None:
        return None
    content: dict[str, Any] = json.loads(document)["content"]
    return content
