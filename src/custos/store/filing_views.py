"""Reading the filings themselves: which exist of a kind about a subject, and the latest one.

Some questions are about what was filed rather than about a view: whether evidence a licence
condition asks for is on file, or the latest monitoring report of a rollout stage.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from custos.store._tables import filings


def first_of_kind(conn: Connection, kind: str, subjects: Sequence[str]) -> str | None:
    """The id of some filing of ``kind`` about any of ``subjects``, or None when there is none."""
    found = conn.execute(
        select(filings.c.id).where(filings.c.kind == kind, filings.c.subject.in_(list(subjects))).limit(1)
    ).first()
    return None if found is None else str(found.id)


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
