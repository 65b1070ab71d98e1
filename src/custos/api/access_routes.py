"""Organisations, actors and tokens over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from custos.access import ROLE_PERMISSIONS, AccessService, Permission, Principal, Role
from custos.api.auth import access_service, require

router = APIRouter(prefix="/v1", tags=["access"])
Service = Annotated[AccessService, Depends(access_service)]


class NewActor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255)
    role: Role
    organisation: str = Field(min_length=1, description="Organisation id or name")
    jurisdiction: str | None = None


class Actor(BaseModel):
    id: str
    name: str
    role: Role
    organisation_id: str
    jurisdiction: str
    filing_id: str


class IssuedToken(BaseModel):
    actor_id: str
    token: str = Field(description="Shown once: store it now; only its hash is kept.")


class Me(BaseModel):
    actor_id: str | None
    name: str
    role: Role
    organisation_id: str | None
    jurisdiction: str | None
    permissions: list[str]


@router.get("/actors", response_model=list[Actor])
def list_actors(
    service: Service, _: Annotated[Principal, Depends(require(Permission.ACTORS_READ))]
) -> list[Actor]:
    return [Actor(**a) for a in service.list_actors()]


@router.post("/actors", response_model=Actor, status_code=201)
def add_actor(
    body: NewActor, service: Service, who: Annotated[Principal, Depends(require(Permission.ACTORS_WRITE))]
) -> Actor:
    return Actor(**service.add_actor(body.name, body.role, body.organisation, body.jurisdiction, by=who))


@router.post("/actors/{actor_id}/tokens", response_model=IssuedToken, status_code=201)
def issue_token(
    actor_id: str, service: Service, _: Annotated[Principal, Depends(require(Permission.TOKENS_ISSUE))]
) -> IssuedToken:
    return IssuedToken(actor_id=actor_id, token=service.issue_token(actor_id))


@router.get("/me", response_model=Me)
def me(request: Request, who: Annotated[Principal, Depends(require(Permission.SELF_READ))]) -> Me:
    return Me(
        actor_id=who.actor_id,
        name=who.name,
        role=who.role,
        organisation_id=who.organisation_id,
        jurisdiction=who.jurisdiction,
        permissions=sorted(ROLE_PERMISSIONS[who.role]),
    )
