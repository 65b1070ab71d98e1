"""Projections of provenance audits: commitments, samples and their outcome, training runs,
compute statements, reconciliations and the privacy budget's spending.

The views hold what lists, checks and the budget read; revealed records, declared compositions
and published figures stay in the filings, read from there by the service for those allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from custos.core.clock import stored_utc
from custos.filings import Filing
from custos.store._tables import (
    models,
    organisations,
    provenance_commitments,
    provenance_reconciliations,
    provenance_releases,
    provenance_runs,
    provenance_samples,
    provenance_statements,
)


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """Rows as dicts, their times in UTC (SQLite returns them without their zone)."""
    return [
        {key: stored_utc(v) if isinstance(v, datetime) else v for key, v in row._mapping.items()}
        for row in conn.execute(query)
    ]


def _one(conn: Connection, query: Any) -> dict[str, Any] | None:
    found = _rows(conn, query)
    return found[0] if found else None


# --- projections ---------------------------------------------------------------------------


def committed(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(provenance_commitments),
        dict(
            id=filing.id,
            model_id=content["model_id"],
            owner_id=filing.organisation,
            dataset=content["dataset"],
            root=content["root"],
            record_count=content["record_count"],
            committed_at=filing.filed_at,
        ),
    )


def sample_requested(conn: Connection, filing: Filing) -> None:
    content = filing.content
    commitment = conn.execute(
        select(provenance_commitments.c.model_id).where(
            provenance_commitments.c.id == content["commitment_id"]
        )
    ).scalar_one()
    conn.execute(
        insert(provenance_samples),
        dict(
            id=filing.id,
            commitment_id=content["commitment_id"],
            model_id=commitment,
            owner_id=filing.organisation,
            auditor_id=content.get("auditor_id"),
            checkpoint_size=content["checkpoint_size"],
            sample_size=len(content["indices"]),
            due_on=date.fromisoformat(content["due_on"]),
            requested_at=filing.filed_at,
        ),
    )


def revealed(conn: Connection, filing: Filing) -> None:
    conn.execute(
        update(provenance_samples)
        .where(provenance_samples.c.id == filing.content["sample_id"])
        .values(revealed_id=filing.id)
    )


def audited(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        update(provenance_samples)
        .where(provenance_samples.c.id == content["sample_id"])
        .values(
            audit_id=filing.id,
            outcome=content["outcome"],
            valid_until=date.fromisoformat(content["valid_until"]),
        )
    )


def run_declared(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(provenance_runs),
        dict(
            id=filing.id,
            model_id=content["model_id"],
            owner_id=filing.organisation,
            vendor_id=content.get("cloud_vendor_id"),
            started_on=date.fromisoformat(content["started_on"]),
            ended_on=date.fromisoformat(content["ended_on"]),
            chip_hours=sum(float(chip["chip_hours"]) for chip in content["chips"]),
            declared_at=filing.filed_at,
        ),
    )


def compute_sold(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(provenance_statements),
        dict(
            id=filing.id,
            vendor_id=filing.organisation,
            customer_id=content["customer_id"],
            period_start=date.fromisoformat(content["period_start"]),
            period_end=date.fromisoformat(content["period_end"]),
            chip_hours=float(content["chip_hours"]),
            filed_at=filing.filed_at,
        ),
    )


def reconciled(conn: Connection, filing: Filing) -> None:
    content = filing.content
    conn.execute(
        insert(provenance_reconciliations),
        dict(
            id=filing.id,
            customer_id=content["customer_id"],
            vendor_id=content["vendor_id"],
            period_start=date.fromisoformat(content["period_start"]),
            period_end=date.fromisoformat(content["period_end"]),
            status=content["status"],
            relative_gap=content.get("relative_gap"),
            tolerance=content["tolerance"],
            reconciled_at=filing.filed_at,
        ),
    )


def budget_set(conn: Connection, filing: Filing) -> None:
    _spent(conn, filing, "budget", None)


def published(conn: Connection, filing: Filing) -> None:
    _spent(conn, filing, "release", filing.content["statistic"])


def _spent(conn: Connection, filing: Filing, kind: str, statistic: str | None) -> None:
    conn.execute(
        insert(provenance_releases),
        dict(
            id=filing.id,
            kind=kind,
            statistic=statistic,
            epsilon=float(filing.content["epsilon"]),
            delta=float(filing.content.get("delta", 0.0)),
            filed_at=filing.filed_at,
        ),
    )


# --- queries -------------------------------------------------------------------------------


def commitment(conn: Connection, commitment_id: str) -> dict[str, Any] | None:
    return _one(conn, select(provenance_commitments).where(provenance_commitments.c.id == commitment_id))


def list_commitments(
    conn: Connection, *, model_id: str | None = None, owner_id: str | None = None
) -> list[dict[str, Any]]:
    query = select(provenance_commitments).order_by(provenance_commitments.c.id)
    if model_id is not None:
        query = query.where(provenance_commitments.c.model_id == model_id)
    if owner_id is not None:
        query = query.where(provenance_commitments.c.owner_id == owner_id)
    return _rows(conn, query)


def sample(conn: Connection, sample_id: str) -> dict[str, Any] | None:
    return _one(conn, select(provenance_samples).where(provenance_samples.c.id == sample_id))


def list_samples(
    conn: Connection,
    *,
    model_id: str | None = None,
    commitment_ids: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    query = select(provenance_samples).order_by(provenance_samples.c.id)
    if model_id is not None:
        query = query.where(provenance_samples.c.model_id == model_id)
    if commitment_ids is not None:
        query = query.where(provenance_samples.c.commitment_id.in_(commitment_ids))
    return _rows(conn, query)


def run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    return _one(conn, select(provenance_runs).where(provenance_runs.c.id == run_id))


def list_runs(
    conn: Connection, *, model_id: str | None = None, owner_id: str | None = None
) -> list[dict[str, Any]]:
    query = select(provenance_runs).order_by(provenance_runs.c.id)
    if model_id is not None:
        query = query.where(provenance_runs.c.model_id == model_id)
    if owner_id is not None:
        query = query.where(provenance_runs.c.owner_id == owner_id)
    return _rows(conn, query)


def runs_with(
    conn: Connection, owner_id: str, vendor_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    """A developer's runs on a vendor's compute that overlap the period."""
    return _rows(
        conn,
        select(provenance_runs)
        .where(
            provenance_runs.c.owner_id == owner_id,
            provenance_runs.c.vendor_id == vendor_id,
            provenance_runs.c.started_on <= end,
            provenance_runs.c.ended_on >= start,
        )
        .order_by(provenance_runs.c.id),
    )


def statements_between(
    conn: Connection, vendor_id: str, customer_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    """A vendor's statements about a customer whose periods overlap the period."""
    return _rows(
        conn,
        select(provenance_statements)
        .where(
            provenance_statements.c.vendor_id == vendor_id,
            provenance_statements.c.customer_id == customer_id,
            provenance_statements.c.period_start <= end,
            provenance_statements.c.period_end >= start,
        )
        .order_by(provenance_statements.c.id),
    )


def list_statements(conn: Connection, *, vendor_id: str | None = None) -> list[dict[str, Any]]:
    query = select(provenance_statements).order_by(provenance_statements.c.id)
    if vendor_id is not None:
        query = query.where(provenance_statements.c.vendor_id == vendor_id)
    return _rows(conn, query)


def list_reconciliations(conn: Connection, *, party: str | None = None) -> list[dict[str, Any]]:
    """Reconciliations, those naming ``party`` as customer or vendor when given."""
    query = select(provenance_reconciliations).order_by(provenance_reconciliations.c.id)
    if party is not None:
        query = query.where(
            (provenance_reconciliations.c.customer_id == party)
            | (provenance_reconciliations.c.vendor_id == party)
        )
    return _rows(conn, query)


def budget(conn: Connection) -> tuple[float, float] | None:
    """The privacy budget in force: the last one set, as (epsilon, delta)."""
    row = conn.execute(
        select(provenance_releases.c.epsilon, provenance_releases.c.delta)
        .where(provenance_releases.c.kind == "budget")
        .order_by(provenance_releases.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (float(row.epsilon), float(row.delta))


def spent(conn: Connection) -> tuple[float, float]:
    """Epsilon and delta spent by every release so far (basic sequential composition)."""
    row = conn.execute(
        select(
            func.coalesce(func.sum(provenance_releases.c.epsilon), 0.0),
            func.coalesce(func.sum(provenance_releases.c.delta), 0.0),
        ).where(provenance_releases.c.kind == "release")
    ).one()
    return float(row[0]), float(row[1])


def release_ids(conn: Connection) -> list[str]:
    return list(
        conn.execute(
            select(provenance_releases.c.id)
            .where(provenance_releases.c.kind == "release")
            .order_by(provenance_releases.c.id)
        ).scalars()
    )


def public_countries(conn: Connection) -> list[str]:
    """The countries the registry shows the public for some organisation: the cells of a
    compute release, so which cells are published says nothing the registry does not."""
    return sorted(
        conn.execute(
            select(organisations.c.public_country)
            .where(organisations.c.public_country.is_not(None))
            .distinct()
        ).scalars()
    )


def model_compute(conn: Connection, first_year: int, last_year: int) -> list[dict[str, Any]]:
    """Each model's provider, country, release year and training compute, for models released in
    the years given with a compute figure and a country."""
    return _rows(
        conn,
        select(
            models.c.provider_id,
            models.c.country,
            models.c.release_date,
            models.c.training_flop,
        )
        .where(
            models.c.training_flop.is_not(None),
            models.c.country.is_not(None),
            models.c.release_date >= date(first_year, 1, 1),
            models.c.release_date <= date(last_year, 12, 31),
        )
        .order_by(models.c.id),
    )
