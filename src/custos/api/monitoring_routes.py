"""Continuous monitoring over HTTP: the OTLP/HTTP metrics endpoint deployers export to, and the
monitoring views.

``POST /v1/metrics`` is the path OTLP/HTTP names for metrics, so a deployer's OpenTelemetry SDK or
Collector exports to the installation's base URL unchanged, with its token in an
``Authorization`` header. It answers as the OTLP specification says: 200 with an
``ExportMetricsServiceResponse`` in the request's encoding, whose partial success counts the
points refused and says why; a body that cannot be read at all is a 400 whose body is a
``google.rpc.Status`` in that encoding; an encoding it does not read is a 415.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParameter
from google.protobuf import json_format
from google.rpc import status_pb2
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.api.viewed import filing, reading
from custos.core.errors import InvalidInput
from custos.monitoring import otlp
from custos.monitoring.decoding import Decoder
from custos.monitoring.model import Enrolled, SummaryPublished, Thresholds
from custos.monitoring.service import MonitoringService
from custos.monitoring.views import (
    AlertView,
    BoundView,
    DeploymentNow,
    EnrolmentView,
    SeriesView,
    SystemView,
)

router = APIRouter(tags=["monitoring"])
Reporter = Annotated[Principal, Depends(require(Permission.MONITORING_REPORT))]
Reader = Annotated[Principal, Depends(require(Permission.MONITORING_READ))]
Public = Annotated[Principal, Depends(require(Permission.MONITORING_SUMMARIES))]
Enroller = Annotated[Principal, Depends(require(Permission.MONITORING_ENROL))]
Manager = Annotated[Principal, Depends(require(Permission.MONITORING_MANAGE))]

#: The largest body a compressed request may inflate to (a Collector's batch is a few MB).
MOST_INFLATED = 64 * 2**20
_lock = threading.Lock()


def _monitoring(request: Request) -> MonitoringService:
    """The installation's one monitoring service: it keeps the registry, series ids and limits
    between requests, which is what lets it keep up with telemetry."""
    state = request.app.state
    with _lock:
        if getattr(state, "monitoring", None) is None:
            decoder = Decoder(state.store.settings.monitor_decoders)
            state.monitoring = MonitoringService(state.store, decoder)
    service: MonitoringService = state.monitoring
    return service


def _inflated(body: bytes, encoding: str) -> bytes:
    """The body as sent before compression (OTLP/HTTP allows gzip; a Collector sends it by default)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise _Unreadable(415, f"Content-Encoding {encoding!r} is not read here; send gzip or none")
    try:
        inflater = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
        inflated = inflater.decompress(body, MOST_INFLATED)
    except (zlib.error, gzip.BadGzipFile) as error:
        raise _Unreadable(400, f"the body is not valid {encoding}: {error}") from None
    if inflater.unconsumed_tail:
        raise _Unreadable(413, f"the body inflates to more than {MOST_INFLATED // 2**20} MiB")
    return inflated


class _Unreadable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _status(status: int, message: str, content_type: str) -> Response:
    """An OTLP error: a ``google.rpc.Status`` in the request's encoding."""
    code = {400: 3, 413: 8, 415: 3}.get(status, 2)  # INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNKNOWN
    body = status_pb2.Status(code=code, message=message)
    if content_type == otlp.JSON:
        return Response(json_format.MessageToJson(body), status, media_type=otlp.JSON)
    return Response(body.SerializeToString(), status, media_type=otlp.PROTOBUF)


_OTLP_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An OTLP ExportMetricsServiceRequest (opentelemetry-proto), binary or JSON; "
        "optionally gzip-compressed.",
        "content": {
            otlp.PROTOBUF: {"schema": {"type": "string"}},
            otlp.JSON: {
                "schema": {
                    "type": "object",
                    "description": "The OTLP/HTTP JSON encoding of the same message (its resource "
                    "metrics as opentelemetry-proto defines them; a point that cannot be read is "
                    "refused on its own).",
                    "properties": {"resourceMetrics": {"type": "array", "items": {}}},
                }
            },
        },
    },
    "responses": {
        "200": {
            "description": "An ExportMetricsServiceResponse; its partial_success counts the points refused.",
            "content": {otlp.PROTOBUF: {}, otlp.JSON: {}},
        },
        "400": {"description": "A google.rpc.Status: the body could not be read."},
        "415": {"description": "A google.rpc.Status: an encoding that is not read here."},
    },
}


@router.post("/v1/metrics", response_class=Response, openapi_extra=_OTLP_BODY)
async def export_metrics(request: Request, who: Reporter) -> Response:
    """Telemetry from a deployer, as OTLP/HTTP metrics: the documented figures of its deployments
    (docs/monitoring.md). Points are refused one by one with OTLP's partial success."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    answer_type = otlp.JSON if content_type == otlp.JSON else otlp.PROTOBUF
    if content_type not in (otlp.PROTOBUF, otlp.JSON):
        return _status(
            415, f"Content-Type {content_type or 'none'!r} is not {otlp.PROTOBUF} or {otlp.JSON}", answer_type
        )
    try:
        body = _inflated(await request.body(), request.headers.get("content-encoding", ""))
        answer, _ = await run_in_threadpool(_monitoring(request).ingest, body, content_type, by=who)
    except _Unreadable as error:
        return _status(error.status, error.message, answer_type)
    except InvalidInput as error:
        return _status(400, error.message, answer_type)
    return Response(answer, 200, media_type=answer_type)


@reading(router, "/v1/monitoring/system", SystemView)
async def system(request: Request, who: Reader) -> SystemView:
    """The system view now: deployments watched and degraded, exposure affected by provider, host
    and model, and the groups degrading together (supervisors: every firm; a firm: its own)."""
    return await run_in_threadpool(_monitoring(request).system, by=who)


@reading(router, "/v1/monitoring/deployments", list[DeploymentNow])
async def deployments(request: Request, who: Reader) -> list[DeploymentNow]:
    """Each watched deployment the reader may see, as its figures stand."""
    return await run_in_threadpool(_monitoring(request).deployments, by=who)


@reading(router, "/v1/monitoring/deployments/{deployment_id}/series/{figure}", SeriesView)
async def series(
    deployment_id: str,
    figure: str,
    request: Request,
    who: Reader,
    start: Annotated[datetime | None, Query(description="From (a day before `end` when absent).")] = None,
    end: Annotated[datetime | None, Query(description="To (now when absent).")] = None,
) -> SeriesView:
    """One figure of one deployment over a span, at the finest resolution that keeps it small."""
    return await run_in_threadpool(
        _monitoring(request).series, deployment_id, figure, start=start, end=end, by=who
    )


@reading(router, "/v1/monitoring/alerts", list[AlertView])
async def alerts(
    request: Request,
    who: Reader,
    open_only: Annotated[bool, Query(alias="open", description="Only alerts not cleared.")] = False,
    kind: Annotated[Literal["alert", "systemic"] | None, Query(description="Only this kind.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertView]:
    """Alerts, newest first: a firm's own deployments'; supervisors every alert and the systemic ones."""
    service = _monitoring(request)
    return await run_in_threadpool(service.alerts, by=who, open_only=open_only, kind=kind, limit=limit)


@filing(router, "/v1/monitoring/enrolments", EnrolmentView)
async def enrol(
    body: Annotated[Enrolled, json_types(Enrolled)], request: Request, who: Enroller
) -> EnrolmentView:
    """Enrol a deployment in continuous monitoring (its deployer, or a supervisor): the figures it
    sends, how often, until when (at most a year on). Replaces any earlier enrolment of the
    deployment, and discharges the baseline duty to report telemetry."""
    return await run_in_threadpool(_monitoring(request).enrol, body, by=who)


@reading(router, "/v1/monitoring/enrolments", list[EnrolmentView])
async def enrolments(request: Request, who: Reader) -> list[EnrolmentView]:
    """The enrolments in force, each deployment's latest: a firm its own, supervisors all."""
    return await run_in_threadpool(_monitoring(request).enrolments, by=who)


@router.get("/v1/monitoring/thresholds", response_model=Thresholds)
async def thresholds(request: Request, _: Public) -> Thresholds:
    """The detector's settings in force (public), defaults included: they are the settings too."""
    return await run_in_threadpool(_monitoring(request).thresholds)


@router.put("/v1/monitoring/thresholds", response_model=Thresholds)
async def set_thresholds(
    body: Annotated[Thresholds, json_types(Thresholds)], request: Request, who: Manager
) -> Thresholds:
    """Change the detector's settings (supervisors); the change is a filing."""
    return await run_in_threadpool(_monitoring(request).set_thresholds, body, by=who)


@reading(router, "/v1/monitoring/bounds", list[BoundView])
async def bounds(request: Request, _: Public) -> list[BoundView]:
    """The fixed bounds every deployment's figures are held to, with their sources (public)."""
    return await run_in_threadpool(_monitoring(request).bounds)


@reading(router, "/v1/monitoring/summaries", list[SummaryPublished])
async def summaries(request: Request, _: Public) -> list[SummaryPublished]:
    """The daily summaries published for the public, newest first."""
    return await run_in_threadpool(_monitoring(request).summaries)


@filing(router, "/v1/monitoring/summaries/{day}", SummaryPublished)
async def publish(
    day: Annotated[str, PathParameter(pattern=r"^\d{4}-\d{2}-\d{2}$", description="A past day, YYYY-MM-DD.")],
    request: Request,
    who: Manager,
) -> SummaryPublished:
    """Publish a past day's aggregates for the public (supervisors), once a day."""
    try:
        published = date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"day: {day} is not a day of the calendar") from None
    return await run_in_threadpool(_monitoring(request).publish_summary, published, by=who)
