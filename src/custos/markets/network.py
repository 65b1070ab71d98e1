"""The registry's deployments as a dependency network, and the network a merger would leave.

A deployment with no declared host runs on its deployer's own infrastructure, so no outside host
can cut it off (its model's developer still can). Exposure counts in euros; a deployment that
declares none, or declares it in another currency, counts as zero, with a note. A fallback model
the registry does not hold is left out, with a note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from custos.markets.dependencies import DependencyNetwork, Deployment, Model
from custos.risk.adapters.network_registry import exposure_in

CURRENCY = "EUR"


def registry_network(
    models: Sequence[Mapping[str, Any]], deployments: Sequence[Mapping[str, Any]], notes: list[str]
) -> DependencyNetwork:
    """The network of ``deployments`` (rows of ``markets_views.market_deployments``) over
    ``models`` (rows of ``market_models``)."""
    developer = {row["id"]: row["provider_id"] for row in models}
    built = []
    used: set[str] = set()
    for row in deployments:
        fallbacks = tuple(m for m in row["fallback_model_ids"] if m in developer and m != row["model_id"])
        missing = [m for m in row["fallback_model_ids"] if m not in developer]
        if missing:
            notes.append(
                f"deployment {row['id']} names fallback models not in the registry: {', '.join(missing)}"
            )
        host = row["hosting_provider_id"]
        built.append(
            Deployment(
                id=row["id"],
                model_id=row["model_id"],
                host_id=host,
                deployer_id=row["deployer_id"],
                exposure_eur=exposure_in(dict(row), CURRENCY, notes),
                sector=row["sector"],
                jurisdiction=next(iter(row["jurisdictions"]), ""),
                fallback_host_ids=tuple(h for h in row["fallback_hosting_provider_ids"] if h != host),
                fallback_model_ids=fallbacks,
            )
        )
        used.update((row["model_id"], *fallbacks))
    return DependencyNetwork(
        models=tuple(Model(model_id, developer[model_id]) for model_id in sorted(used)),
        deployments=tuple(built),
    )


def merged_network(network: DependencyNetwork, acquirer: str, target: str) -> DependencyNetwork:
    """The network after ``target`` becomes part of ``acquirer``: its models and hosting pass to
    the acquirer, and a fallback between the two is no fallback any more."""

    def one(provider: str) -> str:
        return acquirer if provider == target else provider

    def hosts(deployment: Deployment) -> tuple[str | None, tuple[str, ...]]:
        host = None if deployment.host_id is None else one(deployment.host_id)
        fallbacks = tuple(dict.fromkeys(one(h) for h in deployment.fallback_host_ids if one(h) != host))
        return host, fallbacks

    deployments = []
    for deployment in network.deployments:
        host, fallback_hosts = hosts(deployment)
        deployments.append(
            Deployment(
                id=deployment.id,
                model_id=deployment.model_id,
                host_id=host,
                deployer_id=deployment.deployer_id,
                exposure_eur=deployment.exposure_eur,
                sector=deployment.sector,
                jurisdiction=deployment.jurisdiction,
                fallback_host_ids=fallback_hosts,
                fallback_model_ids=deployment.fallback_model_ids,
            )
        )
    return DependencyNetwork(
        models=tuple(Model(model.id, one(model.provider_id)) for model in network.models),
        deployments=tuple(deployments),
    )
