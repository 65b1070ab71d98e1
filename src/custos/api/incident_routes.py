"""Incidents over HTTP: reported by providers, deployers and supervisors; closed by supervisors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from custos.access import Permission, Principal
from custos.api.auth import require
from custos.oversight import IncidentService
from custos.oversight.incidents import IncidentReported

router = APIRouter(prefix="/v1/incidents", tags=["oversight"])


class Closing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("", status_code=201)
def report_incident(
    body: IncidentReported,
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_REPORT))],
) -> dict[str, Any]:
    """Report an incident involving a registered model; a serious one holds back rollouts that gate on it."""
    return IncidentService(request.app.state.store).report(body.model_dump(mode="json"), by=who)


@router.post("/{incident_id}/close", status_code=201)
def close_incident(
    incident_id: str,
    body: Closing,
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.INCIDENTS_CLOSE))],
) -> dict[str, Any]:
    return IncidentService(request.app.state.store).close(incident_id, body.reason, by=who)
