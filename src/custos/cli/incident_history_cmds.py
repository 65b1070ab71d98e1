"""``custos incident import-aiid`` and ``custos incident history``: the AI Incident Database's
snapshot imported as incident history, and the history listed."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from custos.access.service import operator
from custos.cli.context import open_store
from custos.cli.output import JsonOption, console, emit, plain, table
from custos.cli.resolve import ORGANISATION, resolve_optional
from custos.core import units
from custos.core.errors import InvalidInput
from custos.oversight.history import IncidentHistoryService
from custos.store.incident_history_views import HistoryQuery


@contextmanager
def _opened(path: Path) -> Iterator[TextIO]:
    """A snapshot file as the CSV reader takes it: UTF-8 (a byte-order mark skipped), its quoted
    line breaks kept."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as source:
            yield source
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text: {exc}") from exc


def _records(path: Path) -> int | None:
    """How many incidents the file holds, for the progress bar; None when it cannot tell."""
    try:
        with _opened(path) as source:
            return max(sum(1 for row in csv.reader(source) if row) - 1, 0)
    except (InvalidInput, csv.Error):
        return None


def import_aiid(
    ctx: typer.Context,
    incidents: Path = typer.Option(..., "--incidents", help="The snapshot's incidents.csv."),
    reports: Path | None = typer.Option(
        None,
        "--reports",
        help="The snapshot's reports.csv; without it, incidents keep the reports an earlier import gave.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Import the AI Incident Database's snapshot as incident history (CC BY-SA 4.0, Responsible
    AI Collaborative): new incidents are filed, changed ones superseded, the rest left alone."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with ExitStack() as files:
        incident_lines = files.enter_context(_opened(incidents))
        report_lines = files.enter_context(_opened(reports)) if reports is not None else None
        with (
            open_store(ctx) as store,
            Progress(*columns, console=console, transient=True, disable=as_json) as progress,
        ):
            task = progress.add_task("importing incidents", total=_records(incidents))
            summary = IncidentHistoryService(store).import_aiid(
                incident_lines,
                report_lines,
                by=operator(store),
                progress=lambda done: progress.update(task, completed=done),
            )
    if as_json:
        emit(plain(summary), True)
        return
    console.print(
        f"Read {units.count(summary.incidents)} incident(s) of {incidents.name}: "
        f"{units.count(summary.filed)} filed, {units.count(summary.superseded)} changed and filed again, "
        f"{units.count(summary.unchanged)} unchanged.",
        highlight=False,
        soft_wrap=True,
    )
    if reports is not None:
        console.print(
            f"Read {units.count(summary.reports)} report(s) of {reports.name}; "
            f"{units.count(summary.skipped_reports)} listed by no incident were skipped.",
            highlight=False,
            soft_wrap=True,
        )


def history(
    ctx: typer.Context,
    q: str | None = typer.Option(None, "--q", help="Text in the title, description, entities or number."),
    organisation: str | None = typer.Option(
        None, "--org", help="Only incidents matched to this registered organisation, id or name."
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    cursor: str | None = typer.Option(None, "--cursor", help="The next page, as the last one printed."),
    as_json: bool = JsonOption,
) -> None:
    """List imported incident history, the most recently filed first."""
    with open_store(ctx) as store:
        query = HistoryQuery(search=q, organisation=resolve_optional(store, organisation, ORGANISATION))
        page = IncidentHistoryService(store).history(query, cursor=cursor, limit=limit)
    if as_json:
        emit(plain(page), True)
        return
    rows = [plain(item) for item in page.items]
    table(rows, ["external_id", "date", "title", "report_count", "url"])
    console.print(f"{units.count(page.total)} incident(s). {page.attribution}", highlight=False)
    if page.next:
        console.print(f"more: --cursor {page.next}", highlight=False)
