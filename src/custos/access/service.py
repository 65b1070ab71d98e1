"""Registering organisations and actors, issuing tokens, and telling who a token belongs to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from custos.access.model import (
    ACTOR_REGISTERED,
    OPERATOR_ID,
    ORGANISATION_REGISTERED,
    PUBLIC,
    Principal,
    Role,
)
from custos.access.tokens import new_token, token_hash
from custos.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from custos.core.ids import new_id
from custos.core.jurisdictions import jurisdiction
from custos.filings import Filing
from custos.store import Store, views
from custos.store.tables import api_tokens


class AccessService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def register_organisation(self, name: str, jurisdiction_code: str, *, by: Principal) -> dict[str, Any]:
        code = jurisdiction(jurisdiction_code).code
        with self.store.transaction() as uow:
            if views.organisation(uow.conn, name=name.strip()) is not None:
                raise Conflict(f"an organisation named {name.strip()!r} is already registered")
            org_id = new_id(self.store.clock)
            filing = Filing.create(
                kind=ORGANISATION_REGISTERED,
                content={"name": name, "jurisdiction": code},
                actor=by.actor_id or OPERATOR_ID,
                organisation=by.organisation_id or org_id,
                jurisdiction_code=code,
                subject=org_id,
                clock=self.store.clock,
            )
            uow.file(filing)
            result = views.organisation(uow.conn, id=org_id)
        assert result is not None
        return result

    def add_actor(
        self, name: str, role: Role, organisation: str, jurisdiction_code: str | None = None, *, by: Principal
    ) -> dict[str, Any]:
        """Register an actor for an organisation, given by id or by name."""
        if role is Role.PUBLIC:
            raise InvalidInput("'public' is the anonymous visitor, not a role an actor can hold")
        with self.store.transaction() as uow:
            org = views.organisation(uow.conn, id=organisation) or views.organisation(
                uow.conn, name=organisation
            )
            if org is None:
                raise NotFound(f"no organisation {organisation!r}: register it first")
            actor_id = new_id(self.store.clock)
            code = jurisdiction(jurisdiction_code or org["jurisdiction"]).code
            filing = Filing.create(
                kind=ACTOR_REGISTERED,
                content={
                    "name": name,
                    "role": role.value,
                    "organisation_id": org["id"],
                    "jurisdiction": code,
                },
                actor=by.actor_id or OPERATOR_ID,
                organisation=by.organisation_id or org["id"],
                jurisdiction_code=code,
                subject=actor_id,
                clock=self.store.clock,
            )
            uow.file(filing)
            result = views.actor(uow.conn, actor_id)
        assert result is not None
        return result

    def issue_token(self, actor_id: str) -> str:
        """A new token for the actor. It is returned once and never stored in clear."""
        with self.store.transaction() as uow:
            if views.actor(uow.conn, actor_id) is None:
                raise NotFound(f"no actor {actor_id!r}")
            token = new_token()
            uow.conn.execute(
                insert(api_tokens).values(
                    id=new_id(self.store.clock),
                    actor_id=actor_id,
                    token_hash=token_hash(token),
                    created_at=self.store.clock.now(),
                )
            )
        return token

    def revoke_tokens(self, actor_id: str) -> int:
        with self.store.transaction() as uow:
            result = uow.conn.execute(
                update(api_tokens)
                .where(api_tokens.c.actor_id == actor_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=self.store.clock.now())
            )
        return int(result.rowcount)

    def authenticate(self, token: str | None) -> Principal:
        """The principal a bearer token stands for; no token is the public."""
        if token is None:
            return PUBLIC
        with self.store.read() as conn:
            actor_id = conn.execute(
                select(api_tokens.c.actor_id).where(
                    api_tokens.c.token_hash == token_hash(token), api_tokens.c.revoked_at.is_(None)
                )
            ).scalar_one_or_none()
            actor = views.actor(conn, actor_id) if actor_id else None
        if actor is None:
            raise Unauthenticated("unknown or revoked API token")
        return Principal(
            actor["id"], actor["name"], Role(actor["role"]), actor["organisation_id"], actor["jurisdiction"]
        )

    def list_actors(self) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            return views.list_actors(conn)

    def list_organisations(self) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            return views.list_organisations(conn)
