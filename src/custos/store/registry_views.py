"""Projections of registry filings (organisations, models, passports, deployments) and their queries.

Every registry view keeps the filing's content as JSON with the visibility of each field, so
reads can show each viewer only what it may see; the columns beside it exist to filter and sort.
A filter on a field the viewer may not see would leak it, so the compute filter only considers
figures the viewer may read.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, insert, or_, select, tuple_, update

from custos.filings import Filing
from custos.passports import Passport, assess
from custos.store.tables import deployments, models, organisation_kinds, organisations, passports
from custos.store.unit_of_work import projects

MAX_PAGE = 500


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _visibility(filing: Filing) -> str:
    return _json({name: str(v) for name, v in filing.visibility.items()})


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _country_of(conn: Connection, organisation_id: str) -> str | None:
    country = conn.execute(
        select(organisations.c.country).where(organisations.c.id == organisation_id)
    ).scalar_one_or_none()
    return None if country is None else str(country)


@projects("organisation.registered")
def _organisation_registered(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(organisations),
        dict(
            id=filing.subject,
            name=content["name"],
            name_key=content["name"].lower(),
            jurisdiction=content["jurisdiction"],
            country=content.get("country"),
            content=_json(content),
            visibility=_visibility(filing),
            filing_id=filing.id,
        ),
    )
    kinds = content.get("kinds") or []
    if kinds:
        conn.execute(
            insert(organisation_kinds), [{"organisation_id": filing.subject, "kind": k} for k in kinds]
        )


@projects("model.registered")
def _model_registered(conn: Connection, filing: Filing) -> None:
    content = filing.content
    # The provider's own country when known, else the first country the developers are in.
    country = _country_of(conn, content["provider_id"]) or next(iter(content.get("countries") or []), None)
    conn.execute(
        insert(models),
        dict(
            id=filing.subject,
            name=content["name"],
            name_key=content["name"].lower(),
            version=content.get("version"),
            provider_id=content["provider_id"],
            country=country,
            accessibility=content["accessibility"],
            public_interest=content["public_interest"],
            release_date=_date(content.get("release_date")),
            base_model_id=content.get("base_model_id"),
            filing_id=filing.id,
            content=_json(content),
            visibility=_visibility(filing),
        ),
    )


@projects("passport.filed")
def _passport_filed(conn: Connection, filing: Filing) -> None:
    model_id = filing.subject
    previous = conn.execute(
        select(func.max(passports.c.version)).where(passports.c.model_id == model_id)
    ).scalar_one_or_none()
    conn.execute(update(passports).where(passports.c.model_id == model_id).values(current=False))
    passport = Passport.model_validate(filing.content)
    completeness = assess(passport)
    conn.execute(
        insert(passports),
        dict(
            filing_id=filing.id,
            model_id=model_id,
            version=(previous or 0) + 1,
            current=True,
            owner_id=filing.organisation,
            filed_at=filing.filed_at,
            completeness=completeness.score,
            missing=_json(list(completeness.missing)),
            content=_json(filing.content),
            visibility=_visibility(filing),
        ),
    )
    conn.execute(
        update(models)
        .where(models.c.id == model_id)
        .values(
            training_flop=passport.compute.training_flop,
            compute_public=filing.visibility.get("compute") == "public",
            completeness=completeness.score,
        )
    )


@projects("deployment.registered")
def _deployment_registered(conn: Connection, filing: Filing) -> None:
    content = filing.content
    country = _country_of(conn, content["deployer_id"])
    conn.execute(
        insert(deployments),
        dict(
            id=filing.subject,
            name=content["name"],
            name_key=content["name"].lower(),
            deployer_id=content["deployer_id"],
            model_id=content["model_id"],
            country=country,
            sector=content["sector"],
            decision_critical=content["decision_critical"],
            start_date=_date(content.get("start_date")),
            hosting_provider_id=content.get("hosting_provider_id"),
            filing_id=filing.id,
            content=_json(content),
            visibility=_visibility(filing),
        ),
    )


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def _cursor(name_key: str, row_id: str) -> str:
    return base64.urlsafe_b64encode(_json([name_key, row_id]).encode()).decode()


def _after(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        name_key, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(name_key), str(row_id)
    except (ValueError, TypeError) as exc:
        from custos.core.errors import InvalidInput

        raise InvalidInput("cursor is not one this server gave") from exc


def _page(conn: Connection, query: Select[Any], table: Any, request: PageRequest) -> Page:
    after, limit = _after(request.cursor), request.limit
    if after is not None:
        query = query.where(tuple_(table.c.name_key, table.c.id) > after)
    rows = [
        dict(r)
        for r in conn.execute(query.order_by(table.c.name_key, table.c.id).limit(limit + 1)).mappings()
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _cursor(rows[-1]["name_key"], rows[-1]["id"]) if more and rows else None)


def _search(table: Any, text: str | None) -> ColumnElement[bool] | None:
    if not text:
        return None
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition: ColumnElement[bool] = table.c.name_key.like(f"%{escaped}%", escape="\\")
    return condition


def _where(query: Select[Any], conditions: Sequence[ColumnElement[bool] | None]) -> Select[Any]:
    present = [c for c in conditions if c is not None]
    return query.where(and_(*present)) if present else query


@dataclass(frozen=True)
class OrganisationQuery:
    kind: str | None = None
    country: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class ModelQuery:
    organisation: str | None = None
    country: str | None = None
    accessibility: str | None = None
    min_flop: float | None = None
    max_flop: float | None = None
    search: str | None = None


@dataclass(frozen=True)
class DeploymentQuery:
    organisation: str | None = None
    model: str | None = None
    country: str | None = None
    sector: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class PageRequest:
    cursor: str | None = None
    limit: int = 50


def _equals(column: Any, value: str | None) -> ColumnElement[bool] | None:
    return None if not value else column == value


def list_organisations(conn: Connection, query: OrganisationQuery, page: PageRequest) -> Page:
    kind_filter = None
    if query.kind:
        kind_filter = organisations.c.id.in_(
            select(organisation_kinds.c.organisation_id).where(organisation_kinds.c.kind == query.kind)
        )
    conditions = [
        kind_filter,
        _equals(organisations.c.country, query.country),
        _search(organisations, query.search),
    ]
    return _page(conn, _where(select(organisations), conditions), organisations, page)


def list_models(
    conn: Connection,
    query: ModelQuery,
    page: PageRequest,
    *,
    viewer_organisation: str | None,
    sees_everything: bool,
) -> Page:
    compute_visible: ColumnElement[bool] | None = None
    if (query.min_flop is not None or query.max_flop is not None) and not sees_everything:
        compute_visible = or_(models.c.compute_public, models.c.provider_id == (viewer_organisation or ""))
    conditions = [
        _equals(models.c.provider_id, query.organisation),
        _equals(models.c.country, query.country),
        _equals(models.c.accessibility, query.accessibility),
        models.c.training_flop >= query.min_flop if query.min_flop is not None else None,
        models.c.training_flop <= query.max_flop if query.max_flop is not None else None,
        compute_visible,
        _search(models, query.search),
    ]
    return _page(conn, _where(select(models), conditions), models, page)


def list_deployments(conn: Connection, query: DeploymentQuery, page: PageRequest) -> Page:
    conditions = [
        _equals(deployments.c.deployer_id, query.organisation),
        _equals(deployments.c.model_id, query.model),
        _equals(deployments.c.country, query.country),
        _equals(deployments.c.sector, query.sector),
        _search(deployments, query.search),
    ]
    return _page(conn, _where(select(deployments), conditions), deployments, page)


def _one(conn: Connection, table: Any, row_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    return dict(row) if row else None


def organisation(
    conn: Connection, *, id: str | None = None, name: str | None = None
) -> dict[str, Any] | None:
    if id is not None:
        return _one(conn, organisations, id)
    row = conn.execute(select(organisations).where(organisations.c.name == name)).mappings().first()
    return dict(row) if row else None


def organisations_named(conn: Connection, names: Sequence[str]) -> dict[str, str]:
    """Ids of the organisations with these exact names."""
    rows = conn.execute(
        select(organisations.c.name, organisations.c.id).where(organisations.c.name.in_(names))
    )
    return {name: org_id for name, org_id in rows}


def model(conn: Connection, model_id: str) -> dict[str, Any] | None:
    return _one(conn, models, model_id)


def models_named(conn: Connection, names: Sequence[str]) -> dict[str, list[str]]:
    """Ids of the models with each of these exact names (a name may belong to several)."""
    found: dict[str, list[str]] = {}
    for name, model_id in conn.execute(select(models.c.name, models.c.id).where(models.c.name.in_(names))):
        found.setdefault(name, []).append(model_id)
    return found


def models_keyed(conn: Connection, names: Sequence[str]) -> dict[tuple[str, str, str | None], list[str]]:
    """Ids of the models with these names, by (name, provider id, version)."""
    found: dict[tuple[str, str, str | None], list[str]] = {}
    rows = conn.execute(
        select(models.c.name, models.c.provider_id, models.c.version, models.c.id).where(
            models.c.name.in_(names)
        )
    )
    for name, provider, version, model_id in rows:
        found.setdefault((name, provider, version), []).append(model_id)
    return found


def current_passport_ids(conn: Connection, model_ids: Sequence[str]) -> dict[str, str]:
    """The filing id of each model's current passport."""
    rows = conn.execute(
        select(passports.c.model_id, passports.c.filing_id).where(
            passports.c.model_id.in_(model_ids), passports.c.current
        )
    )
    return {model_id: filing_id for model_id, filing_id in rows}


def existing_models(conn: Connection, ids: Sequence[str]) -> list[str]:
    """Which of these ids are models."""
    found: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        found += conn.execute(select(models.c.id).where(models.c.id.in_(chunk))).scalars().all()
    return found


def deployment(conn: Connection, deployment_id: str) -> dict[str, Any] | None:
    return _one(conn, deployments, deployment_id)


def passport_history(conn: Connection, model_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(passports).where(passports.c.model_id == model_id).order_by(passports.c.version.desc())
    ).mappings()
    return [dict(r) for r in rows]


def current_passport(conn: Connection, model_id: str) -> dict[str, Any] | None:
    row = (
        conn.execute(select(passports).where(passports.c.model_id == model_id, passports.c.current))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def count_deployments(conn: Connection, model_id: str) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(deployments).where(deployments.c.model_id == model_id)
        ).scalar_one()
    )


def deployment_dependencies(conn: Connection) -> list[dict[str, Any]]:
    """Every deployment with what a stress test needs: its deployer, model, host, exposure and fallbacks."""
    rows = conn.execute(
        select(
            deployments.c.id,
            deployments.c.name,
            deployments.c.deployer_id,
            deployments.c.model_id,
            deployments.c.hosting_provider_id,
            deployments.c.content,
        ).order_by(deployments.c.id)
    )
    found = []
    for row in rows:
        content = json.loads(row.content)
        found.append(
            {
                "id": row.id,
                "name": row.name,
                "deployer_id": row.deployer_id,
                "model_id": row.model_id,
                "hosting_provider_id": row.hosting_provider_id,
                "economic_exposure": content.get("economic_exposure"),
                "fallback_model_ids": content.get("fallback_model_ids", []),
            }
        )
    return found


def model_summaries(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Name and provider of each of these models."""
    rows = conn.execute(select(models.c.id, models.c.name, models.c.provider_id).where(models.c.id.in_(ids)))
    return {row.id: {"name": row.name, "provider_id": row.provider_id} for row in rows}


def organisation_names(conn: Connection, ids: Sequence[str] | None = None) -> dict[str, str]:
    """Names of these organisations (of all when ``ids`` is None)."""
    query = select(organisations.c.id, organisations.c.name)
    if ids is not None:
        query = query.where(organisations.c.id.in_(ids))
    return {row.id: row.name for row in conn.execute(query)}


def deployers_of(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """The deployer of each of these deployments that the registry holds."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 10_000):  # within every database's limit on bound parameters
        batch = list(ids[start : start + 10_000])
        rows = conn.execute(
            select(deployments.c.id, deployments.c.deployer_id).where(deployments.c.id.in_(batch))
        )
        found.update({row.id: row.deployer_id for row in rows})
    return found


def largest_models(conn: Connection, accessibilities: Sequence[str], limit: int) -> list[str]:
    """Ids of the models with the most training compute among these accessibilities, largest first."""
    rows = conn.execute(
        select(models.c.id)
        .where(models.c.accessibility.in_(accessibilities), models.c.training_flop.is_not(None))
        .order_by(models.c.training_flop.desc(), models.c.id)
        .limit(limit)
    )
    return list(rows.scalars())
