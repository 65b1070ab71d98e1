"""The part of the network a chart can show: the most important nodes of each layer and the
edges between them, kept with the run so that its charts can be drawn again without the network."""

from __future__ import annotations

from typing import Any

import numpy as np

from custos.risk.engine.network import Network

#: How many nodes of each layer the chart shows.
NODES_PER_LAYER = 25


def _top(rows: list[dict[str, Any]], key: str) -> set[str]:
    ordered = sorted(rows, key=lambda row: -(row[key] or 0.0))
    return {row["id"] for row in ordered[:NODES_PER_LAYER]}


def chart_graph(network: Network, metrics: dict[str, Any]) -> dict[str, list[list[str]]]:
    """Hosting (provider → model), use (model → institution) and interbank (debtor → creditor) edges."""
    units = metrics["providers"]
    providers = _top([r for r in units if r["layer"] == "compute"], "expected_shortfall_contribution")
    models = _top([r for r in units if r["layer"] == "model"], "expected_shortfall_contribution")
    institutions = _top(metrics["institutions"], "capital")
    hosting = network.hosting_share.tocoo()
    hosted = [
        [network.providers.ids[p], network.models.ids[m]]
        for m, p in zip(hosting.row, hosting.col, strict=True)
        if network.providers.ids[p] in providers and network.models.ids[m] in models
    ]
    owned = np.flatnonzero(network.deployment_institution >= 0)
    used = {
        (
            network.models.ids[network.deployment_model[d]],
            network.institutions.ids[network.deployment_institution[d]],
        )
        for d in owned
    }
    uses = sorted([m, i] for m, i in used if m in models and i in institutions)
    owes = network.liabilities.tocoo()
    interbank = [
        [network.institutions.ids[i], network.institutions.ids[j]]
        for i, j in zip(owes.row, owes.col, strict=True)
        if network.institutions.ids[i] in institutions and network.institutions.ids[j] in institutions
    ]
    nodes = sorted(providers | models | institutions)
    return {
        "nodes": [[n] for n in nodes],
        "hosting": sorted(hosted),
        "deployment": uses,
        "interbank": sorted(interbank),
    }
