"""The registry over HTTP: organisations, models, passports, deployments, imports and exports.

Lists are paged by an opaque cursor; every item shows only the fields the caller may see and
names the ones withheld. A withheld field is absent from the answer, never null: the read models
write only what the service put in (``response_model_exclude_unset``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.bodies import DeploymentFiling, ModelFiling, OrganisationFiling, PassportFiling
from custos.api.envelopes import DeploymentPage, ModelPage, OrganisationPage
from custos.api.json_types import json_types
from custos.core.errors import InvalidInput
from custos.registry.documentation import FrameworkPublished, TechnicalDocumentation
from custos.registry.exports import FORMATS as EXPORT_FORMATS
from custos.registry.exports import export_model
from custos.registry.importers import ImportFormat, import_shipped, import_text
from custos.registry.model import Accessibility, NotificationFiled, OrganisationKind, Sector
from custos.registry.service import RegistryService
from custos.registry.views import (
    DeploymentView,
    DocumentationView,
    FrameworkView,
    ImportSummary,
    ModelDetail,
    ModelView,
    NotificationView,
    OrganisationView,
    PassportVersion,
)
from custos.store.registry_views import DeploymentQuery, ModelQuery, ModelSort, OrganisationQuery, PageRequest

router = APIRouter(prefix="/v1", tags=["registry"])
Reader = Annotated[Principal, Depends(require(Permission.REGISTRY_READ))]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(description="The `next` of the previous page.")]
Search = Annotated[str | None, Query(max_length=200, description="Part of the name, any case.")]


def _registry(request: Request) -> RegistryService:
    return RegistryService(request.app.state.store)


@router.get("/organisations", response_model=OrganisationPage, response_model_exclude_unset=True)
def list_organisations(
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.ORGANISATIONS_READ))],
    kind: OrganisationKind | None = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    q: Search = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> OrganisationPage:
    query = OrganisationQuery(kind=kind, country=country.upper() if country else None, search=q)
    return _registry(request).organisations(who, query, PageRequest(cursor, limit))


@router.post(
    "/organisations", status_code=201, response_model=OrganisationView, response_model_exclude_unset=True
)
def register_organisation(
    body: Annotated[OrganisationFiling, json_types(OrganisationFiling)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.ORGANISATIONS_WRITE))],
) -> OrganisationView:
    return _registry(request).register_organisation(body.content, by=who, visibility=body.visibility)


@router.post(
    "/organisations/{organisation_id}/frameworks",
    status_code=201,
    response_model=FrameworkView,
    response_model_exclude_unset=True,
)
def publish_framework(
    organisation_id: str,
    body: Annotated[FrameworkPublished, json_types(FrameworkPublished)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.MODELS_WRITE))],
) -> FrameworkView:
    """Record the publication of the developer's frontier AI framework, or of a material
    modification of it (Bus. & Prof. Code § 22757.12(a)-(b); Gen. Bus. Law § 1421(1)-(2))."""
    return _registry(request).publish_framework(organisation_id, body, by=who)


@router.get(
    "/organisations/{organisation_id}", response_model=OrganisationView, response_model_exclude_unset=True
)
def get_organisation(organisation_id: str, request: Request, who: Reader) -> OrganisationView:
    return _registry(request).organisation(who, organisation_id)


@router.get("/models", response_model=ModelPage, response_model_exclude_unset=True)
def list_models(
    request: Request,
    who: Reader,
    organisation: str | None = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    accessibility: Accessibility | None = None,
    min_flop: Annotated[float | None, Query(gt=0, description="Training compute at least, FLOP")] = None,
    max_flop: Annotated[float | None, Query(gt=0, description="Training compute at most, FLOP")] = None,
    q: Search = None,
    sort: Annotated[
        ModelSort,
        Query(
            description="name; compute: largest training compute first, then newest; newest: latest "
            "release first. Only values the caller may see are sorted on; a cursor keeps its sort."
        ),
    ] = ModelSort.NAME,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ModelPage:
    query = ModelQuery(
        organisation=organisation,
        country=country.upper() if country else None,
        accessibility=accessibility,
        min_flop=min_flop,
        max_flop=max_flop,
        search=q,
        sort=sort,
    )
    return _registry(request).models(who, query, PageRequest(cursor, limit))


@router.post("/models", status_code=201, response_model=ModelView, response_model_exclude_unset=True)
def register_model(
    body: Annotated[ModelFiling, json_types(ModelFiling)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.MODELS_WRITE))],
) -> ModelView:
    return _registry(request).register_model(body.content, by=who, visibility=body.visibility)


@router.get("/models/{model_id}", response_model=ModelDetail, response_model_exclude_unset=True)
def get_model(model_id: str, request: Request, who: Reader) -> ModelDetail:
    """The model with its current passport (null when none was filed) and its deployments' count."""
    return _registry(request).model(who, model_id)


@router.get(
    "/models/{model_id}/passports", response_model=list[PassportVersion], response_model_exclude_unset=True
)
def passport_history(model_id: str, request: Request, who: Reader) -> list[PassportVersion]:
    """Every version of the model's passport, newest first."""
    return _registry(request).passport_history(who, model_id)


@router.post(
    "/models/{model_id}/passports",
    status_code=201,
    response_model=PassportVersion,
    response_model_exclude_unset=True,
)
def file_passport(
    model_id: str,
    body: Annotated[PassportFiling, json_types(PassportFiling)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.MODELS_WRITE))],
) -> PassportVersion:
    """File a new version of the model's passport; it supersedes the current one."""
    return _registry(request).file_passport(model_id, body.content, by=who, visibility=body.visibility)


@router.post(
    "/models/{model_id}/notifications",
    status_code=201,
    response_model=NotificationView,
    response_model_exclude_unset=True,
)
def file_notification(
    model_id: str,
    body: Annotated[NotificationFiled, json_types(NotificationFiled)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.MODELS_WRITE))],
) -> NotificationView:
    """Record that the provider notified an authority that the model meets, or will meet, a
    threshold (EU AI Act Art. 52(1): the compute to two significant figures, and how it was
    estimated). It discharges the obligation to notify."""
    return _registry(request).file_notification(model_id, body, by=who)


@router.post(
    "/models/{model_id}/documentation",
    status_code=201,
    response_model=DocumentationView,
    response_model_exclude_unset=True,
)
def file_documentation(
    model_id: str,
    body: Annotated[TechnicalDocumentation, json_types(TechnicalDocumentation)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.MODELS_WRITE))],
) -> DocumentationView:
    """File the model's technical documentation (EU AI Act Annex XI: each element summarised,
    the document committed to by its SHA-256). It discharges the duty to draw it up."""
    return _registry(request).file_documentation(model_id, body, by=who)


@router.get(
    "/models/{model_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The CycloneDX or SPDX document (JSON)",
            "content": {
                media_type: {"schema": {"type": "object"}} for _, media_type in EXPORT_FORMATS.values()
            },
        }
    },
)
def export(
    model_id: str,
    request: Request,
    who: Reader,
    format: Annotated[str, Query(pattern="^(" + "|".join(EXPORT_FORMATS) + ")$")] = "cyclonedx",
) -> Response:
    """The passport as CycloneDX 1.6 or SPDX 3.0.1, with only the fields the caller may see."""
    text, media_type = export_model(_registry(request), who, model_id, format)
    return Response(text, media_type=media_type)


@router.get("/deployments", response_model=DeploymentPage, response_model_exclude_unset=True)
def list_deployments(
    request: Request,
    who: Reader,
    organisation: str | None = None,
    model: str | None = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    sector: Sector | None = None,
    q: Search = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> DeploymentPage:
    query = DeploymentQuery(
        organisation=organisation,
        model=model,
        country=country.upper() if country else None,
        sector=sector,
        search=q,
    )
    return _registry(request).deployments(who, query, PageRequest(cursor, limit))


@router.post(
    "/deployments", status_code=201, response_model=DeploymentView, response_model_exclude_unset=True
)
def register_deployment(
    body: Annotated[DeploymentFiling, json_types(DeploymentFiling)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.DEPLOYMENTS_WRITE))],
) -> DeploymentView:
    return _registry(request).register_deployment(body.content, by=who, visibility=body.visibility)


@router.get("/deployments/{deployment_id}", response_model=DeploymentView, response_model_exclude_unset=True)
def get_deployment(deployment_id: str, request: Request, who: Reader) -> DeploymentView:
    return _registry(request).deployment(who, deployment_id)


@router.post(
    "/imports/{fmt}",
    status_code=201,
    response_model=ImportSummary,
    openapi_extra={
        "requestBody": {
            "required": False,
            "description": "The file's text: Epoch CSV, CycloneDX or SPDX JSON, or a model card's "
            "README.md; none with source=shipped",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def import_document(
    fmt: ImportFormat,
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.IMPORTS_WRITE))],
    skip_invalid: bool = False,
    organisation: Annotated[
        str | None, Query(description="hf only: the provider, when the card names none")
    ] = None,
    source: Annotated[
        Literal["body", "shipped"],
        Query(description="shipped: the document shipped with Custos (epoch: Epoch AI's table), no body"),
    ] = "body",
) -> ImportSummary:
    """Import a document: atomic unless ``skip_invalid``, which stores the valid records and
    reports the rest. The response counts the data-quality flags filed on the passports by
    problem (``flagged``) and lists them (``data_quality``)."""
    body = await request.body()
    if source == "shipped":
        if body:
            raise InvalidInput("source=shipped imports the shipped document: send no body")
        return await run_in_threadpool(import_shipped, _registry(request), fmt, by=who)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the document is not UTF-8 text: {exc}") from exc
    return await run_in_threadpool(
        import_text,
        _registry(request),
        fmt,
        text,
        by=who,
        skip_invalid=skip_invalid,
        organisation=organisation,
    )
