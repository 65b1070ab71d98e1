"""The liability pool over HTTP: calls and payments, claims and their assessment, payouts,
subrogations and recoveries, and the fund's balance.

Who may see what is the service's to decide: the balance, its totals and each payout's total and
share are for everyone; a firm reads its own calls and the subrogations against it, a claimant its
own claims and payout lines; supervisors everything, the balance over time too. Responses are
written with ``exclude_unset``, so a withheld amount is absent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.api.viewed import filing, reading
from custos.pool.requests import (
    AssessmentRequest,
    CallRequest,
    ClaimRequest,
    PaymentRequest,
    PayoutRequest,
    RecoveryRequest,
    SubrogationRequest,
)
from custos.pool.service import PoolService
from custos.pool.views import BalanceView, CallView, ClaimView, PayoutView, SubrogationView

router = APIRouter(prefix="/v1/pool", tags=["pool"])
Reader = Annotated[Principal, Depends(require(Permission.POOL_READ))]
Payer = Annotated[Principal, Depends(require(Permission.POOL_PAY))]
Claimant = Annotated[Principal, Depends(require(Permission.POOL_CLAIM))]
Manager = Annotated[Principal, Depends(require(Permission.POOL_MANAGE))]


def _pool(request: Request) -> PoolService:
    return PoolService(request.app.state.store)


@reading(router, "/balance", BalanceView)
async def balance(request: Request, who: Reader) -> BalanceView:
    """The fund's balance and totals, with the filings it rests on and their positions in the log
    (everyone); each movement's day and amount where the reader may see them, and the balance over
    time for supervisors only."""
    return await run_in_threadpool(_pool(request).balance, by=who)


@filing(router, "/calls", list[CallView])
async def call(
    body: Annotated[CallRequest, json_types(CallRequest)], request: Request, who: Manager
) -> list[CallView]:
    """Call each firm's contribution from a stress run (the latest when none is named):
    supervisors. 404 for an unknown run, 409 when it was already called from."""
    return await run_in_threadpool(_pool(request).call, body, by=who)


@reading(router, "/calls", list[CallView])
async def calls(request: Request, who: Reader) -> list[CallView]:
    """Calls with their payments and late interest: all to supervisors, a firm its own."""
    return await run_in_threadpool(_pool(request).calls, by=who)


@filing(router, "/calls/{call_id}/payments", CallView)
async def pay(
    call_id: str,
    body: Annotated[PaymentRequest, json_types(PaymentRequest)],
    request: Request,
    who: Payer,
) -> CallView:
    """Pay a call: the firm it is for, or a supervisor on its behalf (another firm's is 403; a
    payment in another currency is 422)."""
    return await run_in_threadpool(_pool(request).pay, call_id, body, by=who)


@filing(router, "/claims", ClaimView)
async def claim(
    body: Annotated[ClaimRequest, json_types(ClaimRequest)], request: Request, who: Claimant
) -> ClaimView:
    """Claim on the fund for an incident (404 when there is no such incident)."""
    return await run_in_threadpool(_pool(request).claim, body, by=who)


@reading(router, "/claims", list[ClaimView])
async def claims(request: Request, who: Reader) -> list[ClaimView]:
    """Claims with their assessment and payments: all to supervisors, a claimant its own."""
    return await run_in_threadpool(_pool(request).claims, by=who)


@filing(router, "/claims/{claim_id}/assessment", ClaimView)
async def assess(
    claim_id: str,
    body: Annotated[AssessmentRequest, json_types(AssessmentRequest)],
    request: Request,
    who: Manager,
) -> ClaimView:
    """Admit (at most the amount claimed) or reject a claim, once: supervisors."""
    return await run_in_threadpool(_pool(request).assess, claim_id, body, by=who)


@filing(router, "/payouts", PayoutView)
async def payout(
    body: Annotated[PayoutRequest, json_types(PayoutRequest)], request: Request, who: Manager
) -> PayoutView:
    """Pay an incident's admitted claims what they are owed, pro rata when the fund is short."""
    return await run_in_threadpool(_pool(request).payout, body, by=who)


@reading(router, "/payouts", list[PayoutView])
async def payouts(request: Request, who: Reader) -> list[PayoutView]:
    """Payouts with total and share (everyone); lines to supervisors and each claimant its own."""
    return await run_in_threadpool(_pool(request).payouts, by=who)


@filing(router, "/subrogations", SubrogationView)
async def subrogate(
    body: Annotated[SubrogationRequest, json_types(SubrogationRequest)], request: Request, who: Manager
) -> SubrogationView:
    """Record the fund's claim against the responsible firm, at most what it paid out."""
    return await run_in_threadpool(_pool(request).subrogate, body, by=who)


@reading(router, "/subrogations", list[SubrogationView])
async def subrogations(request: Request, who: Reader) -> list[SubrogationView]:
    """Subrogations and what was recovered: all to supervisors, a firm those against it."""
    return await run_in_threadpool(_pool(request).subrogations, by=who)


@filing(router, "/subrogations/{subrogation_id}/recoveries", SubrogationView)
async def recover(
    subrogation_id: str,
    body: Annotated[RecoveryRequest, json_types(RecoveryRequest)],
    request: Request,
    who: Manager,
) -> SubrogationView:
    """Record an amount recovered under a subrogation, at most what is outstanding."""
    return await run_in_threadpool(_pool(request).recover, subrogation_id, body, by=who)
