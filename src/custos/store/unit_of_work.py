"""The unit of work: a filing's ledger entry and its projection, committed together or not at all."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, insert, select

from custos.core.errors import Conflict
from custos.filings import Filing
from custos.store import ledger_sql
from custos.store.tables import filings

#: A projection writes the views one filing kind implies; it runs inside the unit of work.
Projection = Callable[[Connection, Filing], None]

_PROJECTIONS: dict[str, Projection] = {}


def projects(kind: str) -> Callable[[Projection], Projection]:
    """Register the projection of a filing kind (one per kind)."""

    def register(function: Projection) -> Projection:
        if kind in _PROJECTIONS:
            raise ValueError(f"filing kind {kind!r} already has a projection")
        _PROJECTIONS[kind] = function
        return function

    return register


#: Derived work run after filings are projected, in the same transaction (the policy engine
#: re-evaluates the subjects a filing changes). A hook may file more filings through the unit.
AfterFiling = Callable[["UnitOfWork", Sequence[Filing]], None]
_AFTER_FILING: list[AfterFiling] = []


def after_filing(hook: AfterFiling) -> AfterFiling:
    """Register derived work to run after every batch of filings."""
    _AFTER_FILING.append(hook)
    return hook


def project(conn: Connection, filing: Filing) -> None:
    projection = _PROJECTIONS.get(filing.kind)
    if projection is not None:
        projection(conn, filing)


class UnitOfWork:
    """One write transaction. Everything appended or filed through it commits atomically."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def append_entries(self, entries: Sequence[bytes]) -> int:
        """Append raw entries (no filing behind them); return the first index."""
        return ledger_sql.append(self.conn, entries)

    def file(self, *batch: Filing) -> list[int]:
        """Append each filing's entry, store the filing, and apply its projection, in order."""
        if not batch:
            return []
        ids = [f.id for f in batch]
        if (
            len(set(ids)) != len(ids)
            or self.conn.execute(select(filings.c.id).where(filings.c.id.in_(ids))).first()
        ):
            raise Conflict("a filing with that id is already in the log")
        first = ledger_sql.append(self.conn, [f.ledger_entry() for f in batch])
        self.conn.execute(
            insert(filings),
            [
                {
                    "id": f.id,
                    "idx": first + offset,
                    "kind": f.kind,
                    "organisation": f.organisation,
                    "subject": f.subject,
                    "document": json.dumps(f.model_dump(mode="json"), separators=(",", ":")),
                }
                for offset, f in enumerate(batch)
            ],
        )
        for f in batch:
            project(self.conn, f)
        for hook in _AFTER_FILING:
            hook(self, batch)
        return [first + offset for offset in range(len(batch))]
