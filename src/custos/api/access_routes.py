"""Organisations, actors and tokens over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.access.model import Principal, Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission
from custos.access.service import AccessService
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


class Actor(BaseModel):
    id: str
    name: str
    role: Role
    organisation_id: str
    jurisdiction: str
    filing_id: str


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expires_in: str | None = Field(
        None, description="Valid for this long: hours, days or weeks.", examples=["90d"]
    )
    expires_at: AwareDatetime | None = Field(None, description="Valid until this moment.")


class IssuedToken(BaseModel):
    id: str
    actor_id: str
    created_at: datetime
    expires_at: datetime | None
    token: str = Field(description="Shown once: store it now; only its hash is kept.")


class Token(BaseModel):
    """A token as supervisors see it: never its secret or the secret's hash."""

    id: str
    actor_id: str
    actor_name: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Known to within about a minute.")
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]


class RevokedTokens(BaseModel):
    actor_id: str
    revoked: list[str] = Field(description="The tokens this request revoked (not those revoked before).")


class Me(BaseModel):
    actor_id: str | None
    token_id: str | None
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
    body: Annotated[NewActor, json_types(NewActor)],
    service: Service,
    who: Annotated[Principal, Depends(require(Permission.ACTORS_WRITE))],
) -> Actor:
    return Actor(**service.add_actor(body.name, body.role, body.organisation, body.jurisdiction, by=who))


@router.post("/actors/{actor_id}/tokens", response_model=IssuedToken, status_code=201)
def issue_token(
    actor_id: str,
    service: Service,
    _: Annotated[Principal, Depends(require(Permission.TOKENS_ISSUE))],
    body: Annotated[TokenRequest | None, json_types(TokenRequest)] = None,
) -> IssuedToken:
    """A new token for the actor; without a body it lasts until revoked."""
    expiry = body or TokenRequest()
    return IssuedToken(**service.issue(actor_id, expires_in=expiry.expires_in, expires_at=expiry.expires_at))


@router.post("/actors/{actor_id}/tokens/revoke", response_model=RevokedTokens)
def revoke_actor_tokens(
    actor_id: str, service: Service, _: Annotated[Principal, Depends(require(Permission.TOKENS_REVOKE))]
) -> RevokedTokens:
    """Revoke every token of the actor."""
    return RevokedTokens(actor_id=actor_id, revoked=service.revoke_tokens(actor_id))


@router.get("/tokens", response_model=list[Token])
def list_tokens(
    service: Service,
    _: Annotated[Principal, Depends(require(Permission.TOKENS_READ))],
    actor: Annotated[str | None, Query(description="Only this actor's tokens.")] = None,
) -> list[Token]:
    return [Token(**token) for token in service.tokens(actor)]


@router.post("/tokens/{token_id}/revoke", response_model=Token)
def revoke_token(
    token_id: str, service: Service, _: Annotated[Principal, Depends(require(Permission.TOKENS_REVOKE))]
) -> Token:
    """Revoke one token; revoking it again changes nothing."""
    return Token(**service.revoke_token(token_id))


@router.post("/me/token/revoke", response_model=Token)
def revoke_own_token(
    service: Service, who: Annotated[Principal, Depends(require(Permission.SELF_REVOKE))]
) -> Token:
    """Revoke the token this request is made with (signing out for good)."""
    return Token(**service.revoke_own(who))


@router.get("/me", response_model=Me)
def me(request: Request, who: Annotated[Principal, Depends(require(Permission.SELF_READ))]) -> Me:
    return Me(
        actor_id=who.actor_id,
        token_id=who.token_id,
        name=who.name,
        role=who.role,
        organisation_id=who.organisation_id,
        jurisdiction=who.jurisdiction,
        permissions=sorted(ROLE_PERMISSIONS[who.role]),
    )
