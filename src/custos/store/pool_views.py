"""Projections and reads of the liability pool, and the stress runs a call is made from.

The view lists each pool filing with what finds it (kind, owner, what it refers to); amounts stay
in the filings, read with their place in the log so the fund's balance is summed from the record
itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, insert, select

from custos.filings import Filing
from custos.store._tables import filings, pool_filings

#: The stress tests' kinds, by name: the store does not import the domains that declare them.
RUN_COMPLETED = "stress_test.completed"
RUN_PARTICIPATED = "stress_test.participated"


class PoolFiled(NamedTuple):
    """A filing as the pool reads it: id, place in the log, kind, owner, subject, time, content."""

    id: str
    position: int
    kind: str
    organisation: str
    subject: str
    filed_at: datetime
    content: dict[str, Any]


def _filed(position: int, document: str) -> PoolFiled:
    data = json.loads(document)
    return PoolFiled(
        data["id"],
        position,
        data["kind"],
        data["organisation"],
        data["subject"],
        datetime.fromisoformat(data["filed_at"]),
        data["content"],
    )


# --- projection ------------------------------------------------------------------------------


def recorded(conn: Connection, filing: Filing) -> None:
    """Every pool kind is listed alike: what it refers to is its subject."""
    conn.execute(
        insert(pool_filings),
        dict(
            id=filing.id,
            kind=filing.kind,
            organisation_id=filing.organisation,
            reference=filing.subject,
            filed_at=filing.filed_at,
        ),
    )


# --- reads -----------------------------------------------------------------------------------


def filed(
    conn: Connection,
    *,
    kinds: Sequence[str] | None = None,
    organisation: str | None = None,
    references: Sequence[str] | None = None,
) -> list[PoolFiled]:
    """Pool filings in log order, with their content: of these kinds, owned by ``organisation``,
    referring to ``references`` (each filter left out when None)."""
    query = (
        select(filings.c.idx, filings.c.document)
        .join(pool_filings, pool_filings.c.id == filings.c.id)
        .order_by(filings.c.idx)
    )
    if kinds is not None:
        query = query.where(pool_filings.c.kind.in_(list(kinds)))
    if organisation is not None:
        query = query.where(pool_filings.c.organisation_id == organisation)
    if references is not None:
        query = query.where(pool_filings.c.reference.in_(list(references)))
    return [_filed(index, document) for index, document in conn.execute(query)]


def one(conn: Connection, filing_id: str, kind: str) -> PoolFiled | None:
    """The pool filing ``filing_id`` when it is of ``kind``."""
    row = conn.execute(
        select(filings.c.idx, filings.c.document)
        .join(pool_filings, pool_filings.c.id == filings.c.id)
        .where(and_(pool_filings.c.id == filing_id, pool_filings.c.kind == kind))
    ).first()
    return None if row is None else _filed(row.idx, row.document)


def run(conn: Connection, reference: str | None) -> PoolFiled | None:
    """A stress run's ``stress_test.completed`` filing, by filing id or run id; the latest when
    ``reference`` is None."""
    query = select(filings.c.idx, filings.c.document).where(filings.c.kind == RUN_COMPLETED)
    if reference is None:
        row = conn.execute(query.order_by(filings.c.idx.desc()).limit(1)).first()
        return None if row is None else _filed(row.idx, row.document)
    row = conn.execute(query.where(filings.c.id == reference)).first()
    if row is None:
        row = conn.execute(query.where(filings.c.subject == reference).order_by(filings.c.idx.desc())).first()
    return None if row is None else _filed(row.idx, row.document)


def participations(conn: Connection, completed: PoolFiled) -> list[PoolFiled]:
    """The deployments' parts in a run: filed right after its completion, naming it."""
    rows = conn.execute(
        select(filings.c.idx, filings.c.document)
        .where(filings.c.kind == RUN_PARTICIPATED, filings.c.idx > completed.position)
        .order_by(filings.c.idx)
    )
    found = [_filed(index, document) for index, document in rows]
    return [part for part in found if part.content.get("run_filing_id") == completed.id]
