"""Market structure over HTTP: concentration per layer, single points of failure and their
assessment, merger reviews and remedies, fallback plans, public-interest designations and the
what-if of a public-interest fallback.

Who may see what is the service's to decide: the compute layer's concentration (public estimates),
the list of linchpins and the designations are for everyone; a provider reads its own row of an
assessment, a merging party its review as far as its fields allow, an organisation its own plans;
everything resting on confidential filings is for supervisors. Responses are written with
``exclude_unset``, so a withheld field is absent. A merger review and a what-if each run the
stress test twice (seconds), in the thread pool so other requests are served meanwhile.
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
from custos.core.errors import InvalidInput
from custos.markets.requests import (
    DesignationRequest,
    FallbackPlanRequest,
    MergerRequest,
    RemedyRequest,
    WhatIfRequest,
)
from custos.markets.service import MarketsService
from custos.markets.views import (
    AssessmentView,
    ConcentrationView,
    DependenciesView,
    DesignationView,
    FallbackPlanView,
    Layer,
    MergerReviewView,
    RemedyView,
    WhatIfView,
)

router = APIRouter(prefix="/v1/markets", tags=["markets"])
Reader = Annotated[Principal, Depends(require(Permission.MARKETS_READ))]
Filer = Annotated[Principal, Depends(require(Permission.MARKETS_FILE))]
Analyst = Annotated[Principal, Depends(require(Permission.MARKETS_ANALYSE))]
Manager = Annotated[Principal, Depends(require(Permission.MARKETS_MANAGE))]


def _markets(request: Request) -> MarketsService:
    return MarketsService(request.app.state.store)


# --- concentration and single points of failure -------------------------------------------------


@router.get("/concentration", response_model=ConcentrationView, response_model_exclude_unset=True)
async def concentration(
    request: Request,
    who: Reader,
    layer: Annotated[Layer | None, Query(description="Only this layer's markets.")] = None,
    sector: Annotated[
        str | None, Query(max_length=40, description="Deployment markets of this sector only.")
    ] = None,
    jurisdiction: Annotated[
        str | None, Query(max_length=10, description="Deployment markets of this jurisdiction only.")
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="The last day counted, YYYY-MM-DD (today when absent).",
        ),
    ] = None,
) -> ConcentrationView:
    """Each market's concentration over time: HHI with the US and EU bands, CR1/CR3/CR5, the
    equivalent number of firms and the largest firms' shares. The public sees the compute
    layer's market from Epoch AI's estimates; the markets resting on confidential filings are
    listed in ``withheld``."""
    day = None if as_of is None else _day(as_of)
    return await run_in_threadpool(
        _markets(request).concentration,
        by=who,
        layer=layer,
        sector=sector,
        jurisdiction=jurisdiction,
        as_of=day,
    )


def _day(text: str) -> date:
    """A calendar day as YYYY-MM-DD: a bare number, read as a Unix time by a lax parser, would
    silently mean 1970."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"as_of is not a day of the calendar: {text!r}") from exc


@router.get("/dependencies", response_model=DependenciesView, response_model_exclude_unset=True)
async def dependencies(request: Request, who: Analyst) -> DependenciesView:
    """The dependency network's single points of failure, linchpins above the packs' threshold,
    fallbacks from other providers, counterweights and the dominator tree (supervisors)."""
    return await run_in_threadpool(_markets(request).dependencies, by=who)


@router.post(
    "/assessments", status_code=201, response_model=AssessmentView, response_model_exclude_unset=True
)
async def assess(request: Request, who: Manager) -> AssessmentView:
    """File the single points of failure as they stand: the packs read each provider's shares
    from the latest assessment (supervisors)."""
    return await run_in_threadpool(_markets(request).assess, by=who)


@router.get("/assessments/latest", response_model=AssessmentView, response_model_exclude_unset=True)
async def latest_assessment(request: Request, who: Reader) -> AssessmentView:
    """The latest assessment: its linchpins for everyone, each provider's figures to itself and
    supervisors. 404 when none has been filed."""
    return await run_in_threadpool(_markets(request).latest_assessment, by=who)


# --- mergers ----------------------------------------------------------------------------------


@router.post("/mergers", status_code=201, response_model=MergerReviewView, response_model_exclude_unset=True)
async def review_merger(
    body: Annotated[MergerRequest, json_types(MergerRequest)], request: Request, who: Manager
) -> MergerReviewView:
    """Review a merger and file the review: the change in concentration per market, the single
    points of failure the merged firm creates, and the stress test re-run with the merged firm
    failing as one unit (seconds)."""
    return await run_in_threadpool(_markets(request).review_merger, body, by=who)


@router.get("/mergers", response_model=list[MergerReviewView], response_model_exclude_unset=True)
async def merger_reviews(request: Request, who: Reader) -> list[MergerReviewView]:
    """Merger reviews, newest first: all to supervisors, a party its own, nobody else any."""
    return await run_in_threadpool(_markets(request).reviews, by=who)


@router.get("/mergers/{review_id}", response_model=MergerReviewView, response_model_exclude_unset=True)
async def merger_review(review_id: str, request: Request, who: Reader) -> MergerReviewView:
    """One merger review with its remedies; 404 for anyone but supervisors and the parties."""
    return await run_in_threadpool(_markets(request).review, review_id, by=who)


@router.post(
    "/mergers/{review_id}/remedies",
    status_code=201,
    response_model=RemedyView,
    response_model_exclude_unset=True,
)
async def impose_remedy(
    review_id: str,
    body: Annotated[RemedyRequest, json_types(RemedyRequest)],
    request: Request,
    who: Manager,
) -> RemedyView:
    """Impose a remedy on the merged firm; the packs make it a duty a plan of its kind discharges."""
    return await run_in_threadpool(_markets(request).impose_remedy, review_id, body, by=who)


# --- fallback plans and public-interest models --------------------------------------------------


@router.post(
    "/fallback-plans", status_code=201, response_model=FallbackPlanView, response_model_exclude_unset=True
)
async def file_fallback_plan(
    body: Annotated[FallbackPlanRequest, json_types(FallbackPlanRequest)], request: Request, who: Filer
) -> FallbackPlanView:
    """File a fallback, interoperability or escrow plan: a provider or deployer for its own
    organisation, a supervisor for the organisation it names."""
    return await run_in_threadpool(_markets(request).file_fallback_plan, body, by=who)


@router.get("/fallback-plans", response_model=list[FallbackPlanView], response_model_exclude_unset=True)
async def fallback_plans(request: Request, who: Reader) -> list[FallbackPlanView]:
    """Fallback plans, newest first: all to supervisors, an organisation its own."""
    return await run_in_threadpool(_markets(request).fallback_plans, by=who)


@router.post("/designations", status_code=201, response_model=DesignationView)
async def designate(
    body: Annotated[DesignationRequest, json_types(DesignationRequest)], request: Request, who: Manager
) -> DesignationView:
    """Designate a model as of public interest with its grounds, or withdraw the designation."""
    return await run_in_threadpool(_markets(request).designate, body, by=who)


@router.get("/designations", response_model=list[DesignationView])
async def designations(request: Request, _: Reader) -> list[DesignationView]:
    """Every designation and withdrawal, newest first (public)."""
    return await run_in_threadpool(_markets(request).designations)


@router.post("/what-if", response_model=WhatIfView)
async def what_if(
    body: Annotated[WhatIfRequest, json_types(WhatIfRequest)], request: Request, who: Analyst
) -> WhatIfView:
    """The stress test's expected shortfall as it is, and with a sector's deployments that name
    no fallback model given a public-interest model as one (supervisors; nothing is filed)."""
    return await run_in_threadpool(_markets(request).what_if, body, by=who)
