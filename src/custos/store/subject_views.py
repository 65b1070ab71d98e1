"""The registry rows the policy engine reads facts from, for a few subjects or for all of them.

Contents come back as the stored JSON text in the database's own row tuples: the engine parses
only what it evaluates, and a bulk evaluation reads the whole registry (hundreds of thousands of
rows) in a handful of queries (chunked under SQLite's limit on bound parameters) without copying
a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Select, func, select

from custos.store._tables import deployments, models, organisations, passports

CHUNK = 900  # under SQLite's limit on bound parameters


def _in_chunks(
    conn: Connection, statement_for: Callable[[list[str] | None], Select[Any]], ids: Sequence[str] | None
) -> list[Any]:
    if ids is None:
        return list(conn.execute(statement_for(None)).all())
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        rows += conn.execute(statement_for(list(ids[start : start + CHUNK]))).all()
    return rows


def current_passports(conn: Connection, model_ids: Sequence[str] | None) -> list[tuple[str, str]]:
    """(model id, passport JSON) of each model's current passport (every model's when None)."""

    def statement(ids: list[str] | None) -> Select[Any]:
        query = select(passports.c.model_id, passports.c.content).where(passports.c.current)
        return query if ids is None else query.where(passports.c.model_id.in_(ids))

    return _in_chunks(conn, statement, model_ids)


def organisation_contents(conn: Connection, ids: set[str]) -> dict[str, dict[str, Any]]:
    """The registered content of each organisation among ``ids``."""

    def statement(chunk: list[str] | None) -> Select[Any]:
        return select(organisations.c.id, organisations.c.content).where(organisations.c.id.in_(chunk or []))

    return {org_id: orjson.loads(content) for org_id, content in _in_chunks(conn, statement, sorted(ids))}


def model_rows(conn: Connection, model_ids: Sequence[str] | None) -> list[tuple[str, str, str]]:
    """(id, provider id, content JSON) of the models (all when None)."""

    def statement(ids: list[str] | None) -> Select[Any]:
        query = select(models.c.id, models.c.provider_id, models.c.content)
        return query if ids is None else query.where(models.c.id.in_(ids))

    return _in_chunks(conn, statement, model_ids)


def deployment_counts(conn: Connection, model_ids: Sequence[str] | None) -> dict[str, int]:
    """How many deployments each model has (models without any are absent)."""

    def statement(ids: list[str] | None) -> Select[Any]:
        query = select(deployments.c.model_id, func.count()).group_by(deployments.c.model_id)
        return query if ids is None else query.where(deployments.c.model_id.in_(ids))

    return dict(_in_chunks(conn, statement, model_ids))


def deployment_rows(
    conn: Connection, deployment_ids: Sequence[str] | None
) -> list[tuple[str, str, str, str]]:
    """(id, deployer id, model id, content JSON) of the deployments (all when None)."""

    def statement(ids: list[str] | None) -> Select[Any]:
        query = select(
            deployments.c.id, deployments.c.deployer_id, deployments.c.model_id, deployments.c.content
        )
        return query if ids is None else query.where(deployments.c.id.in_(ids))

    return _in_chunks(conn, statement, deployment_ids)


def deployments_of(conn: Connection, model_ids: Sequence[str]) -> list[str]:
    """The deployments of these models."""

    def statement(ids: list[str] | None) -> Select[Any]:
        return select(deployments.c.id).where(deployments.c.model_id.in_(ids or []))

    return [row[0] for row in _in_chunks(conn, statement, model_ids)]


def models_of(conn: Connection, provider_ids: Sequence[str]) -> list[str]:
    """The models these organisations provide."""
    return list(
        conn.execute(select(models.c.id).where(models.c.provider_id.in_(list(provider_ids)))).scalars()
    )


def organisation_rows(conn: Connection, organisation_ids: Sequence[str] | None) -> list[tuple[str, str]]:
    """(id, content JSON) of the organisations (all when None)."""

    def statement(ids: list[str] | None) -> Select[Any]:
        query = select(organisations.c.id, organisations.c.content)
        return query if ids is None else query.where(organisations.c.id.in_(ids))

    return _in_chunks(conn, statement, organisation_ids)


def models_by_provider(conn: Connection, provider_ids: Sequence[str] | None) -> list[tuple[str, str]]:
    """(model id, provider id) of the models these organisations provide (every model when None)."""

    def statement(ids: list[str] | None) -> Select[Any]:
        query = select(models.c.id, models.c.provider_id)
        return query if ids is None else query.where(models.c.provider_id.in_(ids))

    return _in_chunks(conn, statement, provider_ids)


def passport_compute(conn: Connection, filing_id: str) -> dict[str, Any] | None:
    """The compute section of the passport a filing filed (None when there is no such passport)."""
    content = conn.execute(select(passports.c.content).where(passports.c.filing_id == filing_id)).scalar()
    return None if content is None else dict(orjson.loads(content).get("compute") or {})
