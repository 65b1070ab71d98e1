"""Policy packs and obligations over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.bodies import Reasoned
from custos.api.json_types import json_types
from custos.core.errors import InvalidInput
from custos.core.jurisdictions import jurisdiction as jurisdiction_of
from custos.policy.requests import WhatIf
from custos.policy.service import PolicyService
from custos.policy.views import (
    EvaluationSummary,
    ObligationExplanation,
    ObligationPage,
    ObligationView,
    PackLint,
    PackLoad,
    PackVersion,
    WhatIfAnswer,
)
from custos.store.policy_views import ObligationQuery

ISO_MOMENT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"


router = APIRouter(prefix="/v1/policy", tags=["policy"])
Reader = Annotated[Principal, Depends(require(Permission.OBLIGATIONS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.OBLIGATIONS_WRITE))]
Status = Literal["open", "overdue", "undetermined", "discharged", "waived", "lapsed"]
PACK_ID = r"^[a-z0-9][a-z0-9-]*$"


def _policy(request: Request) -> PolicyService:
    return PolicyService(request.app.state.store)


class EvaluationRequest(BaseModel):
    """Which subjects to evaluate the active packs over, and whether to file what changes."""

    model_config = ConfigDict(extra="forbid")
    subjects: list[str] | None = Field(
        None, description="Model or deployment ids; the whole registry when absent."
    )
    dry_run: bool = False


class PackText(BaseModel):
    """A pack's YAML, to lint."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, description="The pack's YAML, as it would be loaded.")


class Discharge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evidence: str = Field(min_length=1, description="The id of the filing that discharges the obligation.")


@router.get("/packs", response_model=list[PackVersion])
def packs(
    request: Request, _: Annotated[Principal, Depends(require(Permission.POLICY_READ))]
) -> list[PackVersion]:
    return _policy(request).packs()


@router.post(
    "/packs",
    status_code=201,
    response_model=PackLoad,
    response_model_exclude_unset=True,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/yaml": {"schema": {"type": "string"}}}}
    },
)
async def load(
    request: Request, who: Annotated[Principal, Depends(require(Permission.POLICY_WRITE))]
) -> PackLoad:
    """Load a pack (YAML body). A pack that does not load is refused, with the line and the reason."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the pack is not UTF-8 text: {exc}") from exc
    return await run_in_threadpool(_policy(request).load, text, origin="request body", by=who)


@router.post("/lint", response_model=PackLint)
def lint(
    body: Annotated[PackText, json_types(PackText)],
    request: Request,
    _: Annotated[Principal, Depends(require(Permission.POLICY_WRITE))],
) -> PackLint:
    """Lint a pack before loading it: what contradicts its own effective dates or this
    installation's filing kinds. Loading's permission, as it is loading's rehearsal; a pack that
    does not load is refused with the line and the reason. Nothing is stored."""
    return _policy(request).lint(body.text, origin="request body")


@router.post("/evaluate", response_model=EvaluationSummary)
def evaluate(
    body: Annotated[EvaluationRequest, json_types(EvaluationRequest)], request: Request, who: Writer
) -> EvaluationSummary:
    return _policy(request).evaluate(by=who, subject_ids=body.subjects, dry_run=body.dry_run)


@router.get("/obligations", response_model=ObligationPage, response_model_exclude_unset=True)
def obligations(
    request: Request,
    who: Reader,
    status: Status | None = None,
    organisation: str | None = None,
    pack: Annotated[str | None, Query(pattern=PACK_ID, max_length=64, description="A pack's id")] = None,
    jurisdiction: Annotated[
        str | None, Query(max_length=16, description="The jurisdiction of the pack: EU, US-CA, ...")
    ] = None,
    subject: str | None = None,
    due_before: Annotated[
        str | None,
        Query(
            pattern=ISO_MOMENT,
            max_length=40,
            description="An ISO 8601 time with its zone (2026-12-01T00:00:00Z); not a Unix time",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ObligationPage:
    """Obligations by due date (none last), a page at a time, with how many match in all."""
    due = None if due_before is None else _moment(due_before)
    code = None if jurisdiction is None else jurisdiction_of(jurisdiction).code
    query = ObligationQuery(status, organisation, pack, subject, due, code)
    return _policy(request).obligations_page(who, query, limit=limit, offset=offset)


def _moment(text: str) -> datetime:
    """An ISO 8601 time that names its zone: a bare number (read as a Unix time by some parsers)
    or a local time would make a deadline filter silently mean something else."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"due_before is not a valid time: {text!r}") from exc


@router.get(
    "/obligations/{obligation_id}/explanation",
    response_model=ObligationExplanation,
    response_model_exclude_unset=True,
)
def explain(obligation_id: str, request: Request, who: Reader) -> ObligationExplanation:
    return _policy(request).explain(who, obligation_id)


@router.post("/whatif", response_model=WhatIfAnswer)
def whatif(body: Annotated[WhatIf, json_types(WhatIf)], request: Request, who: Reader) -> WhatIfAnswer:
    return _policy(request).whatif(who, body)


@router.post(
    "/obligations/{obligation_id}/waiver",
    status_code=201,
    response_model=ObligationView,
    response_model_exclude_unset=True,
)
def waive(
    obligation_id: str, body: Annotated[Reasoned, json_types(Reasoned)], request: Request, who: Writer
) -> ObligationView:
    return _policy(request).waive(obligation_id, body.reason, by=who)


@router.post(
    "/obligations/{obligation_id}/discharge",
    status_code=201,
    response_model=ObligationView,
    response_model_exclude_unset=True,
)
def discharge(
    obligation_id: str, body: Annotated[Discharge, json_types(Discharge)], request: Request, who: Writer
) -> ObligationView:
    return _policy(request).discharge(obligation_id, body.evidence, by=who)
