"""Projections of registry filings (organisations, models, passports, deployments) and their queries.

Every registry view keeps the filing's content as JSON with the visibility of each field, so
reads can show each viewer only what it may see; the columns beside it exist to filter and sort.
A filter, search, sort or count on a field the viewer may not see would leak it, so each of them
only considers the values the viewer may read (``Viewer``, ``_visible``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Select,
    and_,
    case,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from custos.core.errors import InvalidInput
from custos.filings import Filing, Visibility
from custos.store._tables import deployments, models, organisation_kinds, organisations, passports

MAX_PAGE = 500


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _visibility(filing: Filing) -> str:
    return _json({name: str(v) for name, v in filing.visibility.items()})


def _public_name_key(filing: Filing) -> str:
    """The name as the public sorts by it: the name where it is public, else empty (first)."""
    return filing.content["name"].lower() if filing.visibility.get("name") == Visibility.PUBLIC else ""


def _public(filing: Filing, field: str) -> Any:
    """A content field's value where it is public, else null: what a public filter compares."""
    return filing.content.get(field) if filing.visibility.get(field) == Visibility.PUBLIC else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class _Country:
    """A row's country, and whether the public may see the field it came from."""

    code: str | None
    public: bool


def _organisation_country(conn: Connection, organisation_id: str) -> _Country:
    row = conn.execute(
        select(organisations.c.country, organisations.c.public_country).where(
            organisations.c.id == organisation_id
        )
    ).first()
    if row is None or row.country is None:
        return _Country(None, False)
    return _Country(str(row.country), row.public_country is not None)


def organisation_registered(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(organisations),
        dict(
            id=filing.subject,
            name=content["name"],
            name_key=content["name"].lower(),
            public_name_key=_public_name_key(filing),
            jurisdiction=content["jurisdiction"],
            country=content.get("country"),
            public_country=_public(filing, "country"),
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


def model_registered(conn: Connection, filing: Filing) -> None:
    content = filing.content
    # The provider's own country when known, else the first country the developers are in.
    country = _organisation_country(conn, content["provider_id"])
    if country.code is None:
        first = next(iter(content.get("countries") or []), None)
        country = _Country(first, filing.visibility.get("countries") == Visibility.PUBLIC)
    conn.execute(
        insert(models),
        dict(
            id=filing.subject,
            name=content["name"],
            name_key=content["name"].lower(),
            public_name_key=_public_name_key(filing),
            version=content.get("version"),
            provider_id=content["provider_id"],
            country=country.code,
            accessibility=content["accessibility"],
            public_provider_id=_public(filing, "provider_id"),
            public_country=country.code if country.public else None,
            public_accessibility=_public(filing, "accessibility"),
            public_interest=content["public_interest"],
            public_interest_grounds=content.get("public_interest_grounds"),
            release_date=_date(content.get("release_date")),
            base_model_id=content.get("base_model_id"),
            filing_id=filing.id,
            content=_json(content),
            visibility=_visibility(filing),
        ),
    )


def passport_filed(
    conn: Connection,
    filing: Filing,
    *,
    training_flop: float | None,
    completeness: float,
    missing: Sequence[str],
) -> None:
    """Make the filed passport its model's current one, with the figures the registry assessed."""
    model_id = filing.subject
    public_compute = filing.visibility.get("compute") == Visibility.PUBLIC
    previous = conn.execute(
        select(func.max(passports.c.version)).where(passports.c.model_id == model_id)
    ).scalar_one_or_none()
    conn.execute(update(passports).where(passports.c.model_id == model_id).values(current=False))
    conn.execute(
        insert(passports),
        dict(
            filing_id=filing.id,
            model_id=model_id,
            version=(previous or 0) + 1,
            current=True,
            owner_id=filing.organisation,
            filed_at=filing.filed_at,
            completeness=completeness,
            missing=_json(list(missing)),
            content=_json(filing.content),
            visibility=_visibility(filing),
        ),
    )
    conn.execute(
        update(models)
        .where(models.c.id == model_id)
        .values(
            training_flop=training_flop,
            compute_public=public_compute,
            public_training_flop=training_flop if public_compute else None,
            completeness=completeness,
        )
    )


def deployment_registered(conn: Connection, filing: Filing) -> None:
    content = filing.content
    country = _organisation_country(conn, content["deployer_id"])
    conn.execute(
        insert(deployments),
        dict(
            id=filing.subject,
            name=content["name"],
            name_key=content["name"].lower(),
            public_name_key=_public_name_key(filing),
            deployer_id=content["deployer_id"],
            model_id=content["model_id"],
            country=country.code,
            sector=content["sector"],
            public_deployer_id=_public(filing, "deployer_id"),
            public_model_id=_public(filing, "model_id"),
            public_country=country.code if country.public else None,
            public_sector=_public(filing, "sector"),
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
    total: int
    """How many rows match the filter, on every page."""


@dataclass(frozen=True)
class Viewer:
    """Whose eyes a list is read with: filters, sorts and counts consider only what they may see."""

    organisation: str | None
    sees_everything: bool


#: A sort key: an expression and whether it runs from the largest value down.
SortKey = tuple[ColumnElement[Any], bool]


class ModelSort(StrEnum):
    """The orders a model list can be read in. Each ends in the name and the row id, so a
    cursor is exact; values the viewer may not see sort last, as if missing."""

    NAME = "name"
    COMPUTE = "compute"
    """Largest training compute first, then the newest."""
    NEWEST = "newest"
    """Latest release first, then the largest training compute."""


#: What a withheld or missing value sorts as: after every real one in a descending order.
_NO_FLOP = -1.0
_NO_DATE = date(1, 1, 1)


def _visible(table: Any, field: str, owner: ColumnElement[Any], viewer: Viewer) -> ColumnElement[bool]:
    """Whether ``viewer`` may see ``field`` of a row, by the same rule as ``Principal.can_see``.

    Rows keep each field's visibility as the canonical JSON ``_visibility`` writes, so a
    field's entry is exactly the text ``"field":"visibility"``; a field with no entry is
    treated as ``owner``'s, as reads do.
    """
    if viewer.sees_everything:
        return true()
    field_text = field.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    def entry(visibility: Visibility) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = table.c.visibility.like(
            f'%"{field_text}":"{visibility}"%', escape="\\"
        )
        return condition

    public = entry(Visibility.PUBLIC)
    if viewer.organisation is None:
        return public
    owned = and_(owner == viewer.organisation, ~entry(Visibility.SUPERVISORS))
    return or_(public, owned)


def _cursor(sort: str, values: Sequence[Any]) -> str:
    encoded = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(_json([sort, *encoded]).encode()).decode()


def _after(cursor: str | None, sort: str, keys: Sequence[SortKey]) -> list[Any] | None:
    """The sort values a cursor continues after; refused unless this server gave it for this sort."""
    if not cursor:
        return None
    try:
        given, *values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if given != sort or len(values) != len(keys):
            raise ValueError("another sort's cursor")
        return [
            date.fromisoformat(v) if isinstance(key.type, Date) else v
            for v, (key, _) in zip(values, keys, strict=True)
        ]
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"cursor is not one this server gave for sort {sort!r}") from exc


def _beyond(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows after ``values`` in the order of ``keys``, whatever the direction of each key."""
    branches = []
    for k, (key, descending) in enumerate(keys):
        ties = [earlier == value for (earlier, _), value in zip(keys[:k], values[:k], strict=True)]
        step = key < values[k] if descending else key > values[k]
        branches.append(and_(*ties, step))
    return or_(*branches)


def _page(
    conn: Connection, query: Select[Any], keys: Sequence[SortKey], request: PageRequest, sort: str
) -> Page:
    total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    after = _after(request.cursor, sort, keys)
    if after is not None:
        query = query.where(_beyond(keys, after))
    labels = [f"sort_{k}" for k in range(len(keys))]
    ordered = query.add_columns(*(key.label(label) for (key, _), label in zip(keys, labels, strict=True)))
    ordered = ordered.order_by(*(key.desc() if descending else key.asc() for key, descending in keys))
    rows = [dict(r) for r in conn.execute(ordered.limit(request.limit + 1)).mappings()]
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    cursor = _cursor(sort, [rows[-1][label] for label in labels]) if more and rows else None
    return Page([{k: v for k, v in row.items() if k not in labels} for row in rows], cursor, total)


def _name_order(table: Any, owner: ColumnElement[Any], viewer: Viewer) -> list[SortKey]:
    """By name as the viewer sees it (a withheld name sorts first, as if empty), then by id.

    Supervisors and the public read in the order of a column (``name_key``, ``public_name_key``),
    so their pages walk an index; an organisation's own names are worked out row by row."""
    if viewer.sees_everything:
        name: ColumnElement[Any] = table.c.name_key
    elif viewer.organisation is None:
        name = table.c.public_name_key
    else:
        name = case((_visible(table, "name", owner, viewer), table.c.name_key), else_=table.c.public_name_key)
    return [(name, False), (table.c.id, False)]


def _search(
    table: Any, text: str | None, owner: ColumnElement[Any], viewer: Viewer
) -> ColumnElement[bool] | None:
    if not text:
        return None
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if viewer.organisation is None and not viewer.sees_everything:
        # empty where the name is not public, so never a match there
        public: ColumnElement[bool] = table.c.public_name_key.like(pattern, escape="\\")
        return public
    named: ColumnElement[bool] = table.c.name_key.like(pattern, escape="\\")
    return named if viewer.sees_everything else and_(named, _visible(table, "name", owner, viewer))


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
    sort: ModelSort = ModelSort.NAME


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


def _shown_equal(
    table: Any, column: str, value: str, owner: ColumnElement[Any], viewer: Viewer, shown: ColumnElement[bool]
) -> ColumnElement[bool]:
    """``column`` equals ``value`` where the viewer may see it, ``shown`` being that rule for the
    rows of the viewer's own organisation.

    Supervisors compare the column; the public compares ``public_<column>``, the value where it is
    public (a withheld value is null, never equal), so its filtered lists and counts read an index
    alone; an organisation compares the public value, or its own rows' value where ``shown``."""
    if viewer.sees_everything:
        condition: ColumnElement[bool] = table.c[column] == value
        return condition
    public: ColumnElement[bool] = table.c[f"public_{column}"] == value
    if viewer.organisation is None:
        return public
    return or_(public, and_(owner == viewer.organisation, table.c[column] == value, shown))


def _equals(
    table: Any, field: str, value: str | None, owner: ColumnElement[Any], viewer: Viewer
) -> ColumnElement[bool] | None:
    """``field`` equals ``value`` where the viewer may see the field (no filter without a value)."""
    if not value:
        return None
    return _shown_equal(table, field, value, owner, viewer, _visible(table, field, owner, viewer))


def _country(
    table: Any, owner: ColumnElement[Any], value: str | None, viewer: Viewer, fallback: str | None = None
) -> ColumnElement[bool] | None:
    """The row's country is its organisation's, or else its own ``fallback`` field's first entry:
    the filter only matches where the viewer may see the one it came from."""
    if not value:
        return None
    organisation = select(organisations.c.id).where(organisations.c.id == owner)
    from_organisation = organisation.where(
        organisations.c.country.is_not(None), _visible(organisations, "country", organisations.c.id, viewer)
    ).exists()
    shown: ColumnElement[bool] = from_organisation
    if fallback is not None:
        from_row = and_(
            ~organisation.where(organisations.c.country.is_not(None)).exists(),
            _visible(table, fallback, owner, viewer),
        )
        shown = or_(from_organisation, from_row)
    return _shown_equal(table, "country", value, owner, viewer, shown)


def list_organisations(conn: Connection, query: OrganisationQuery, page: PageRequest, viewer: Viewer) -> Page:
    owner = organisations.c.id
    kind_filter = None
    if query.kind:
        kind_filter = and_(
            organisations.c.id.in_(
                select(organisation_kinds.c.organisation_id).where(organisation_kinds.c.kind == query.kind)
            ),
            _visible(organisations, "kinds", owner, viewer),
        )
    conditions = [
        kind_filter,
        _equals(organisations, "country", query.country, owner, viewer),
        _search(organisations, query.search, owner, viewer),
    ]
    keys = _name_order(organisations, owner, viewer)
    return _page(conn, _where(select(organisations), conditions), keys, page, "name")


def _model_order(sort: ModelSort, viewer: Viewer) -> list[SortKey]:
    """The sort keys of a model list, built only from values the viewer may see."""
    owner = models.c.provider_id
    by_name = _name_order(models, owner, viewer)
    if sort is ModelSort.NAME:
        return by_name
    shown_flop: ColumnElement[Any] = models.c.training_flop
    if viewer.organisation is None and not viewer.sees_everything:
        shown_flop = models.c.public_training_flop
    elif not viewer.sees_everything:
        compute_shown = or_(models.c.compute_public, owner == viewer.organisation)
        shown_flop = case((compute_shown, models.c.training_flop), else_=None)
    flop = func.coalesce(shown_flop, _NO_FLOP)
    released = func.coalesce(
        case((_visible(models, "release_date", owner, viewer), models.c.release_date), else_=None),
        _NO_DATE,
        type_=Date,
    )
    if sort is ModelSort.COMPUTE:
        return [(flop, True), (released, True), *by_name]
    return [(released, True), (flop, True), *by_name]


def list_models(conn: Connection, query: ModelQuery, page: PageRequest, viewer: Viewer) -> Page:
    owner = models.c.provider_id
    flop: ColumnElement[Any] = models.c.training_flop
    compute_visible: ColumnElement[bool] | None = None
    if viewer.organisation is None and not viewer.sees_everything:
        flop = models.c.public_training_flop  # the figure where it is public, else null
    elif (query.min_flop is not None or query.max_flop is not None) and not viewer.sees_everything:
        compute_visible = or_(models.c.compute_public, owner == viewer.organisation)
    conditions = [
        _equals(models, "provider_id", query.organisation, owner, viewer),
        _country(models, owner, query.country, viewer, fallback="countries"),
        _equals(models, "accessibility", query.accessibility, owner, viewer),
        flop >= query.min_flop if query.min_flop is not None else None,
        flop <= query.max_flop if query.max_flop is not None else None,
        compute_visible,
        _search(models, query.search, owner, viewer),
    ]
    sort = ModelSort(query.sort)
    return _page(conn, _where(select(models), conditions), _model_order(sort, viewer), page, sort.value)


def list_deployments(conn: Connection, query: DeploymentQuery, page: PageRequest, viewer: Viewer) -> Page:
    owner = deployments.c.deployer_id
    conditions = [
        _equals(deployments, "deployer_id", query.organisation, owner, viewer),
        _equals(deployments, "model_id", query.model, owner, viewer),
        _country(deployments, owner, query.country, viewer),
        _equals(deployments, "sector", query.sector, owner, viewer),
        _search(deployments, query.search, owner, viewer),
    ]
    keys = _name_order(deployments, owner, viewer)
    return _page(conn, _where(select(deployments), conditions), keys, page, "name")


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


def _existing(conn: Connection, table: Any, ids: Sequence[str]) -> list[str]:
    """Which of these ids are rows of ``table``."""
    found: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        found += conn.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars().all()
    return found


def existing_models(conn: Connection, ids: Sequence[str]) -> list[str]:
    """Which of these ids are models."""
    return _existing(conn, models, ids)


def existing_organisations(conn: Connection, ids: Sequence[str]) -> list[str]:
    """Which of these ids are organisations."""
    return _existing(conn, organisations, ids)


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


def names_of(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The name of each of these organisations, models and deployments, with what deciding who
    may read it needs: the name's visibility and the owning organisation."""
    found: dict[str, dict[str, Any]] = {}
    owners = (
        (organisations, organisations.c.id),
        (models, models.c.provider_id),
        (deployments, deployments.c.deployer_id),
    )
    for table, owner in owners:
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(table.c.id, table.c.name, table.c.visibility, owner.label("owner")).where(
                    table.c.id.in_(list(ids[start : start + 500]))
                )
            )
            for row in rows:
                visibility = json.loads(row.visibility).get("name", Visibility.OWNER.value)
                found[row.id] = {"name": row.name, "visibility": visibility, "owner": row.owner}
    return found


#: The registry views a person names things in, by what they hold.
NAMED_TABLES = {"organisation": organisations, "model": models, "deployment": deployments}


def named_or_identified(conn: Connection, kind: str, reference: str, limit: int) -> list[dict[str, Any]]:
    """The organisations, models or deployments whose id is ``reference`` or whose name is it in
    any case, at most ``limit``: id, name, version and owner's name (models and deployments)."""
    table = NAMED_TABLES[kind]
    owner = {"model": models.c.provider_id, "deployment": deployments.c.deployer_id}.get(kind)
    query = select(table.c.id, table.c.name)
    if kind == "model":
        query = query.add_columns(models.c.version)
    if owner is not None:
        query = query.add_columns(organisations.c.name.label("owner")).join(
            organisations, organisations.c.id == owner
        )
    rows = conn.execute(
        query.where(or_(table.c.id == reference, table.c.name_key == reference.lower()))
        .order_by(table.c.id)
        .limit(limit)
    ).mappings()
    return [{"kind": kind, **row} for row in rows]


def deploys(conn: Connection, deployer_id: str, model_id: str) -> bool:
    """Whether the organisation has registered a deployment of the model."""
    found = conn.execute(
        select(deployments.c.id)
        .where(deployments.c.deployer_id == deployer_id, deployments.c.model_id == model_id)
        .limit(1)
    ).first()
    return found is not None


def is_registered(conn: Connection, kind: str, record_id: str) -> bool:
    """Whether an organisation, model or deployment with this id is in the registry."""
    table = NAMED_TABLES[kind]
    return conn.execute(select(table.c.id).where(table.c.id == record_id)).first() is not None


def providers_of(conn: Connection, model_ids: Sequence[str]) -> dict[str, str]:
    """Each model's provider."""
    found: dict[str, str] = {}
    for start in range(0, len(model_ids), 500):
        chunk = list(model_ids[start : start + 500])
        rows = conn.execute(select(models.c.id, models.c.provider_id).where(models.c.id.in_(chunk)))
        found.update({str(model_id): str(provider) for model_id, provider in rows})
    return found
