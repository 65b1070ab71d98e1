"""The decision point over HTTP: the hot path, kept apart and mounted first so a request for a
decision is matched before the other routes are tried."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.bodies import DecisionBatch, DecisionRequest
from custos.api.json_types import json_types
from custos.core.jurisdictions import jurisdiction
from custos.licensing.decision import Context, Decision, DecisionPoint
from custos.licensing.service import check_requester
from custos.licensing.views import DecisionView

router = APIRouter(prefix="/v1", tags=["licensing"])
Asker = Annotated[Principal, Depends(require(Permission.DECISIONS_REQUEST))]


def _decision_point(request: Request) -> DecisionPoint:
    point: DecisionPoint = request.app.state.decisions
    return point


def _decide(point: DecisionPoint, who: Principal, body: DecisionRequest) -> Decision:
    check_requester(who, body.deployer)
    code = jurisdiction(body.jurisdiction).code  # an unknown code is a 422, not a silent deny
    point.require_known(body.deployer, body.model)  # and an unknown model or deployer a 404
    context = Context(code, body.sector, body.users, body.capability_class, body.subject_key)
    return point.decide(body.deployer, body.model, context)


def _json(content: Decision | list[Decision]) -> Response:
    """Serialise with orjson straight to bytes: FastAPI's own encoder walks every value in
    Python first, and orjson writes the decision point's dataclasses natively, in the shape of
    :class:`DecisionView`."""
    return Response(orjson.dumps(content), media_type="application/json")


# The answers are written by orjson straight from the decision point: the response models only
# document them (a Response is returned as it is, never validated again on the hot path).
@router.post("/decisions", response_model=DecisionView)
async def decision(
    body: Annotated[DecisionRequest, json_types(DecisionRequest)], request: Request, who: Asker
) -> Response:
    """May this deployer serve this request with this model, now? Allow or deny, with reasons.

    Answered on the event loop from the decision point's memory: no database, no thread."""
    return _json(_decide(_decision_point(request), who, body))


@router.post("/decisions/batch", response_model=list[DecisionView])
async def decisions(
    body: Annotated[DecisionBatch, json_types(DecisionBatch)], request: Request, who: Asker
) -> Response:
    point = _decision_point(request)
    return _json([_decide(point, who, item) for item in body.requests])
