"""Actors and API tokens as the access service answers: what its methods return and the API's
response models.

Frozen, so a caller cannot change an answer it was given; unknown keys are kept
(``extra="allow"``), so a reader built on these models keeps what a newer server sends. A token
is never shown with its secret's hash, and its secret only once, when it is issued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from custos.access.model import Role

#: Where a token stands: usable, past its expiry, or revoked (revocation wins over expiry).
TokenStatus = Literal["active", "expired", "revoked"]


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class Actor(_Read):
    """A person or system registered with a role for an organisation."""

    id: str
    name: str
    role: Role
    organisation_id: str
    jurisdiction: str
    filing_id: str


class IssuedToken(_Read):
    """A token just issued: the one answer that carries its secret."""

    id: str
    actor_id: str
    created_at: datetime
    expires_at: datetime | None
    token: str = Field(description="Shown once: store it now; only its hash is kept.")


class Token(_Read):
    """A token as supervisors see it: never its secret or the secret's hash."""

    id: str
    actor_id: str
    actor_name: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Known to within about a minute.")
    revoked_at: datetime | None
    status: TokenStatus


class RevokedTokens(_Read):
    """What revoking an actor's tokens ended."""

    actor_id: str
    revoked: tuple[str, ...] = Field(
        description="The tokens this request revoked (not those revoked before)."
    )


class Me(_Read):
    """Who a request's token stands for, and what it may do."""

    actor_id: str | None
    token_id: str | None
    name: str
    role: Role
    organisation_id: str | None
    jurisdiction: str | None
    permissions: tuple[str, ...]
