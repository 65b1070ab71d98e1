"""Projections of the actor filings into views, and the queries that read them.

Projections take the filing's validated JSON content, so the store never depends on the domain
packages that define the kinds; each package's contribution pairs its kinds with these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from custos.filings import Filing
from custos.store._tables import actors


def actor_registered(conn: Connection, filing: Filing) -> None:
    conn.execute(
        insert(actors),
        dict(
            id=filing.subject,
            name=filing.content["name"],
            role=filing.content["role"],
            organisation_id=filing.content["organisation_id"],
            jurisdiction=filing.content["jurisdiction"],
            filing_id=filing.id,
        ),
    )


def actor(conn: Connection, actor_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(actors).where(actors.c.id == actor_id)).mappings().first()
    return dict(row) if row else None


def list_actors(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(actors).order_by(actors.c.name, actors.c.id)).mappings()]
