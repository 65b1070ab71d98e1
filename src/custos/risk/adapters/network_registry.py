"""Networks from the registry: its deployments give the AI dependency layers.

Compute providers are the organisations that host deployments (a deployment with no declared
host runs at its model's provider), and each deployment depends on its own host. A model's
hosting share on a provider, the share of its deployments' exposure hosted there, serves where
the model is a fallback and in the correlation of failures; a model's developer is its
provider. The registry holds no
balance sheets, so the financial layer (institutions and what they owe each other) comes from a
network directory whose manifest names only ``institutions`` and ``liabilities`` (and, for fire
sales, ``holdings``), keyed by organisation id or name; a deployer found there is an institution,
any other bears its losses in the real economy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from custos.risk.engine.network import Network
from custos.risk.engine.network_build import Columns, assemble
from custos.store import Connection
from custos.store import registry_views as rv


@dataclass(frozen=True)
class RegistryEdit:
    """A what-if on the registry's layers, applied before the network is built.

    ``merged`` maps organisation ids to the one each becomes (a merger: the target's hosting and
    models pass to the acquirer, which then fails as one unit). ``fallback`` gives deployments,
    by id, a fallback model where they declare none."""

    merged: Mapping[str, str] = field(default_factory=dict)
    fallback: Mapping[str, str] = field(default_factory=dict)


def exposure_in(deployment: dict[str, Any], currency: str, notes: list[str]) -> float:
    """A deployment's declared exposure in ``currency``; 0, with a note, when none is declared or
    it is declared in another currency (no exchange rate is assumed)."""
    money = deployment["economic_exposure"]
    if not money:
        notes.append(f"deployment {deployment['id']} declares no economic exposure: counted as 0")
        return 0.0
    if money["currency"] != currency:
        declared = money["currency"]
        notes.append(f"deployment {deployment['id']} declares its exposure in {declared}, not {currency}: 0")
        return 0.0
    return float(Decimal(str(money["amount"])))


def registry_columns(
    conn: Connection, currency: str, financial: Columns | None = None, edit: RegistryEdit | None = None
) -> Columns:
    """The dependency layers from the registry, joined to a financial layer when one is given, as
    the ``edit`` (a what-if) changes them."""
    edit = edit or RegistryEdit()
    deployments = rv.deployment_dependencies(conn)
    notes: list[str] = []
    exposure = [exposure_in(d, currency, notes) for d in deployments]
    fallback = [next(iter(d["fallback_model_ids"]), edit.fallback.get(d["id"])) for d in deployments]
    model_ids = sorted({d["model_id"] for d in deployments} | {f for f in fallback if f})
    models = {
        model_id: {**row, "provider_id": edit.merged.get(row["provider_id"], row["provider_id"])}
        for model_id, row in rv.model_summaries(conn, model_ids).items()
    }
    host = [
        edit.merged.get(d["hosting_provider_id"], d["hosting_provider_id"])
        if d["hosting_provider_id"]
        else models[d["model_id"]]["provider_id"]
        for d in deployments
    ]
    shares = _hosting_shares([d["model_id"] for d in deployments], host, exposure)
    providers = sorted(set(host))
    names = rv.organisation_names(conn)
    columns = financial or Columns(name="registry", currency=currency)
    owners = [_institution(d["deployer_id"], names, columns) for d in deployments]
    columns.name = f"registry + {columns.name}" if financial else "registry"
    columns.currency = currency
    columns.provider_ids, columns.provider_names = providers, [names.get(p, p) for p in providers]
    columns.model_ids = model_ids
    columns.model_names = [models[m]["name"] for m in model_ids]
    columns.model_developers = [models[m]["provider_id"] for m in model_ids]
    pairs = sorted(shares)
    columns.hosting_model, columns.hosting_provider = [m for m, _ in pairs], [p for _, p in pairs]
    columns.hosting_share = [shares[pair] for pair in pairs]
    columns.deployment_ids = [d["id"] for d in deployments]
    columns.deployment_names = [d["name"] for d in deployments]
    columns.deployment_owner = owners
    columns.deployment_model = [d["model_id"] for d in deployments]
    columns.deployment_exposure = exposure
    columns.deployment_fallback = fallback
    columns.deployment_host = host
    columns.notes = [*columns.notes, *notes]
    return columns


def _hosting_shares(
    models: list[str], hosts: list[str], exposure: list[float]
) -> dict[tuple[str, str], float]:
    """Each model's share on each host: by exposure, or by count where no exposure is declared."""
    by_exposure: dict[tuple[str, str], float] = defaultdict(float)
    by_count: dict[tuple[str, str], float] = defaultdict(float)
    for model, host, amount in zip(models, hosts, exposure, strict=True):
        by_exposure[model, host] += amount
        by_count[model, host] += 1.0
    exposure_total: dict[str, float] = defaultdict(float)
    count_total: dict[str, float] = defaultdict(float)
    for (model, _), amount in by_exposure.items():
        exposure_total[model] += amount
    for (model, _), count in by_count.items():
        count_total[model] += count
    return {
        pair: by_exposure[pair] / exposure_total[pair[0]]
        if exposure_total[pair[0]] > 0
        else by_count[pair] / count_total[pair[0]]
        for pair in by_count
    }


def _institution(deployer: str, names: dict[str, str], financial: Columns) -> str:
    """The financial layer's id for a deployer: its organisation id, or its name."""
    ids = set(financial.institution_ids)
    if deployer in ids:
        return deployer
    name = names.get(deployer, "")
    return name if name in ids else deployer


def network_from_registry(conn: Connection, currency: str, financial: Columns | None = None) -> Network:
    return assemble(registry_columns(conn, currency, financial))
