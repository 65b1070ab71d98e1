"""Projections of market supervision: the latest dependency assessment's shares (what the packs
read), merger reviews and their remedies, fallback plans, and public-interest designations, which
also set the model's own row so every reader of the registry sees them.

What the views hold is what lists, facts and the remedies' answers need; each filing's figures
stay in the filing, read from there by the service for those allowed to see them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from custos.core.clock import stored_utc
from custos.core.ids import made_at
from custos.filings import Filing
from custos.store._tables import (
    deployments,
    escrow_deposits,
    fallback_plans,
    market_assessments,
    market_dependency_shares,
    merger_remedies,
    merger_reviews,
    models,
    public_interest_designations,
)


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """Rows as dicts, their times in UTC (SQLite returns them without their zone)."""
    return [
        {key: stored_utc(v) if isinstance(v, datetime) else v for key, v in row._mapping.items()}
        for row in conn.execute(query)
    ]


# --- projections ---------------------------------------------------------------------------


def assessed(conn: Connection, filing: Filing) -> None:
    """The latest assessment replaces every provider's shares: a provider no longer in the
    network has none."""
    conn.execute(insert(market_assessments), dict(id=filing.id, assessed_at=filing.filed_at))
    conn.execute(delete(market_dependency_shares))
    rows = [
        dict(
            organisation_id=provider["organisation_id"],
            assessment_id=filing.id,
            deployment_share=provider["deployment_share"],
            institution_share=provider["institution_share"],
            exposure_share=provider["exposure_share"],
            linchpin=provider["linchpin"],
        )
        for provider in filing.content["providers"]
    ]
    if rows:
        conn.execute(insert(market_dependency_shares), rows)


def merger_reviewed(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(merger_reviews),
        dict(
            id=filing.id,
            acquirer_id=content["acquirer_id"],
            target_id=content["target_id"],
            reviewed_at=filing.filed_at,
        ),
    )


def remedy_imposed(conn: Connection, filing: Filing) -> None:
    conn.execute(
        insert(merger_remedies),
        dict(
            id=filing.id,
            review_id=filing.content["review_id"],
            organisation_id=filing.subject,
            remedy=filing.content["remedy"],
            imposed_at=filing.filed_at,
            answered_by=None,
        ),
    )


def fallback_plan_filed(conn: Connection, filing: Filing) -> None:
    """A plan answers the organisation's open remedies of its kind."""
    content = filing.content
    conn.execute(
        insert(fallback_plans),
        dict(
            id=filing.id,
            organisation_id=filing.subject,
            plan=content["plan"],
            tested_on=date.fromisoformat(content["tested_on"]) if content.get("tested_on") else None,
            valid_until=date.fromisoformat(content["valid_until"]),
            filed_at=filing.filed_at,
        ),
    )
    conn.execute(
        update(merger_remedies)
        .where(
            merger_remedies.c.organisation_id == filing.subject,
            merger_remedies.c.remedy == content["plan"],
            merger_remedies.c.answered_by.is_(None),
        )
        .values(answered_by=filing.id)
    )


def public_interest_designated(conn: Connection, filing: Filing) -> None:
    """The designation, and the model's row as the registry shows it (flag and grounds public)."""
    content = filing.content
    model_id, flag = content["model_id"], content["public_interest"]
    grounds = content["grounds"] if flag else None
    conn.execute(
        insert(public_interest_designations),
        dict(
            id=filing.id,
            model_id=model_id,
            public_interest=flag,
            grounds=content["grounds"],
            designated_at=filing.filed_at,
        ),
    )
    row = conn.execute(select(models.c.content, models.c.visibility).where(models.c.id == model_id)).one()
    shown, visibility = json.loads(row.content), json.loads(row.visibility)
    shown["public_interest"] = flag
    visibility["public_interest"] = "public"
    if grounds is None:
        shown.pop("public_interest_grounds", None)
    else:
        shown["public_interest_grounds"] = grounds
        visibility["public_interest_grounds"] = "public"
    conn.execute(
        update(models)
        .where(models.c.id == model_id)
        .values(
            public_interest=flag,
            public_interest_grounds=grounds,
            content=json.dumps(shown, separators=(",", ":")),
            visibility=json.dumps(visibility, separators=(",", ":")),
        )
    )


# --- reads ---------------------------------------------------------------------------------


def latest_assessment_id(conn: Connection) -> str | None:
    found: str | None = conn.execute(
        select(market_assessments.c.id).order_by(market_assessments.c.assessed_at.desc()).limit(1)
    ).scalar()
    return found


def dependency_shares(conn: Connection, organisation_ids: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """Each organisation's shares in the latest assessment (all when ``organisation_ids`` is None)."""
    query = select(market_dependency_shares)
    if organisation_ids is not None:
        query = query.where(market_dependency_shares.c.organisation_id.in_(list(organisation_ids)))
    return {row["organisation_id"]: row for row in _rows(conn, query)}


def review_rows(conn: Connection, organisation_id: str | None) -> list[dict[str, Any]]:
    """Merger reviews, newest first: all, or those where the organisation is a party."""
    query = select(merger_reviews).order_by(merger_reviews.c.reviewed_at.desc())
    if organisation_id is not None:
        query = query.where(
            (merger_reviews.c.acquirer_id == organisation_id)
            | (merger_reviews.c.target_id == organisation_id)
        )
    return _rows(conn, query)


def review_row(conn: Connection, review_id: str) -> dict[str, Any] | None:
    found = _rows(conn, select(merger_reviews).where(merger_reviews.c.id == review_id))
    return found[0] if found else None


def remedies_of_reviews(conn: Connection, review_ids: Sequence[str]) -> list[dict[str, Any]]:
    return _rows(
        conn,
        select(merger_remedies)
        .where(merger_remedies.c.review_id.in_(list(review_ids)))
        .order_by(merger_remedies.c.imposed_at),
    )


def remedies_imposed(conn: Connection, organisation_ids: Sequence[str] | None) -> dict[str, list[str]]:
    """The kinds of remedy imposed on each organisation, answered or not (all organisations when
    None): a duty a remedy attaches is discharged by a plan, so the remedy itself stays a fact."""
    query = select(merger_remedies.c.organisation_id, merger_remedies.c.remedy)
    if organisation_ids is not None:
        query = query.where(merger_remedies.c.organisation_id.in_(list(organisation_ids)))
    found: dict[str, set[str]] = {}
    for organisation_id, remedy in conn.execute(query):
        found.setdefault(organisation_id, set()).add(remedy)
    return {key: sorted(values) for key, values in found.items()}


def plan_rows(conn: Connection, organisation_id: str | None) -> list[dict[str, Any]]:
    """Fallback plans, newest first: all, or one organisation's."""
    query = select(fallback_plans).order_by(fallback_plans.c.filed_at.desc())
    if organisation_id is not None:
        query = query.where(fallback_plans.c.organisation_id == organisation_id)
    return _rows(conn, query)


def designation_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every designation and withdrawal with its model's name, newest first."""
    return _rows(
        conn,
        select(public_interest_designations, models.c.name.label("model"))
        .join(models, models.c.id == public_interest_designations.c.model_id)
        .order_by(public_interest_designations.c.designated_at.desc()),
    )


# --- the registry as market structure reads it ---------------------------------------------


def market_models(conn: Connection) -> list[dict[str, Any]]:
    """Every model with what concentration and counterweights read: developer, accessibility,
    public-interest flag and grounds, release date and training compute (central figure)."""
    return _rows(
        conn,
        select(
            models.c.id,
            models.c.name,
            models.c.provider_id,
            models.c.accessibility,
            models.c.public_interest,
            models.c.public_interest_grounds,
            models.c.release_date,
            models.c.training_flop,
        ).order_by(models.c.id),
    )


def market_deployments(conn: Connection) -> list[dict[str, Any]]:
    """Every deployment with its dependencies, sector, jurisdictions, exposure, start date and the
    day it was registered (from its id, a ULID made at registration)."""
    found = []
    query = select(
        deployments.c.id,
        deployments.c.deployer_id,
        deployments.c.model_id,
        deployments.c.hosting_provider_id,
        deployments.c.sector,
        deployments.c.start_date,
        deployments.c.content,
    ).order_by(deployments.c.id)
    for row in conn.execute(query):
        content = json.loads(row.content)
        found.append(
            {
                "id": row.id,
                "registered_on": made_at(row.id).date(),
                "deployer_id": row.deployer_id,
                "model_id": row.model_id,
                "hosting_provider_id": row.hosting_provider_id,
                "sector": row.sector,
                "start_date": row.start_date,
                "jurisdictions": content.get("jurisdictions", []),
                "economic_exposure": content.get("economic_exposure"),
                "fallback_model_ids": content.get("fallback_model_ids", []),
                "fallback_hosting_provider_ids": content.get("fallback_hosting_provider_ids", []),
            }
        )
    return found


def escrowed_models(conn: Connection) -> set[str]:
    """Models with weights deposited in escrow: a failover could run them elsewhere."""
    return set(conn.execute(select(escrow_deposits.c.model_id).distinct()).scalars())
