"""API tokens in the database: credentials, kept out of the log and out of replay.

A token row holds the SHA-256 of the secret, never the secret; nothing here returns the hash
except the lookup that authenticates it, and listings leave it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, bindparam, insert, or_, select, update

from custos.core.clock import stored_utc
from custos.store._tables import actors, api_tokens

_TIMES = ("created_at", "expires_at", "last_used_at", "revoked_at")
_LISTED = (
    api_tokens.c.id,
    api_tokens.c.actor_id,
    actors.c.name.label("actor_name"),
    api_tokens.c.created_at,
    api_tokens.c.expires_at,
    api_tokens.c.last_used_at,
    api_tokens.c.revoked_at,
)


def _record(row: RowMapping) -> dict[str, Any]:
    """A row with its times in UTC (SQLite hands them back without their zone)."""
    record = dict(row)
    for name in _TIMES:
        if record.get(name) is not None:
            record[name] = stored_utc(record[name])
    return record


def add(
    conn: Connection,
    *,
    token_id: str,
    actor_id: str,
    token_hash: str,
    created_at: datetime,
    expires_at: datetime | None,
) -> None:
    conn.execute(
        insert(api_tokens).values(
            id=token_id,
            actor_id=actor_id,
            token_hash=token_hash,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def credential(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    """The token with this hash and its actor, revoked or expired or not: the caller decides."""
    row = (
        conn.execute(
            select(
                api_tokens.c.id.label("token_id"),
                api_tokens.c.expires_at,
                api_tokens.c.revoked_at,
                actors.c.id.label("actor_id"),
                actors.c.name,
                actors.c.role,
                actors.c.organisation_id,
                actors.c.jurisdiction,
            )
            .join(actors, actors.c.id == api_tokens.c.actor_id)
            .where(api_tokens.c.token_hash == token_hash)
        )
        .mappings()
        .first()
    )
    return _record(row) if row else None


def token(conn: Connection, token_id: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(*_LISTED)
            .outerjoin(actors, actors.c.id == api_tokens.c.actor_id)
            .where(api_tokens.c.id == token_id)
        )
        .mappings()
        .first()
    )
    return _record(row) if row else None


def list_tokens(conn: Connection, actor_id: str | None = None) -> list[dict[str, Any]]:
    """Every token (or an actor's), oldest first, without hashes."""
    query = select(*_LISTED).outerjoin(actors, actors.c.id == api_tokens.c.actor_id)
    if actor_id is not None:
        query = query.where(api_tokens.c.actor_id == actor_id)
    return [_record(r) for r in conn.execute(query.order_by(api_tokens.c.id)).mappings()]


def revoke(
    conn: Connection, at: datetime, *, token_id: str | None = None, actor_id: str | None = None
) -> list[str]:
    """Revoke one token, or every token of an actor, that is not revoked yet; the ids revoked.

    A token revoked earlier keeps its first revocation time.
    """
    where: list[ColumnElement[bool]] = [api_tokens.c.revoked_at.is_(None)]
    if token_id is not None:
        where.append(api_tokens.c.id == token_id)
    if actor_id is not None:
        where.append(api_tokens.c.actor_id == actor_id)
    ids = list(conn.execute(select(api_tokens.c.id).where(*where)).scalars())
    if ids:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id.in_(ids), api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
    return ids


def record_use(conn: Connection, used: Mapping[str, datetime]) -> None:
    """Move each token's last-used time forward (never back: another process may be ahead)."""
    if not used:
        return
    conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == bindparam("token_id"),
            or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < bindparam("at")),
        )
        .values(last_used_at=bindparam("at")),
        [{"token_id": token_id, "at": at} for token_id, at in used.items()],
    )
