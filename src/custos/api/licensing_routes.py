"""Licences, their rollouts and recognition agreements over HTTP."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.bodies import LicenceApplicationFiling, LicenceStep
from custos.api.json_types import json_types
from custos.core.errors import InvalidInput
from custos.licensing.compliance import sweep
from custos.licensing.model import LicenceStatus, Transition
from custos.licensing.recognition import RecognitionAgreed, RecognitionEnded
from custos.licensing.recognition_service import RecognitionService
from custos.licensing.rollout import MetricsReported, RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.licensing.service import LicensingService
from custos.licensing.views import ConditionCheck, LicenceView, RecognitionView, RolloutView

router = APIRouter(prefix="/v1", tags=["licensing"])
Reader = Annotated[Principal, Depends(require(Permission.LICENCES_READ))]
Decider = Annotated[Principal, Depends(require(Permission.LICENCES_DECIDE))]


def _licensing(request: Request) -> LicensingService:
    return LicensingService(request.app.state.store)


@router.get("/licences", response_model=list[LicenceView])
def list_licences(
    request: Request,
    who: Reader,
    status: LicenceStatus | None = None,
    model: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[LicenceView]:
    return _licensing(request).list(who, status=status, model=model, limit=limit)


@router.post("/licences", status_code=201, response_model=LicenceView)
def apply(
    body: Annotated[LicenceApplicationFiling, json_types(LicenceApplicationFiling)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.LICENCES_APPLY))],
) -> LicenceView:
    return _licensing(request).apply(body.content, by=who)


@router.post("/licences/sweep", response_model=list[ConditionCheck])
def sweep_licences(request: Request, who: Decider) -> list[ConditionCheck]:
    """Check every granted licence's conditions now; suspend those whose lapsed conditions say so."""
    return sweep(request.app.state.store, by=who)


@router.get("/licences/{licence_id}", response_model=LicenceView)
def show(licence_id: str, request: Request, who: Reader) -> LicenceView:
    return _licensing(request).show(who, licence_id)


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1)
    stage: int | None = Field(None, ge=0, description="rollback: the stage to go back to")


@router.post("/licences/{licence_id}/rollout", status_code=201, response_model=RolloutView)
def plan_rollout(
    licence_id: str,
    body: Annotated[RolloutPlanned, json_types(RolloutPlanned)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.LICENCES_APPLY))],
) -> RolloutView:
    """File a phased rollout plan (percentages must rise; caps within the licence)."""
    return RolloutService(request.app.state.store).plan(licence_id, body, by=who)


@router.get("/licences/{licence_id}/rollout", response_model=RolloutView)
def rollout_status(licence_id: str, request: Request, who: Reader) -> RolloutView:
    _licensing(request).show(who, licence_id)  # a licence the reader may not see does not exist
    return RolloutService(request.app.state.store).status(licence_id)


@router.post("/licences/{licence_id}/rollout/metrics", status_code=201, response_model=RolloutView)
def report_rollout_metrics(
    licence_id: str,
    body: Annotated[MetricsReported, json_types(MetricsReported)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.LICENCES_APPLY))],
) -> RolloutView:
    """File monitoring figures for the rollout's current stage (the licence holder or a supervisor)."""
    return RolloutService(request.app.state.store).report_metrics(licence_id, body, by=who)


@router.post("/licences/{licence_id}/rollout/{move}", status_code=201, response_model=RolloutView)
def move_rollout(
    licence_id: str,
    move: Literal["promote", "hold", "rollback"],
    body: Annotated[Move, json_types(Move)],
    request: Request,
    who: Decider,
) -> RolloutView:
    service = RolloutService(request.app.state.store)
    if move == "promote":
        return service.promote(licence_id, body.reason, by=who)
    if move == "hold":
        return service.hold(licence_id, body.reason, by=who)
    if body.stage is None:
        raise InvalidInput("a rollback names the stage to go back to")
    return service.rollback(licence_id, body.stage, body.reason, by=who)


@router.post("/licences/{licence_id}/{transition}", status_code=201, response_model=LicenceView)
def decide_licence(
    licence_id: str,
    transition: Transition,
    body: Annotated[LicenceStep, json_types(LicenceStep)],
    request: Request,
    who: Decider,
) -> LicenceView:
    """Grant (with conditions), refuse, suspend, reinstate, vary, revoke or expire a licence."""
    return _licensing(request).decide(licence_id, transition, body, by=who)


@router.get("/recognitions", response_model=list[RecognitionView])
def recognitions(request: Request, _: Reader) -> list[RecognitionView]:
    return RecognitionService(request.app.state.store).list()


@router.post("/recognitions", status_code=201, response_model=RecognitionView)
def recognise(
    body: Annotated[RecognitionAgreed, json_types(RecognitionAgreed)], request: Request, who: Decider
) -> RecognitionView:
    """Recognise another jurisdiction's licences (for some sectors and classes, with extra conditions)."""
    return RecognitionService(request.app.state.store).agree(body, by=who)


@router.post("/recognitions/{agreement_id}/end", status_code=201, response_model=RecognitionView)
def end_recognition(
    agreement_id: str,
    body: Annotated[RecognitionEnded, json_types(RecognitionEnded)],
    request: Request,
    who: Decider,
) -> RecognitionView:
    return RecognitionService(request.app.state.store).end(agreement_id, body.reason, by=who)
