"""Organisations, actors and tokens over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.access.model import Principal, Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission
from custos.access.service import AccessService
from custos.access.views import Actor, IssuedToken, Me, RevokedTokens, Token
from custos.api.auth import access_service, require
from custos.api.json_types import json_types

router = APIRouter(prefix="/v1", tags=["access"])
Service = Annotated[AccessService, Depends(access_service)]


class NewActor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255)
    role: Role
    organisation: str = Field(min_length=1, description="Organisation id or name")
    jurisdiction: str | None = None


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expires_in: str | None = Field(
        None, description="Valid for this long: hours, days or weeks.", examples=["90d"]
    )
    expires_at: AwareDatetime | None = Field(None, description="Valid until this moment.")


@router.get("/actors", response_model=list[Actor])
def list_actors(
    service: Service, _: Annotated[Principal, Depends(require(Permission.ACTORS_READ))]
) -> list[Actor]:
    return service.list_actors()


@router.post("/actors", response_model=Actor, status_code=201)
def add_actor(
    body: Annotated[NewActor, json_types(NewActor)],
    service: Service,
    who: Annotated[Principal, Depends(require(Permission.ACTORS_WRITE))],
) -> Actor:
    return service.add_actor(body.name, body.role, body.organisation, body.jurisdiction, by=who)


@router.post("/actors/{actor_id}/tokens", response_model=IssuedToken, status_code=201)
def issue_token(
    actor_id: str,
    service: Service,
    _: Annotated[Principal, Depends(require(Permission.TOKENS_ISSUE))],
    body: Annotated[TokenRequest | None, json_types(TokenRequest)] = None,
) -> IssuedToken:
    """A new token for the actor; without a body it lasts until revoked."""
    expiry = body or TokenRequest()
    return service.issue(actor_id, expires_in=expiry.expires_in, expires_at=expiry.expires_at)


@router.post("/actors/{actor_id}/tokens/revoke", response_model=RevokedTokens)
def revoke_actor_tokens(
    actor_id: str, service: Service, _: Annotated[Principal, Depends(require(Permission.TOKENS_REVOKE))]
) -> RevokedTokens:
    """Revoke every token of the actor."""
    return service.revoke_tokens(actor_id)


@router.get("/tokens", response_model=list[Token])
def list_tokens(
    service: Service,
    _: Annotated[Principal, Depends(require(Permission.TOKENS_READ))],
    actor: Annotated[str | None, Query(description="Only this actor's tokens.")] = None,
) -> list[Token]:
    return service.tokens(actor)


@router.post("/tokens/{token_id}/revoke", response_model=Token)
def revoke_token(
    token_id: str, service: Service, _: Annotated[Principal, Depends(require(Permission.TOKENS_REVOKE))]
) -> Token:
    """Revoke one token; revoking it again changes nothing."""
    return service.revoke_token(token_id)


@router.post("/me/token/revoke", response_model=Token)
def revoke_own_token(
    service: Service, who: Annotated[Principal, Depends(require(Permission.SELF_REVOKE))]
) -> Token:
    """Revoke the token this request is made with (signing out for good)."""
    return service.revoke_own(who)


@router.get("/me", response_model=Me)
def me(request: Request, who: Annotated[Principal, Depends(require(Permission.SELF_READ))]) -> Me:
    return Me.model_validate(
        {
            "actor_id": who.actor_id,
            "token_id": who.token_id,
            "name": who.name,
            "role": who.role,
            "organisation_id": who.organisation_id,
            "jurisdiction": who.jurisdiction,
            "permissions": sorted(ROLE_PERMISSIONS[who.role]),
        }
    )
