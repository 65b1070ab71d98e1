"""The unit of work: a filing's ledger entry and its projection, committed together or not at all."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, insert, select

from custos.core.errors import Conflict
from custos.filings import Filing
from custos.store import ledger_sql
from custos.store._tables import filings
from custos.store.composition import Composition, DerivedWork


class UnitOfWork:
    """One write transaction. Everything appended or filed through it commits atomically.

    It files only the kinds its composition declares, projects each with the projection the
    composition gives it, and then runs the composition's hooks that observe the batch.
    """

    def __init__(self, conn: Connection, composition: Composition, derived_work: DerivedWork) -> None:
        self.conn = conn
        self.composition = composition
        self._derived_work = derived_work

    def append_entries(self, entries: Sequence[bytes]) -> int:
        """Append raw entries (no filing behind them); return the first index."""
        return ledger_sql.append(self.conn, entries)

    def file(self, *batch: Filing) -> list[int]:
        """Append each filing's entry, store the filing, and apply its projection, in order."""
        if not batch:
            return []
        self.composition.check(batch, self._derived_work)
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
            project(self.conn, self.composition, f)
        for hook in self.composition.hooks_after(batch):
            hook.run(self, batch)
        return [first + offset for offset in range(len(batch))]


def project(conn: Connection, composition: Composition, filing: Filing) -> None:
    """Apply a filing's projection, if its kind has one (some kinds only enter the log)."""
    projection = composition.projection(filing.kind)
    if projection is not None:
        projection(conn, filing)
