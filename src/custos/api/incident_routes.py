"""Incidents over HTTP: reported by providers, deployers and supervisors, followed by follow-up
and final reports; confirmed, closed and published by supervisors; read by each caller as it may
see them (the public, once published)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.oversight.incidents import IncidentService
from custos.oversight.model import (
    IncidentDisclosed,
    IncidentPublished,
    IncidentReported,
    IncidentStep,
    IncidentUpdated,
)
from custos.oversight.views import IncidentList, IncidentReportView, IncidentView
from custos.store.incident_views import IncidentQuery

router = APIRouter(prefix="/v1/incidents", tags=["oversight"])
Reader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]


def _incidents(request: Request) -> IncidentService:
    return IncidentService(request.app.state.store)


@router.post("", status_code=201, response_model=IncidentView, response_model_exclude_unset=True)
def report_incident(
    body: Annotated[IncidentReported, json_types(IncidentReported)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_REPORT))],
) -> IncidentView:
    """Report an incident involving registered models (the initial report); it starts the
    reporting clocks of every model and deployment it names, and a serious one holds back
    rollouts that gate on it."""
    return _incidents(request).report(body, by=who)


@router.get("", response_model=IncidentList, response_model_exclude_unset=True)
def list_incidents(
    request: Request,
    who: Reader,
    status: Literal["open", "confirmed", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> IncidentList:
    """The incidents the caller may see, newest first: supervisors every one; a firm those it
    reported or that concern its models or deployments, and the published ones; the public the
    published ones, as published."""
    return _incidents(request).list(IncidentQuery(status=status), by=who, limit=limit, offset=offset)


@router.post(
    "/updates", status_code=201, response_model=IncidentReportView, response_model_exclude_unset=True
)
def update_incident(
    body: Annotated[IncidentUpdated, json_types(IncidentUpdated)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_REPORT))],
) -> IncidentReportView:
    """File a follow-up or final report on an incident; a final report answers the duties that ask for one."""
    return _incidents(request).update(body, by=who)


@router.post("/disclosures", status_code=201, response_model=IncidentView, response_model_exclude_unset=True)
def disclose_incident(
    body: Annotated[IncidentDisclosed, json_types(IncidentDisclosed)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_REPORT))],
) -> IncidentView:
    """Record that the reporter disclosed the incident to an authority outside the supervisor (law
    enforcement, a public safety agency): what answers a 24-hour disclosure duty."""
    return _incidents(request).disclose(body, by=who)


@router.get("/{incident_id}", response_model=IncidentView, response_model_exclude_unset=True)
def show_incident(incident_id: str, request: Request, who: Reader) -> IncidentView:
    """An incident as the caller may see it; to supervisors and those it concerns, with each
    jurisdiction's classification, every clock it started and the reports that followed."""
    return _incidents(request).get(incident_id, by=who)


@router.post(
    "/{incident_id}/close", status_code=201, response_model=IncidentView, response_model_exclude_unset=True
)
def close_incident(
    incident_id: str,
    body: Annotated[IncidentStep, json_types(IncidentStep)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_CLOSE))],
) -> IncidentView:
    return _incidents(request).close(incident_id, body.reason, by=who)


@router.post(
    "/{incident_id}/confirm", status_code=201, response_model=IncidentView, response_model_exclude_unset=True
)
def confirm_incident(
    incident_id: str,
    body: Annotated[IncidentStep, json_types(IncidentStep)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_CONFIRM))],
) -> IncidentView:
    """Confirm a third party's report after triage: a serious one then holds back rollouts of the model."""
    return _incidents(request).confirm(incident_id, body.reason, by=who)


@router.post(
    "/{incident_id}/publish", status_code=201, response_model=IncidentView, response_model_exclude_unset=True
)
def publish_incident(
    incident_id: str,
    body: Annotated[IncidentPublished, json_types(IncidentPublished)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_PUBLISH))],
) -> IncidentView:
    """Publish an incident with a public summary the supervisor writes: the public then sees it,
    never the reporter's own account."""
    return _incidents(request).publish(incident_id, body, by=who)
