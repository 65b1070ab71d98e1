"""Projection and reads of the labour instrument's runs, and the registry figures a run counts.

A run's row keeps the columns its list shows and sorts by, and the filing's content as JSON, so
the full run is read from the row itself. The registry is read only through its public columns
(``public_sector``, ``public_deployer_id``): a run's figures are filed publicly, so what a
deployment withholds must not move them.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, insert, select

from custos.filings import Filing
from custos.store._tables import deployments, labour_runs


class PublicDeployment(NamedTuple):
    """A deployment as a labour run counts it: its sector, and its deployer where that is public."""

    id: str
    sector: str
    deployer_id: str | None


# --- projection ------------------------------------------------------------------------------


def run_completed(conn: Connection, filing: Filing) -> None:
    """List the run with its headline figures; keep its content for the full view."""
    content = filing.content
    results = content["results"]
    conn.execute(
        insert(labour_runs),
        dict(
            id=filing.id,
            run_id=content["run_id"],
            filed_at=filing.filed_at,
            filed_by=filing.actor,
            scenario=content["scenario"],
            programmes=content["programmes"],
            measure=content["measure"],
            draws=content["draws"],
            seed=content["seed"],
            registry=content["registry"],
            displaced_p50=results["horizon_displaced_workers_p50"],
            total_cost_usd_p50=results["horizon_total_cost_usd_p50"],
            content=json.dumps(content, sort_keys=True, separators=(",", ":")),
        ),
    )


# --- reads -----------------------------------------------------------------------------------


def _row(row: Any) -> dict[str, Any]:
    found = dict(row._mapping)
    found["content"] = json.loads(found["content"])
    return found


def runs(conn: Connection) -> list[dict[str, Any]]:
    """Every run, newest first, with its content."""
    query = select(labour_runs).order_by(labour_runs.c.filed_at.desc(), labour_runs.c.id.desc())
    return [_row(row) for row in conn.execute(query)]


def run(conn: Connection, reference: str) -> dict[str, Any] | None:
    """A run by its run id or its filing's id."""
    query = select(labour_runs).where((labour_runs.c.run_id == reference) | (labour_runs.c.id == reference))
    row = conn.execute(query).first()
    return None if row is None else _row(row)


def public_deployments(conn: Connection) -> list[PublicDeployment]:
    """Deployments whose sector is public, with their deployer where that is public too."""
    query = (
        select(deployments.c.id, deployments.c.public_sector, deployments.c.public_deployer_id)
        .where(deployments.c.public_sector.is_not(None))
        .order_by(deployments.c.id)
    )
    return [
        PublicDeployment(row.id, row.public_sector, row.public_deployer_id) for row in conn.execute(query)
    ]


def withheld_sector_count(conn: Connection) -> int:
    """How many deployments withhold their sector from the public (left out of every run)."""
    return int(
        conn.execute(
            select(func.count()).select_from(deployments).where(deployments.c.public_sector.is_(None))
        ).scalar_one()
    )
