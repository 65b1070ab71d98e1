"""Federation over HTTP: supervisors manage peers and notices; peers deliver notices and offer
checkpoints to be cosigned (C2SP tlog-witness), unauthenticated, since what they send is signed
by their log's key and checked against it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.bodies import Reasoned
from custos.api.json_types import json_types
from custos.api.problems import PROBLEM_JSON, problem
from custos.core.errors import InvalidInput
from custos.federation.model import PeerRecognised
from custos.federation.service import MAX_BATCH, FederationService
from custos.federation.sync import Sender
from custos.federation.views import (
    Identity,
    IncomingNotice,
    NoticeResults,
    OutgoingNotice,
    PeerStatus,
    PeerView,
    Refusal,
)
from custos.ledger import SIZE_MEDIA_TYPE, WitnessRefusal

router = APIRouter(prefix="/v1/federation", tags=["federation"])
Manager = Annotated[Principal, Depends(require(Permission.PEERS_MANAGE))]
Peer = Annotated[Principal, Depends(require(Permission.NOTICES_DELIVER))]
Limit = Annotated[int, Query(ge=1, le=500)]


def _federation(request: Request) -> FederationService:
    return FederationService(request.app.state.store)


class Delivery(BaseModel):
    """A batch of signed notices from a peer."""

    model_config = ConfigDict(extra="forbid")
    notices: list[str] = Field(min_length=1, max_length=MAX_BATCH)


class FlagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    peer_id: str = Field(min_length=1)
    filing_id: str = Field(min_length=1)


class RoundView(BaseModel):
    """What one round of sending did with one peer."""

    peer_id: str
    name: str
    cosigned_size: int
    sent: int
    acknowledged: int
    refused: list[str]
    error: str | None


@router.get("/identity", response_model=Identity)
def identity(request: Request, _: Annotated[Principal, Depends(require(Permission.LEDGER_READ))]) -> Identity:
    """This installation as a peer recognises it: its log's origin, its log key, its witness key."""
    return _federation(request).identity()


@router.get("/peers", response_model=list[PeerView])
def list_peers(request: Request, who: Manager) -> list[PeerView]:
    return _federation(request).peers(by=who)


@router.post("/peers", status_code=201, response_model=PeerView)
def recognise_peer(
    body: Annotated[PeerRecognised, json_types(PeerRecognised)], request: Request, who: Manager
) -> PeerView:
    """Recognise a peer installation for a scope, or change the terms of one recognised before."""
    return _federation(request).recognise(body, by=who)


@router.post("/peers/{peer_id}/withdraw", status_code=201, response_model=PeerView)
def withdraw_peer(
    peer_id: str, body: Annotated[Reasoned, json_types(Reasoned)], request: Request, who: Manager
) -> PeerView:
    return _federation(request).withdraw(peer_id, body.reason, by=who)


@router.post("/peers/{peer_id}/clear", status_code=201, response_model=PeerView)
def clear_peer(
    peer_id: str, body: Annotated[Reasoned, json_types(Reasoned)], request: Request, who: Manager
) -> PeerView:
    """Accept notices from a flagged peer again, with the reason."""
    return _federation(request).clear(peer_id, body.reason, by=who)


@router.get("/status", response_model=list[PeerStatus])
def peer_status(request: Request, who: Manager) -> list[PeerStatus]:
    """Each peer: the sizes cosigned both ways, notices pending, the last exchanged, the last error."""
    return _federation(request).status(by=who)


@router.post("/outbox", status_code=201, response_model=OutgoingNotice)
def flag_notice(
    body: Annotated[FlagRequest, json_types(FlagRequest)], request: Request, who: Manager
) -> OutgoingNotice:
    """Send a filing to a peer (one within the scope granted it)."""
    return _federation(request).flag(body.peer_id, body.filing_id, by=who)


@router.get("/outbox", response_model=list[OutgoingNotice])
def outgoing(
    request: Request, who: Manager, peer: str | None = None, before: str | None = None, limit: Limit = 100
) -> list[OutgoingNotice]:
    """Notices flagged for peers, newest first; ``before`` is the last id of the previous page."""
    return _federation(request).outgoing(by=who, peer_id=peer, before=before, limit=limit)


@router.get("/inbox", response_model=list[IncomingNotice])
def incoming(
    request: Request, who: Manager, peer: str | None = None, before: str | None = None, limit: Limit = 100
) -> list[IncomingNotice]:
    """Notices received from peers, verified, newest first, with what each disclosed."""
    return _federation(request).incoming(by=who, peer_id=peer, before=before, limit=limit)


@router.get("/refusals", response_model=list[Refusal])
def refusals(request: Request, who: Manager, peer: str | None = None, limit: Limit = 100) -> list[Refusal]:
    """Notices refused, newest first, each with its reason."""
    return _federation(request).refusals(by=who, peer_id=peer, limit=limit)


@router.post("/sync", response_model=list[RoundView])
async def sync(request: Request, _: Manager) -> list[RoundView]:
    """Run a round of witnessing and sending now, rather than at the server's next."""
    rounds = await run_in_threadpool(Sender(request.app.state.store).run)
    return [RoundView.model_validate(peer_round, from_attributes=True) for peer_round in rounds]


@router.post("/notices", response_model=NoticeResults)
def deliver(body: Annotated[Delivery, json_types(Delivery)], request: Request, _: Peer) -> NoticeResults:
    """A peer delivers signed notices. Each is answered: accepted or duplicate with this
    installation's signed receipt, or refused with the reason (also recorded)."""
    return _federation(request).receive(body.notices)


#: Titles of the witness's refusals, by status, as the C2SP tlog-witness protocol means them.
_WITNESS_TITLES = {
    400: "Malformed request",
    403: "Not signed by the log",
    404: "Unknown log",
    409: "Conflict",
    422: "Inconsistent checkpoint",
}


@router.post(
    "/add-checkpoint",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The cosignature line."},
        409: {
            "description": "The old size is not the one last cosigned (that size, as text/x.tlog.size), "
            "or the same size was cosigned with another root (a problem)",
            "content": {
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}},
                SIZE_MEDIA_TYPE: {"schema": {"type": "string", "pattern": "^[0-9]+\\n$"}},
            },
        },
    },
    openapi_extra={
        "x-protocol": "https://c2sp.org/tlog-witness",
        "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}},
    },
)
async def add_checkpoint(request: Request, _: Peer) -> Response:
    """C2SP tlog-witness: cosign a peer's checkpoint if it extends the one cosigned before.
    Refusals are problems with the protocol's status, but for the stale old size, which is
    answered as the protocol has it: the size last cosigned, as ``text/x.tlog.size``."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the request is not UTF-8 text: {exc}") from exc
    try:
        line = await run_in_threadpool(_federation(request).add_checkpoint, text)
    except WitnessRefusal as refusal:
        if refusal.known_size is not None:
            size = f"{refusal.known_size}\n"
            return Response(size, status_code=409, headers={"Content-Type": SIZE_MEDIA_TYPE})
        return problem(refusal.status, _WITNESS_TITLES[refusal.status], refusal.message)
    return Response(line, media_type="text/plain; charset=utf-8")
