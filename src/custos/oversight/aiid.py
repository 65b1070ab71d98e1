"""The AI Incident Database's weekly snapshot: its ``incidents.csv`` and ``reports.csv``, read as
streams of lines with the standard library's ``csv``.

The snapshot is made by the AIID's ``db-backup/bin/backup.sh``: ``incidents.csv`` by
``mongoexport --type=csv`` (lists as JSON arrays, ``["openai"]`` and ``[1,2,3]``; ``_id`` as
``ObjectId(...)``), ``reports.csv`` by its ``convert_json_to_csv.py`` (every cell quoted, a
backslash escaped by another, lists joined with ``", "``, dates as ISO moments). Older snapshots
exported ``reports.csv`` with ``mongoexport`` too. The quirks read here, and what is dropped, are
in docs/aiid.md.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from custos.core.errors import InvalidInput

INCIDENT_ID = "incident_id"
DEPLOYERS = "Alleged deployer of AI system"
DEVELOPERS = "Alleged developer of AI system"
HARMED = "Alleged harmed or nearly harmed parties"
INCIDENT_COLUMNS = (INCIDENT_ID, "date", "title")
REPORT_COLUMNS = ("report_number", "url")

#: A report's full text can be longer than ``csv``'s default limit of 128 KiB on one cell.
FIELD_LIMIT = 64 * 2**20

_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class AiidReport:
    number: int
    title: str
    url: str
    date_published: date | None
    source_domain: str | None


@dataclass(frozen=True)
class AiidIncident:
    line: int  # where its row starts in incidents.csv, to name it in an error
    incident_id: int
    date: date
    title: str
    description: str | None
    deployers: tuple[str, ...]
    developers: tuple[str, ...]
    harmed_parties: tuple[str, ...]
    report_numbers: tuple[int, ...]


class _Rows:
    """The rows of one CSV file as mappings from its header, each with the line it starts on."""

    def __init__(self, lines: Iterable[str], name: str, required: tuple[str, ...]) -> None:
        self.name = name
        stream = iter(lines)
        first = next(stream, "").lstrip("\ufeff")
        # convert_json_to_csv.py quotes every cell, its header's too, and escapes a backslash
        # with another; mongoexport quotes only where it must and escapes nothing.
        escape = "\\" if first.startswith('"') else None
        csv.field_size_limit(max(csv.field_size_limit(), min(FIELD_LIMIT, sys.maxsize)))
        self._reader = csv.reader(itertools.chain([first], stream), escapechar=escape, strict=True)
        header = self._next()
        self.columns = [column.strip() for column in header or []]
        missing = [column for column in required if column not in self.columns]
        if missing:
            raise InvalidInput(
                f"{name} line 1: missing required column(s) {', '.join(missing)}"
                f" (the header names {', '.join(self.columns) or 'nothing'})"
            )

    def _next(self) -> list[str] | None:
        try:
            return next(self._reader, None)
        except csv.Error as exc:
            raise InvalidInput(f"{self.name} line {self._reader.line_num}: not CSV: {exc}") from exc

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        while True:
            line = self._reader.line_num + 1
            row = self._next()
            if row is None:
                return
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(row) > len(self.columns):
                raise InvalidInput(
                    f"{self.name} line {line}: {len(row)} cells for {len(self.columns)} columns"
                )
            yield line, dict(zip(self.columns, (cell.strip() for cell in row), strict=False))


def _integer(value: object, what: str) -> int:
    """A whole number as either export writes one: ``12``, ``12.0`` or extended JSON's
    ``{"$numberInt": "12"}``."""
    if isinstance(value, dict) and len(value) == 1:
        (value,) = value.values()
    try:
        number = value if isinstance(value, int) and not isinstance(value, bool) else float(str(value))
        whole = int(number)
    except (ValueError, OverflowError):
        raise ValueError(f"{what} {value!r} is not a whole number") from None
    if whole != number or whole < 1:
        raise ValueError(f"{what} {value!r} is not a positive whole number")
    return whole


def _list(cell: str) -> list[object]:
    """A list column: a JSON array as mongoexport writes it, or values joined by commas as the
    JSON-to-CSV converter does; an empty cell is an empty list."""
    if not cell:
        return []
    if cell.startswith("["):
        try:
            decoded = json.loads(cell)
        except ValueError as exc:
            raise ValueError(f"{cell[:80]!r} is not a JSON array: {exc}") from None
        if not isinstance(decoded, list):
            raise ValueError(f"{cell[:80]!r} is not a JSON array")
        return decoded
    return [part.strip() for part in cell.split(",") if part.strip()]


def _entities(cell: str) -> tuple[str, ...]:
    """Entity ids, once each, in the order given."""
    found: dict[str, None] = {}
    for value in _list(cell):
        if not isinstance(value, str):
            raise ValueError(f"entity {value!r} is not an entity id")
        if value.strip():
            found[value.strip()] = None
    return tuple(found)


def _day(value: str) -> date | None:
    """The day of ``2015-05-19`` or of a moment such as ``2015-05-19T00:00:00.000Z``."""
    matched = _ISO_DAY.match(value)
    if matched is None:
        return None
    try:
        return date.fromisoformat(matched.group(1))
    except ValueError:
        return None


def _published(row: dict[str, str]) -> date | None:
    """When a report was published: its ``date_published``, else its Unix time
    ``epoch_date_published``; None when neither reads as one (a report's date is not required)."""
    day = _day(row.get("date_published", ""))
    if day is not None:
        return day
    epoch = row.get("epoch_date_published", "")
    try:
        return datetime.fromtimestamp(float(epoch), UTC).date() if epoch else None
    except (ValueError, OverflowError, OSError):
        return None


def read_reports(lines: Iterable[str], name: str = "reports.csv") -> dict[int, AiidReport]:
    """Every report of a ``reports.csv``, by number; only the fields an incident's record keeps,
    so the reports' full texts are never held."""
    rows = _Rows(lines, name, REPORT_COLUMNS)
    reports: dict[int, AiidReport] = {}
    lines_of: dict[int, int] = {}
    for line, row in rows:
        try:
            number = _integer(row["report_number"], "report_number")
        except ValueError as exc:
            raise InvalidInput(f"{name} line {line}: {exc}") from None
        if number in reports:
            raise InvalidInput(
                f"{name} line {line}: report {number} again (first on line {lines_of[number]})"
            )
        if not row["url"]:
            raise InvalidInput(f"{name} line {line}: report {number} has no url")
        reports[number] = AiidReport(
            number=number,
            title=row.get("title", ""),
            url=row["url"],
            date_published=_published(row),
            source_domain=row.get("source_domain") or None,
        )
        lines_of[number] = line
    return reports


def read_incidents(lines: Iterable[str], name: str = "incidents.csv") -> Iterator[AiidIncident]:
    """The incidents of an ``incidents.csv``, one row at a time; a row that cannot be read is
    refused with its line, and an incident number given twice with both lines."""
    rows = _Rows(lines, name, INCIDENT_COLUMNS)
    seen: dict[int, int] = {}
    for line, row in rows:
        try:
            incident = _incident(line, row)
        except ValueError as exc:
            raise InvalidInput(f"{name} line {line}: {exc}") from None
        if incident.incident_id in seen:
            raise InvalidInput(
                f"{name} line {line}: incident {incident.incident_id} again "
                f"(first on line {seen[incident.incident_id]})"
            )
        seen[incident.incident_id] = line
        yield incident


def _incident(line: int, row: dict[str, str]) -> AiidIncident:
    incident_id = _integer(row[INCIDENT_ID], INCIDENT_ID)
    day = _day(row["date"])
    if day is None:
        raise ValueError(f"date {row['date']!r} is not a date (YYYY-MM-DD)")
    if not row["title"]:
        raise ValueError(f"incident {incident_id} has no title")
    numbers = dict.fromkeys(_integer(value, "report number") for value in _list(row.get("reports", "")))
    return AiidIncident(
        line=line,
        incident_id=incident_id,
        date=day,
        title=row["title"],
        description=row.get("description") or None,
        deployers=_entities(row.get(DEPLOYERS, "")),
        developers=_entities(row.get(DEVELOPERS, "")),
        harmed_parties=_entities(row.get(HARMED, "")),
        report_numbers=tuple(numbers),
    )
