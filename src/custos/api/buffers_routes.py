"""Buffers over HTTP: capital declarations, insurance policies, and each firm's position against
the latest stress run on the registry's deployments.

Who may see what is the service's to decide: a firm its own declarations, policies and position,
an insurer the policies it underwrites, supervisors everything; the public none of it. Responses
are written with ``exclude_unset``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.api.viewed import filing, reading
from custos.buffers.requests import DeclarationRequest, PolicyRequest
from custos.buffers.service import BuffersService
from custos.buffers.views import DeclarationView, PolicyView, PositionsView, PositionView

router = APIRouter(prefix="/v1/buffers", tags=["buffers"])
Reader = Annotated[Principal, Depends(require(Permission.BUFFERS_READ))]
Filer = Annotated[Principal, Depends(require(Permission.BUFFERS_FILE))]
AsOf = Annotated[date | None, Query(description="The day what is held is counted on (today when absent).")]


def _buffers(request: Request) -> BuffersService:
    return BuffersService(request.app.state.store)


@filing(router, "/declarations", DeclarationView)
async def declare(
    body: Annotated[DeclarationRequest, json_types(DeclarationRequest)], request: Request, who: Filer
) -> DeclarationView:
    """Declare the capital held against AI deployments: a firm its own, a supervisor for the
    organisation it names. Custos verifies it against the latest stress run and files its figures."""
    return await run_in_threadpool(_buffers(request).declare, body, by=who)


@reading(router, "/declarations", list[DeclarationView])
async def declarations(request: Request, who: Reader) -> list[DeclarationView]:
    """Capital declarations, newest first: all to supervisors, a firm its own."""
    return await run_in_threadpool(_buffers(request).declarations, by=who)


@filing(router, "/policies", PolicyView)
async def bind(
    body: Annotated[PolicyRequest, json_types(PolicyRequest)], request: Request, who: Filer
) -> PolicyView:
    """File an insurance policy over the insured's deployments: by the insured, its insurer or a
    supervisor. Verified against the latest stress run with the policy counted."""
    return await run_in_threadpool(_buffers(request).bind, body, by=who)


@reading(router, "/policies", list[PolicyView])
async def policies(request: Request, who: Reader) -> list[PolicyView]:
    """Insurance policies, newest first: all to supervisors, a firm those it holds or underwrites."""
    return await run_in_threadpool(_buffers(request).policies, by=who)


@reading(router, "/positions", PositionsView)
async def positions(request: Request, who: Reader, as_of: AsOf = None) -> PositionsView:
    """Every firm of the latest stress run, required against held (capital and insurance),
    shortfalls first: all to supervisors, a firm its own row."""
    return await run_in_threadpool(_buffers(request).positions, by=who, as_of=as_of)


@reading(router, "/positions/{organisation}", PositionView)
async def position(organisation: str, request: Request, who: Reader, as_of: AsOf = None) -> PositionView:
    """One firm's position against the latest stress run (supervisors, or the firm itself)."""
    return await run_in_threadpool(_buffers(request).position, organisation, by=who, as_of=as_of)
