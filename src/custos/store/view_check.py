"""Checking the views against the log: every view row is what replaying the filings gives.

The log's own verification proves the filings are the ones signed; it says nothing of the views
the API serves, which are plain tables anyone with the database can edit. This check rebuilds
every view from the filings inside a transaction that is then rolled back (a scratch copy on the
same database, with the same types), and reports each row that differs, is missing or should
not be there, with the filing that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select

from custos.store._tables import VIEW_TABLES

Rows = dict[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class ViewDifference:
    table: str
    key: tuple[Any, ...]
    change: str  # "altered", "missing" (the log gives it, the view lacks it) or "extra"
    filing: str | None  # the filing the row is derived from, as the log gives it where it can
    columns: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # column: (stored, rebuilt)

    def describe(self) -> str:
        where = f"{self.table} {'/'.join(str(k) for k in self.key)}"
        by = f" (filing {self.filing})" if self.filing else ""
        if self.change != "altered":
            return f"{where}: {self.change}{by}"
        changed = "; ".join(f"{c} is {s!r}, the log gives {r!r}" for c, (s, r) in self.columns.items())
        return f"{where}{by}: {changed}"


@dataclass
class ViewReport:
    rows: int = 0
    differences: list[ViewDifference] = field(default_factory=list)


def _rows(conn: Connection, table: Table) -> Rows:
    keys = [column.name for column in table.primary_key.columns]
    return {tuple(row[k] for k in keys): dict(row) for row in conn.execute(select(table)).mappings()}


def _compare(table: Table, stored: Rows, rebuilt: Rows) -> list[ViewDifference]:
    found = []
    for key in sorted(stored.keys() | rebuilt.keys(), key=str):
        before, after = stored.get(key), rebuilt.get(key)
        filing = (after or before or {}).get("filing_id")
        if after is None:
            found.append(ViewDifference(table.name, key, "extra", filing))
        elif before is None:
            found.append(ViewDifference(table.name, key, "missing", filing))
        elif before != after:
            columns = {c: (before[c], after[c]) for c in after if before.get(c) != after[c]}
            found.append(ViewDifference(table.name, key, "altered", filing, columns))
    return found


def check_views(conn: Connection, rebuild: Callable[[Connection], int]) -> ViewReport:
    """Compare every view with what ``rebuild`` makes of it on ``conn``; the caller rolls back."""
    stored = {table.name: _rows(conn, table) for table in VIEW_TABLES}
    rebuild(conn)
    report = ViewReport()
    for table in VIEW_TABLES:
        rebuilt = _rows(conn, table)
        report.rows += len(rebuilt)
        report.differences += _compare(table, stored[table.name], rebuilt)
    return report
