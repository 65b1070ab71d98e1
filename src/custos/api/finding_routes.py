"""Red-team findings over HTTP: reported by red teams, answered by the firm they are about,
climbed up the escalation ladder by a supervisor's sweep. Every read is redacted for the caller:
embargoed details reach only the firm and supervisors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.assurance.finding_views import FindingList, FindingView, Status, SweepView
from custos.assurance.findings import FindingService
from custos.assurance.findings_model import (
    FindingAcknowledged,
    FindingMitigated,
    FindingPublished,
    FindingReopened,
    FindingReported,
)
from custos.policy.pack import Severity
from custos.store.finding_views import FindingQuery

router = APIRouter(prefix="/v1/findings", tags=["assurance"])
Reader = Annotated[Principal, Depends(require(Permission.FINDINGS_READ))]
Responder = Annotated[Principal, Depends(require(Permission.FINDINGS_RESPOND))]


def _findings(request: Request) -> FindingService:
    return FindingService(request.app.state.store)


@router.post("", status_code=201, response_model=FindingView, response_model_exclude_unset=True)
def report_finding(
    body: Annotated[FindingReported, json_types(FindingReported)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.FINDINGS_REPORT))],
) -> FindingView:
    """Report a red-team finding about a model or deployment; its clocks start under the governing pack."""
    return _findings(request).report(body, by=who)


@router.get("", response_model=FindingList, response_model_exclude_unset=True)
def list_findings(
    request: Request,
    who: Reader,
    severity: Severity | None = None,
    status: Status | None = None,
    subject: Annotated[str | None, Query(max_length=64, description="A model or deployment id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FindingList:
    """The findings the caller may read (a firm its own, everyone the published ones), with
    counts by severity of every finding matching the filters."""
    query = FindingQuery(severity=severity, status=status, subject=subject)
    return _findings(request).list(query, by=who, limit=limit, offset=offset)


@router.post("/sweep", response_model=SweepView)
def sweep_findings(
    request: Request, who: Annotated[Principal, Depends(require(Permission.FINDINGS_SWEEP))]
) -> SweepView:
    """Climb the escalation ladder for every finding whose clock ran out; taking no rung twice."""
    return _findings(request).sweep(by=who)


@router.get("/{finding_id}", response_model=FindingView, response_model_exclude_unset=True)
def show_finding(finding_id: str, request: Request, who: Reader) -> FindingView:
    return _findings(request).get(finding_id, by=who)


@router.post(
    "/{finding_id}/acknowledge",
    status_code=201,
    response_model=FindingView,
    response_model_exclude_unset=True,
)
def acknowledge_finding(
    finding_id: str,
    body: Annotated[FindingAcknowledged, json_types(FindingAcknowledged)],
    request: Request,
    who: Responder,
) -> FindingView:
    """Acknowledge a reported finding: the mitigation clock starts."""
    return _findings(request).acknowledge(finding_id, body, by=who)


@router.post(
    "/{finding_id}/mitigate", status_code=201, response_model=FindingView, response_model_exclude_unset=True
)
def mitigate_finding(
    finding_id: str,
    body: Annotated[FindingMitigated, json_types(FindingMitigated)],
    request: Request,
    who: Responder,
) -> FindingView:
    """Say what was done about an acknowledged finding: the retest clock starts."""
    return _findings(request).mitigate(finding_id, body, by=who)


@router.post(
    "/{finding_id}/reopen", status_code=201, response_model=FindingView, response_model_exclude_unset=True
)
def reopen_finding(
    finding_id: str,
    body: Annotated[FindingReopened, json_types(FindingReopened)],
    request: Request,
    who: Responder,
) -> FindingView:
    """Reopen a closed finding: it needs mitigating again, on a new clock."""
    return _findings(request).reopen(finding_id, body, by=who)


@router.post(
    "/{finding_id}/publish", status_code=201, response_model=FindingView, response_model_exclude_unset=True
)
def publish_finding(
    finding_id: str,
    body: Annotated[FindingPublished, json_types(FindingPublished)],
    request: Request,
    who: Responder,
) -> FindingView:
    """Publish a closed finding's public summary."""
    return _findings(request).publish(finding_id, body, by=who)
