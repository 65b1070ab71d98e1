"""Stress tests over HTTP: start a run, follow it, read its results (supervisors only).

A run is validated before the response (a bad scenario or network, or more than ``MAX_DRAWS``
draws, is a 422 with the reason and the offending entry) and then runs in a worker process of its
own under the server's memory limit (see :mod:`custos.risk.adapters.worker`), one run at a time;
``GET`` on the run reports its progress until its results are there.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.risk import RiskService, Submission
from custos.risk.adapters import charts
from custos.risk.requests import ReverseStressRequest, RunRequest
from custos.risk.views import ExampleView, NetworkListing, ReverseStressView, RunResults, RunStatus

log = logging.getLogger("custos.api")

router = APIRouter(prefix="/v1/risk", tags=["risk"])

#: The most draws a run started over HTTP may make (the command line allows the schema's maximum):
#: enough for a 0.999 level's tail of 10,000 draws, and its tail stays small beside the worker's
#: memory limit.
MAX_DRAWS = 10_000_000

MEDIA_TYPES = {
    ".json": "application/json",
    ".parquet": "application/vnd.apache.parquet",
    ".html": "text/html",
}


def _service(request: Request) -> RiskService:
    return RiskService(request.app.state.store)


@router.get("/networks", response_model=list[NetworkListing])
def list_networks(
    request: Request, _: Annotated[Principal, Depends(require(Permission.RISK_READ))]
) -> list[NetworkListing]:
    return _service(request).networks()


@router.get("/examples", response_model=list[ExampleView])
def list_examples(
    request: Request, _: Annotated[Principal, Depends(require(Permission.RISK_READ))]
) -> list[ExampleView]:
    """Scenarios to start from, each with the network it was written for."""
    return _service(request).examples()


@router.post("/runs", status_code=202, response_model=RunStatus, response_model_exclude_unset=True)
def start_run(
    body: Annotated[RunRequest, json_types(RunRequest)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.RISK_RUN))],
) -> RunStatus:
    """Validate the scenario against the network, then run it in the background."""
    service = _service(request)
    submission = service.submit(body, by=who, max_draws=MAX_DRAWS)
    state = request.app.state
    runner: Executor = state.risk_runner
    runner.submit(_execute, service, submission, who, state.risk_scheduler, state.risk_memory_limit)
    return service.status(submission.run.run_id)


def _execute(
    service: RiskService, submission: Submission, who: Principal, scheduler: str | None, memory_limit: int
) -> None:
    try:
        service.execute(submission, by=who, scheduler=scheduler, memory_limit=memory_limit)
    except Exception:  # the run's status records it; the log keeps the trace for operators
        log.exception("stress-test run %s failed", submission.run.run_id)


@router.post("/reverse-stress", response_model=ReverseStressView)
def reverse_stress(
    body: Annotated[ReverseStressRequest, json_types(ReverseStressRequest)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.RISK_RUN))],
) -> ReverseStressView:
    """The fewest provider or model failures whose system loss under the scenario reaches the
    threshold, found while the request waits (seconds on a large network); nothing is filed."""
    return _service(request).reverse_stress(body, by=who)


@router.get("/runs", response_model=list[RunStatus], response_model_exclude_unset=True)
def list_runs(
    request: Request, _: Annotated[Principal, Depends(require(Permission.RISK_READ))]
) -> list[RunStatus]:
    return _service(request).runs()


@router.get("/runs/{run_id}", response_model=RunStatus, response_model_exclude_unset=True)
def run_status(
    run_id: str, request: Request, _: Annotated[Principal, Depends(require(Permission.RISK_READ))]
) -> RunStatus:
    """State (queued, running, done, failed), chunks done, and the headline figures when done."""
    return _service(request).status(run_id)


@router.get("/runs/{run_id}/results", response_model=RunResults, response_model_exclude_unset=True)
def run_results(
    run_id: str, request: Request, _: Annotated[Principal, Depends(require(Permission.RISK_READ))]
) -> RunResults:
    """Every figure of a finished run; a run still going (or failed) has none (404)."""
    return _service(request).results(run_id)


@router.get(
    "/runs/{run_id}/charts/{name}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "image/svg+xml": {}}}},
)
def run_chart(
    run_id: str,
    name: Literal["loss-distribution", "exceedance", "network", "contributors"],
    request: Request,
    _: Annotated[Principal, Depends(require(Permission.RISK_READ))],
    format: Literal["vega-lite", "svg"] = "vega-lite",
) -> Response:
    """A finished run's chart (loss distribution, exceedance curve, network or top contributors) as
    a Vega-Lite specification with its data, which the dashboard draws; ``format=svg`` renders it
    as the image the report embeds."""
    spec = _service(request).chart(run_id, name)
    if format == "svg":
        return Response(charts.svg(spec), media_type="image/svg+xml")
    return Response(orjson.dumps(spec), media_type="application/json")


@router.get("/runs/{run_id}/files/{name}")
def run_file(
    run_id: str,
    name: Literal[
        "results.json",
        "draws.parquet",
        "tail.parquet",
        "institutions.parquet",
        "deployments.parquet",
        "providers.parquet",
        "report.html",
    ],
    request: Request,
    _: Annotated[Principal, Depends(require(Permission.RISK_READ))],
) -> FileResponse:
    """The run's results as JSON or Parquet (``draws.parquet`` is a uniform sample of at most 100,000
    draws, ``tail.parquet`` the largest losses), or its HTML report."""
    path = _service(request).file(run_id, name)
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], filename=name)
