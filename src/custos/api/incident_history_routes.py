"""Incident history over HTTP: supervisors import the AI Incident Database's snapshot; everyone
reads the history.

The snapshot's two CSV files travel as the text fields of one JSON body, so the body is typed in
the OpenAPI document like every other. A whole snapshot's ``reports.csv`` carries every report's
full text and can pass the 64 MiB a request may hold: ``custos incident import-aiid`` reads the
files from disk without that ceiling.
"""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.oversight.history import IncidentHistoryService
from custos.oversight.history_model import AiidSnapshotUpload, HistoryImportSummary, IncidentHistoryPage
from custos.store.incident_history_views import HistoryQuery

router = APIRouter(prefix="/v1/incidents/history", tags=["oversight"])


def _lines(text: str) -> io.StringIO:
    """A CSV file's text as the lines ``csv`` reads, its quoted line breaks kept."""
    return io.StringIO(text, newline="")


@router.post("", status_code=201, response_model=HistoryImportSummary)
async def import_history(
    body: Annotated[AiidSnapshotUpload, json_types(AiidSnapshotUpload)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.HISTORY_IMPORT))],
) -> HistoryImportSummary:
    """Import an AI Incident Database snapshot's ``incidents.csv`` and, optionally, its
    ``reports.csv``: new incidents are filed, changed ones superseded, the rest left as they are."""
    service = IncidentHistoryService(request.app.state.store)
    reports = _lines(body.reports) if body.reports is not None else None
    return await run_in_threadpool(service.import_aiid, _lines(body.incidents), reports, by=who)


@router.get("", response_model=IncidentHistoryPage)
def list_history(
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.HISTORY_READ))],
    q: Annotated[
        str | None,
        Query(max_length=200, description="Text in the title, description, entities or number, any case."),
    ] = None,
    organisation: Annotated[
        str | None, Query(description="A registered organisation the incident was matched to.")
    ] = None,
    cursor: Annotated[str | None, Query(description="The `next` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> IncidentHistoryPage:
    """Imported incidents as they now stand, the most recently filed first."""
    query = HistoryQuery(search=q or None, organisation=organisation or None)
    return IncidentHistoryService(request.app.state.store).history(query, cursor=cursor, limit=limit)
