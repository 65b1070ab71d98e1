"""Escrow over HTTP: supervisors appoint custodians, providers file the deposits they sealed on
their own machines, custodians fetch their own shares, confirm custody and approve releases,
and supervisors audit, request and open releases.

Who may see what is the service's to decide: a deposit's vault, reference and plaintext digests
reach supervisors only, and a share envelope only the custodian it is encrypted to (or, in a
release package, supervisors, encrypted to the release's one-time recipient). Responses are
written with ``exclude_unset``, so a withheld field is absent, never null.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.bodies import Reasoned
from custos.api.json_types import json_types
from custos.core.errors import InvalidInput
from custos.escrow.model import (
    CustodianAppointed,
    EscrowDeposited,
    EscrowOpened,
    ReleaseApproved,
    ReleaseRequested,
)
from custos.escrow.service import EscrowService
from custos.escrow.views import (
    AuditView,
    CustodianView,
    DepositView,
    EscrowSweep,
    ReleasePackage,
    ReleaseView,
    ShareView,
)

router = APIRouter(prefix="/v1/escrow", tags=["escrow"])
Reader = Annotated[Principal, Depends(require(Permission.ESCROW_READ))]
Depositor = Annotated[Principal, Depends(require(Permission.ESCROW_DEPOSIT))]
Custodian = Annotated[Principal, Depends(require(Permission.ESCROW_CUSTODY))]
Manager = Annotated[Principal, Depends(require(Permission.ESCROW_MANAGE))]


class CustodyStatement(BaseModel):
    """A custodian's signed confirmation that its share of the deposit still opens and matches
    its commitment (``custos.escrow.custody.confirmation``, signed with an appointment key)."""

    model_config = ConfigDict(extra="forbid")
    envelope: dict[str, Any] = Field(
        description="The DSSE envelope: payloadType, payload (base64 of the statement) and signatures."
    )


def _escrow(request: Request) -> EscrowService:
    return EscrowService(request.app.state.store)


def _same_release(path_id: str, body_id: str) -> None:
    """A body about one release sent to another's address is refused rather than guessed at."""
    if path_id != body_id:
        raise InvalidInput(f"the body is about release {body_id!r}, the address names release {path_id!r}")


# --- custodians -------------------------------------------------------------------------------


@router.get("/custodians", response_model=list[CustodianView])
async def list_custodians(request: Request, _: Reader) -> list[CustodianView]:
    """Every custodian appointment, in force or not: who holds shares is public."""
    return await run_in_threadpool(_escrow(request).custodians)


@router.post("/custodians", status_code=201, response_model=CustodianView)
async def appoint_custodian(
    body: Annotated[CustodianAppointed, json_types(CustodianAppointed)], request: Request, who: Manager
) -> CustodianView:
    """Appoint an organisation custodian of key shares, with its age recipient and signing keys."""
    return await run_in_threadpool(_escrow(request).appoint, body, by=who)


@router.post("/custodians/{appointment_id}/withdraw", response_model=CustodianView)
async def withdraw_custodian(
    appointment_id: str, body: Annotated[Reasoned, json_types(Reasoned)], request: Request, who: Manager
) -> CustodianView:
    """End an appointment: the custodian takes no new shares and keeps those it holds."""
    return await run_in_threadpool(_escrow(request).withdraw, appointment_id, body.reason, by=who)


# --- deposits ---------------------------------------------------------------------------------


@router.get("/deposits", response_model=list[DepositView], response_model_exclude_unset=True)
async def list_deposits(
    request: Request,
    who: Reader,
    model: Annotated[str | None, Query(max_length=64, description="Only this model's deposits.")] = None,
) -> list[DepositView]:
    """Deposits, newest first, with their custody checks; where they are stored is for supervisors."""
    return await run_in_threadpool(_escrow(request).deposits, by=who, model_id=model)


@router.post("/deposits", status_code=201, response_model=DepositView, response_model_exclude_unset=True)
async def file_deposit(
    body: Annotated[EscrowDeposited, json_types(EscrowDeposited)], request: Request, who: Depositor
) -> DepositView:
    """File a deposit sealed on the provider's machine: its model's provider, or a supervisor."""
    return await run_in_threadpool(_escrow(request).deposit, body, by=who)


@router.get("/deposits/{deposit_id}", response_model=DepositView, response_model_exclude_unset=True)
async def show_deposit(deposit_id: str, request: Request, who: Reader) -> DepositView:
    return await run_in_threadpool(_escrow(request).get, deposit_id, by=who)


@router.get("/deposits/{deposit_id}/share", response_model=ShareView)
async def deposit_share(deposit_id: str, request: Request, who: Custodian) -> ShareView:
    """The caller's own share of the deposit, still encrypted to its recipient: served to the
    custodian holding it and to no one else, supervisors included."""
    return await run_in_threadpool(_escrow(request).share, deposit_id, by=who)


@router.post(
    "/deposits/{deposit_id}/confirmations", response_model=DepositView, response_model_exclude_unset=True
)
async def confirm_custody(
    deposit_id: str,
    body: Annotated[CustodyStatement, json_types(CustodyStatement)],
    request: Request,
    who: Custodian,
) -> DepositView:
    """File a custodian's signed confirmation (the custodian, or a supervisor relaying it)."""
    return await run_in_threadpool(_escrow(request).confirm, deposit_id, body.envelope, by=who)


@router.post("/deposits/{deposit_id}/audits", status_code=201, response_model=AuditView)
async def audit_deposit(deposit_id: str, request: Request, who: Manager) -> AuditView:
    """Audit the deposit's storage now: chunks chosen from a checkpoint, proved against its root."""
    return await run_in_threadpool(_escrow(request).audit, deposit_id, by=who)


@router.post("/sweep", response_model=EscrowSweep)
async def sweep_escrow(request: Request, who: Manager) -> EscrowSweep:
    """Audit the deposits due an audit and escalate the overdue confirmations, now rather than
    at the server's next sweep."""
    return await run_in_threadpool(_escrow(request).sweep, by=who)


# --- releases ---------------------------------------------------------------------------------


@router.get("/releases", response_model=list[ReleaseView])
async def list_releases(request: Request, who: Reader) -> list[ReleaseView]:
    """Release requests, newest first, with their approvals and whether they reached quorum."""
    return await run_in_threadpool(_escrow(request).releases, by=who)


@router.post("/releases", status_code=201, response_model=ReleaseView)
async def request_release(
    body: Annotated[ReleaseRequested, json_types(ReleaseRequested)], request: Request, who: Manager
) -> ReleaseView:
    """Ask the custodians to release a deposit to a one-time recipient, with the grounds."""
    return await run_in_threadpool(_escrow(request).request_release, body, by=who)


@router.get("/releases/{release_id}", response_model=ReleaseView)
async def show_release(release_id: str, request: Request, who: Reader) -> ReleaseView:
    return await run_in_threadpool(_escrow(request).release, release_id, by=who)


@router.post("/releases/{release_id}/approvals", response_model=ReleaseView)
async def approve_release(
    release_id: str,
    body: Annotated[ReleaseApproved, json_types(ReleaseApproved)],
    request: Request,
    who: Custodian,
) -> ReleaseView:
    """A custodian's signed approval, with its share encrypted to the release's recipient."""
    _same_release(release_id, body.release_id)
    return await run_in_threadpool(_escrow(request).approve, body, by=who)


@router.get(
    "/releases/{release_id}/package", response_model=ReleasePackage, response_model_exclude_unset=True
)
async def release_package(release_id: str, request: Request, who: Manager) -> ReleasePackage:
    """What opening the release needs: the deposit and the approved shares, each encrypted to
    the release's one-time recipient."""
    return await run_in_threadpool(_escrow(request).package, release_id, by=who)


@router.post("/releases/{release_id}/opening", response_model=ReleaseView)
async def record_opening(
    release_id: str,
    body: Annotated[EscrowOpened, json_types(EscrowOpened)],
    request: Request,
    who: Manager,
) -> ReleaseView:
    """Record the outcome of opening the release: opened (which needs a quorum) or refused, why."""
    _same_release(release_id, body.release_id)
    return await run_in_threadpool(_escrow(request).record_opening, body, by=who)
