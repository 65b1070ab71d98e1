"""Registering organisations and actors, issuing tokens, and telling who a token belongs to."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import insert, select, update

from custos.access.model import (
    ACTOR_REGISTERED,
    OPERATOR_ID,
    PUBLIC,
    Principal,
    Role,
)
from custos.access.tokens import new_token, token_hash
from custos.core.errors import InvalidInput, NotFound, Unauthenticated
from custos.core.ids import new_id
from custos.core.jurisdictions import jurisdiction
from custos.filings import Filing
from custos.store import Store, ledger_sql, views
from custos.store import registry_views as rv
from custos.store.tables import api_tokens


def operator(store: Store) -> Principal:
    """The local operator: a supervisor acting for the installation's authority."""
    with store.read() as conn:
        authority, code = ledger_sql.meta(conn, "authority_id"), ledger_sql.meta(conn, "jurisdiction")
    return Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, authority, code)


#: How long an authenticated token is trusted without asking the database again.
TOKEN_CACHE_SECONDS = 5.0


class AccessService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, tuple[Principal, float]] = {}

    def add_actor(
        self, name: str, role: Role, organisation: str, jurisdiction_code: str | None = None, *, by: Principal
    ) -> dict[str, Any]:
        """Register an actor for an organisation, given by id or by name."""
        if role is Role.PUBLIC:
            raise InvalidInput("'public' is the anonymous visitor, not a role an actor can hold")
        with self.store.transaction() as uow:
            org = rv.organisation(uow.conn, id=organisation) or rv.organisation(uow.conn, name=organisation)
            if org is None:
                raise NotFound(f"no organisation {organisation!r}: register it first")
            actor_id = new_id(self.store.clock)
            if not (jurisdiction_code or org["jurisdiction"]):
                raise InvalidInput(f"organisation {org['name']!r} has no jurisdiction: give the actor's")
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
                organisation=org["id"],
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
        self._cache.clear()
        return int(result.rowcount)

    def cached(self, token: str) -> Principal | None:
        """The principal of a token authenticated in the last ``TOKEN_CACHE_SECONDS``, if any."""
        hit = self._cache.get(token_hash(token))
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def authenticate(self, token: str | None) -> Principal:
        """The principal a bearer token stands for; no token is the public.

        Answers are cached for ``TOKEN_CACHE_SECONDS``: a revocation made in this process takes
        effect at once, one made in another process within that time."""
        if token is None:
            return PUBLIC
        cached = self.cached(token)
        if cached is not None:
            return cached
        with self.store.read() as conn:
            actor_id = conn.execute(
                select(api_tokens.c.actor_id).where(
                    api_tokens.c.token_hash == token_hash(token), api_tokens.c.revoked_at.is_(None)
                )
            ).scalar_one_or_none()
            actor = views.actor(conn, actor_id) if actor_id else None
        if actor is None:
            raise Unauthenticated("unknown or revoked API token")
        found = Principal(
            actor["id"], actor["name"], Role(actor["role"]), actor["organisation_id"], actor["jurisdiction"]
        )
        self._cache[token_hash(token)] = (found, time.monotonic() + TOKEN_CACHE_SECONDS)
        return found

    def list_actors(self) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            return views.list_actors(conn)
