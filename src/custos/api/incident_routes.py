"""Incidents over HTTP: reported by providers, deployers and supervisors; confirmed and closed by
supervisors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentDisclosed, IncidentReported, IncidentStep
from custos.oversight.views import IncidentView

router = APIRouter(prefix="/v1/incidents", tags=["oversight"])


@router.post("", status_code=201, response_model=IncidentView, response_model_exclude_unset=True)
def report_incident(
    body: Annotated[IncidentReported, json_types(IncidentReported)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_REPORT))],
) -> IncidentView:
    """Report an incident involving a registered model; a serious one holds back rollouts that gate on it."""
    return IncidentService(request.app.state.store).report(body, by=who)


@router.post(
    "/{incident_id}/close", status_code=201, response_model=IncidentView, response_model_exclude_unset=True
)
def close_incident(
    incident_id: str,
    body: Annotated[IncidentStep, json_types(IncidentStep)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_CLOSE))],
) -> IncidentView:
    return IncidentService(request.app.state.store).close(incident_id, body.reason, by=who)


@router.post("/disclosures", status_code=201, response_model=IncidentView, response_model_exclude_unset=True)
def disclose_incident(
    body: Annotated[IncidentDisclosed, json_types(IncidentDisclosed)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_REPORT))],
) -> IncidentView:
    """Record that the reporter disclosed the incident to an authority outside the supervisor (law
    enforcement, a public safety agency): what answers a 24-hour disclosure duty."""
    return IncidentService(request.app.state.store).disclose(body, by=who)


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
    return IncidentService(request.app.state.store).confirm(incident_id, body.reason, by=who)
