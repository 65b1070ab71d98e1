"""Actors and their organisations; API tokens issued, listed, revoked and authenticated."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from custos.access.filer import file_as
from custos.access.model import (
    ACTOR_REGISTERED,
    OPERATOR_ID,
    PUBLIC,
    Principal,
    Role,
)
from custos.access.tokens import duration, new_token, token_hash
from custos.access.views import Actor, IssuedToken, RevokedTokens, Token, TokenStatus
from custos.core.errors import InvalidInput, NotFound, Unauthenticated
from custos.core.ids import new_id
from custos.core.jurisdictions import jurisdiction
from custos.store import Store, ledger_sql, views
from custos.store import registry_views as rv
from custos.store import tokens as stored


def operator(store: Store) -> Principal:
    """The local operator: a supervisor acting for the installation's authority."""
    with store.read() as conn:
        authority, code = ledger_sql.meta(conn, "authority_id"), ledger_sql.meta(conn, "jurisdiction")
    return Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, authority, code)


#: How long an authenticated token is trusted without asking the database again. A token
#: revoked (or an actor's tokens revoked) in this process is refused at once; one revoked in
#: another process (``custos tokens revoke`` beside ``custos serve``) at most this long after.
TOKEN_CACHE_SECONDS = 5.0

#: How often the API writes the last-used times it has seen. Authentication answers from memory
#: thousands of times a second; writing on each would put the write lock every filing takes on
#: the decision path. A token in use is looked up again every ``TOKEN_CACHE_SECONDS``, so its
#: last use is known to within this interval plus that one, which is enough to tell a dormant
#: token from a live one.
LAST_USED_SECONDS = 60.0

#: The one answer for a token that does not authenticate. Saying which of the three it is would
#: tell whoever holds a leaked token that it was genuine, and whether its leak was noticed; the
#: legitimate holder learns the reason from a supervisor (``custos tokens list``).
REFUSED = "unknown, expired or revoked API token"


def _status(token: Mapping[str, Any], now: datetime) -> TokenStatus:
    """Where a token record stands at ``now``: revoked, expired or active."""
    if token["revoked_at"] is not None:
        return "revoked"
    if token["expires_at"] is not None and token["expires_at"] <= now:
        return "expired"
    return "active"


def _token(record: Mapping[str, Any], now: datetime) -> Token:
    """A stored token as supervisors see it, with its status at ``now``."""
    return Token.model_validate({**record, "status": _status(record, now)})


class AccessService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._used: dict[str, datetime] = {}
        self._used_lock = threading.Lock()

    def add_actor(
        self, name: str, role: Role, organisation: str, jurisdiction_code: str | None = None, *, by: Principal
    ) -> Actor:
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
            filing = file_as(
                by,
                ACTOR_REGISTERED,
                {"name": name, "role": role.value, "organisation_id": org["id"], "jurisdiction": code},
                owner=org["id"],
                subject=actor_id,
                clock=self.store.clock,
                jurisdiction=code,
            )
            uow.file(filing)
            result = views.actor(uow.conn, actor_id)
        assert result is not None
        return Actor.model_validate(result)

    def issue(
        self, actor_id: str, *, expires_in: str | None = None, expires_at: datetime | None = None
    ) -> IssuedToken:
        """A new token for the actor, valid for ``expires_in`` (``90d``), until ``expires_at``, or
        until revoked. The secret (``token``) is returned this once and never stored in clear."""
        now = self.store.clock.now()
        if expires_in is not None and expires_at is not None:
            raise InvalidInput("give the expiry as a duration or as a moment, not both")
        if expires_in is not None:
            expires_at = now + duration(expires_in)
        if expires_at is not None and expires_at <= now:
            raise InvalidInput(f"the expiry {expires_at.isoformat()} has passed: give a later one")
        token = new_token()
        with self.store.transaction() as uow:
            if views.actor(uow.conn, actor_id) is None:
                raise NotFound(f"no actor {actor_id!r}: list them with `custos actors list`")
            token_id = new_id(self.store.clock)
            stored.add(
                uow.conn,
                token_id=token_id,
                actor_id=actor_id,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=expires_at,
            )
        return IssuedToken.model_validate(
            {
                "id": token_id,
                "actor_id": actor_id,
                "created_at": now,
                "expires_at": expires_at,
                "token": token,
            }
        )

    def issue_token(self, actor_id: str) -> str:
        """The secret of a new token without expiry, for callers that only hand it on."""
        return self.issue(actor_id).token

    def tokens(self, actor_id: str | None = None) -> list[Token]:
        """Every token (or an actor's) with its status; never a secret or a hash."""
        now = self.store.clock.now()
        with self.store.read() as conn:
            if actor_id is not None and views.actor(conn, actor_id) is None:
                raise NotFound(f"no actor {actor_id!r}: list them with `custos actors list`")
            return [_token(record, now) for record in stored.list_tokens(conn, actor_id)]

    def revoke_token(self, token_id: str) -> Token:
        """Revoke one token; revoking a revoked token changes nothing. The token as it now stands."""
        now = self.store.clock.now()
        with self.store.transaction() as uow:
            if stored.token(uow.conn, token_id) is None:
                raise NotFound(f"no token {token_id!r}: list them with `custos tokens list`")
            stored.revoke(uow.conn, now, token_id=token_id)
            token = stored.token(uow.conn, token_id)
        self._cache.clear()
        assert token is not None
        return _token(token, now)

    def revoke_tokens(self, actor_id: str) -> RevokedTokens:
        """Revoke every token of the actor that is not revoked yet; the ids revoked."""
        with self.store.transaction() as uow:
            if views.actor(uow.conn, actor_id) is None:
                raise NotFound(f"no actor {actor_id!r}: list them with `custos actors list`")
            revoked = stored.revoke(uow.conn, self.store.clock.now(), actor_id=actor_id)
        self._cache.clear()
        return RevokedTokens.model_validate({"actor_id": actor_id, "revoked": revoked})

    def revoke_own(self, who: Principal) -> Token:
        """Revoke the token ``who`` signed in with: an actor ends its own credential."""
        if who.token_id is None:
            raise InvalidInput("only a request made with an API token can revoke it")
        return self.revoke_token(who.token_id)

    def cached(self, token: str) -> Principal | None:
        """The principal of a token authenticated in the last ``TOKEN_CACHE_SECONDS``, if any."""
        hit = self._cache.get(token_hash(token))
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def authenticate(self, token: str | None) -> Principal:
        """The principal a bearer token stands for; no token is the public.

        Answers are cached for ``TOKEN_CACHE_SECONDS``, never past the token's expiry: a
        revocation made in this process takes effect at once, one made in another process
        within that time. The use is noted for :meth:`flush_last_used`."""
        if token is None:
            return PUBLIC
        cached = self.cached(token)
        if cached is not None:
            return cached
        digest = token_hash(token)
        with self.store.read() as conn:
            found = stored.credential(conn, digest)
        now = self.store.clock.now()
        if found is None or _status(found, now) != "active":
            raise Unauthenticated(REFUSED)
        principal = Principal(
            found["actor_id"],
            found["name"],
            Role(found["role"]),
            found["organisation_id"],
            found["jurisdiction"],
            found["token_id"],
        )
        trusted = TOKEN_CACHE_SECONDS
        if found["expires_at"] is not None:
            trusted = min(trusted, (found["expires_at"] - now).total_seconds())
        self._cache[digest] = (principal, time.monotonic() + trusted)
        with self._used_lock:
            self._used[found["token_id"]] = now
        return principal

    def flush_last_used(self) -> None:
        """Write the last-used times noted since the last flush, in one statement.

        The API calls this every ``LAST_USED_SECONDS`` and when it stops. Times lost to a failed
        write are noted again at the token's next lookup."""
        with self._used_lock:
            used, self._used = self._used, {}
        if used:
            with self.store.transaction() as uow:
                stored.record_use(uow.conn, used)

    def list_actors(self) -> list[Actor]:
        """Every actor, by name."""
        with self.store.read() as conn:
            return [Actor.model_validate(actor) for actor in views.list_actors(conn)]
