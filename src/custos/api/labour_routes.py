"""The labour instrument over HTTP: exposure, the paper's headline checked against the data, the
crosswalk, the shipped scenarios and programme designs, and runs.

Everything is readable by everyone, the public included: the figures are aggregates of public
data and of the registry's public fields. Starting a run files it, so it is for those allowed to
(``labor:runs:start``); a run is computed while the request waits (a fraction of a second for the
default 10,000 draws), in a worker thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.api.viewed import filing, reading
from custos.labor.occupations import DEFAULT_MEASURE, Measure
from custos.labor.requests import RunRequest
from custos.labor.service import LabourService
from custos.labor.views import (
    CrosswalkView,
    ExposureView,
    HeadlineView,
    Level,
    ProgrammeView,
    RunSummary,
    RunView,
    ScenarioView,
)

router = APIRouter(prefix="/v1/labour", tags=["labour"])
Reader = Annotated[Principal, Depends(require(Permission.LABOUR_READ))]
Runner = Annotated[Principal, Depends(require(Permission.LABOUR_RUN))]


def _labour(request: Request) -> LabourService:
    return LabourService(request.app.state.store)


@reading(router, "/exposure", ExposureView)
async def exposure(
    request: Request, who: Reader, measure: Measure = DEFAULT_MEASURE, level: Level = "group"
) -> ExposureView:
    """US workers and wage bill (USD) by SOC major group or occupation, with their parts exposed to
    language models under ``measure`` (human beta, the paper's headline measure, by default)."""
    return await run_in_threadpool(_labour(request).exposure, measure, by=who, level=level)


@reading(router, "/headline", HeadlineView)
async def headline(request: Request, who: Reader) -> HeadlineView:
    """The paper's headline shares (about 80% of workers with at least 10% of tasks exposed, 19%
    with more than half) recomputed from the data for every measure, and whether they agree."""
    return await run_in_threadpool(_labour(request).headline, by=who)


@reading(router, "/crosswalk", CrosswalkView)
async def crosswalk(request: Request, who: Reader) -> CrosswalkView:
    """How O*NET occupations join BLS employment: the split rule, what matched, what did not."""
    return await run_in_threadpool(_labour(request).crosswalk, by=who)


@reading(router, "/scenarios", list[ScenarioView])
async def scenarios(request: Request, who: Reader) -> list[ScenarioView]:
    """The shipped displacement scenarios, with their ranges and YAML."""
    return await run_in_threadpool(_labour(request).scenarios, by=who)


@reading(router, "/programmes", list[ProgrammeView])
async def programmes(request: Request, who: Reader) -> list[ProgrammeView]:
    """The shipped safety-net programme designs and their cost allocation."""
    return await run_in_threadpool(_labour(request).programmes, by=who)


@filing(router, "/runs", RunView)
async def start(
    body: Annotated[RunRequest, json_types(RunRequest)], request: Request, who: Runner
) -> RunView:
    """Run a scenario with a programme design and file it (``labour.run_completed``). 422 names
    the field for an unknown scenario or design, bad YAML, an unknown sector in ``what_if`` or
    draws out of range; nothing is filed then."""
    return await run_in_threadpool(_labour(request).run, body, by=who)


@reading(router, "/runs", list[RunSummary])
async def runs(request: Request, who: Reader) -> list[RunSummary]:
    """Every filed run, newest first, with its median displacement and cost over the horizon."""
    return await run_in_threadpool(_labour(request).runs, by=who)


@reading(router, "/runs/{run_id}", RunView)
async def run(run_id: str, request: Request, who: Reader) -> RunView:
    """A filed run by its run id or its filing's id: its inputs and figures. 404 when unknown."""
    return await run_in_threadpool(_labour(request).get, run_id, by=who)


@router.get("/runs/{run_id}/report", response_class=HTMLResponse)
async def report(run_id: str, request: Request, who: Reader) -> HTMLResponse:
    """A filed run as one self-contained HTML page with its charts. 404 when unknown."""
    return HTMLResponse(await run_in_threadpool(_labour(request).report, run_id, by=who))
