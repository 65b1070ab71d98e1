"""Shared standards over HTTP: a supervisor takes over a peer's policy pack version or its auditor
accreditations, each proved against the peer's log before it is filed here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.federation.peer_api import fetch_over_http
from custos.federation.standards import StandardsService
from custos.federation.standards_views import AccreditationsImport, PackImport

router = APIRouter(prefix="/v1/federation/peers", tags=["federation"])
Manager = Annotated[Principal, Depends(require(Permission.PEERS_MANAGE))]


class PackRequest(BaseModel):
    """Which of the peer's packs to take over: a version, or the one active there."""

    model_config = ConfigDict(extra="forbid")
    pack_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str | None = Field(None, min_length=1, max_length=32)


class AccreditationsRequest(BaseModel):
    """Whose accreditations to take over: one organisation's (the peer's id for it), or all in force."""

    model_config = ConfigDict(extra="forbid")
    organisation_id: str | None = Field(None, min_length=1, max_length=64)


def _standards(request: Request) -> StandardsService:
    """The service over the app's store, reading peers over HTTP unless the app was given another
    way to reach them (``app.state.peer_fetch``: installations joined in one process)."""
    fetch = getattr(request.app.state, "peer_fetch", None) or fetch_over_http
    return StandardsService(request.app.state.store, fetch)


@router.post("/{peer_id}/packs", status_code=201, response_model=PackImport)
async def import_pack(
    peer_id: str, body: Annotated[PackRequest, json_types(PackRequest)], request: Request, who: Manager
) -> PackImport:
    """Load here a peer's pack version, once its filing is proved against the peer's log and the
    head this installation cosigned for it; the load records where it came from."""
    service = _standards(request)
    return await run_in_threadpool(service.import_pack, peer_id, body.pack_id, body.version, by=who)


@router.post("/{peer_id}/accreditations", status_code=201, response_model=AccreditationsImport)
async def import_accreditations(
    peer_id: str,
    body: Annotated[AccreditationsRequest, json_types(AccreditationsRequest)],
    request: Request,
    who: Manager,
) -> AccreditationsImport:
    """Accredit here the auditors a peer accredits (with their keys, scopes and validity), each
    proved against the peer's log; an auditor's organisation is registered here by its name
    unless one of that name already is."""
    service = _standards(request)
    return await run_in_threadpool(service.import_accreditations, peer_id, body.organisation_id, by=who)
