"""The registry as monitoring reads it: each deployment with who deploys it, the model and its
provider, the host and the sector it shares with others, and its economic exposure.

One query over the registry's views, read once and kept by the monitoring service for a few
seconds: the ingestion path checks every resource of every request against it, and the
correlation groups deployments by it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from custos.store._tables import deployments, models, organisations


def deployments_watched(conn: Connection) -> list[dict[str, Any]]:
    """Every registered deployment: id, name, deployer (id, name), model (id, name, provider id),
    host id, sector, its first jurisdiction, and its economic exposure as filed (``{"amount",
    "currency"}`` or None)."""
    deployer = organisations.alias("deployer")
    query = (
        select(
            deployments.c.id,
            deployments.c.name,
            deployments.c.deployer_id,
            deployer.c.name.label("deployer_name"),
            deployments.c.model_id,
            models.c.name.label("model_name"),
            models.c.provider_id,
            deployments.c.hosting_provider_id.label("host_id"),
            deployments.c.sector,
            deployments.c.content,
        )
        .join(models, models.c.id == deployments.c.model_id)
        .join(deployer, deployer.c.id == deployments.c.deployer_id)
        .order_by(deployments.c.id)
    )
    rows = []
    for row in conn.execute(query).mappings():
        record = dict(row)
        content = json.loads(record.pop("content"))
        record["exposure"] = content.get("economic_exposure")
        record["jurisdiction"] = content["jurisdictions"][0]
        rows.append(record)
    return rows


def organisation_names(conn: Connection) -> dict[str, str]:
    """Every organisation's name by id (hosts and providers, named in the system view)."""
    return {row.id: row.name for row in conn.execute(select(organisations.c.id, organisations.c.name))}


def deployments_of(conn: Connection, deployer_id: str, model_id: str) -> list[str]:
    """The deployer's deployments of the model: those a licence's rollout gates read telemetry of."""
    query = select(deployments.c.id).where(
        deployments.c.deployer_id == deployer_id, deployments.c.model_id == model_id
    )
    return list(conn.execute(query.order_by(deployments.c.id)).scalars())
