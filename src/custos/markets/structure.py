"""What the dependency network shows a supervisor beyond who cuts off whom: the linchpin
threshold the packs set, the dominator tree as a page draws it, fallbacks, and counterweights."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from custos.markets.dependencies import DependencyNetwork, DominatorTree, FallbackShares, Linchpin
from custos.markets.views import AbsorptionView, CounterweightView, DominatorNodeView, FallbackView
from custos.policy.engine import active_packs
from custos.store import Connection

#: The pack parameter that sets the linchpin threshold: a share of the network's exposure.
THRESHOLD_PARAMETER = "linchpin_exposure_share"
#: Accessibility values (Epoch AI's) under which the weights are published.
OPEN_WEIGHTS = frozenset(
    {"open_weights_unrestricted", "open_weights_restricted", "open_weights_non_commercial"}
)

Row = Mapping[str, Any]


def linchpin_threshold(conn: Connection) -> tuple[float | None, str | None]:
    """The strictest (lowest) linchpin threshold an active pack sets, and which pack sets it;
    (None, None) when no active pack does, so nobody is called a linchpin by default."""
    found = [
        (float(pack.document.parameters[THRESHOLD_PARAMETER]), pack.document)
        for pack in active_packs(conn)
        if THRESHOLD_PARAMETER in pack.document.parameters
    ]
    if not found:
        return None, None
    value, document = min(found, key=lambda item: item[0])
    return value, f"{document.id} {document.version}, parameter {THRESHOLD_PARAMETER}"


def fallback_view(shares: FallbackShares) -> FallbackView:
    return FallbackView(
        deployments=shares.deployments,
        hosted=shares.hosted,
        host_fallback=shares.host_fallback,
        model_fallback=shares.model_fallback,
        host_share=shares.host_share,
        model_share=shares.model_share,
    )


def _drawn_parent(tree: DominatorTree, node: tuple[str, str]) -> str | None:
    """The nearest provider or model dominating ``node``; None when only the root does."""
    parent = tree.immediate.get(node)
    while parent is not None and parent[0] not in ("provider", "model"):
        parent = tree.immediate.get(parent)
    return None if parent is None else parent[1]


def dominator_nodes(
    network: DependencyNetwork,
    tree: DominatorTree,
    names: Mapping[str, str],
    models: Sequence[Row],
    points: Sequence[Linchpin],
) -> tuple[DominatorNodeView, ...]:
    """Providers, models and deployments with their nearest single dominator: a deployment's
    ``parent`` on its model's side (a model or its developer), ``host_parent`` on its host's."""
    model_names = {row["id"]: row["name"] for row in models}
    cut = {point.provider_id: len(point.deployment_ids) for point in points}
    by_model = Counter(
        parent
        for deployment in network.deployments
        if (parent := _drawn_parent(tree, ("model-served", deployment.id))) is not None
    )
    providers = sorted(
        {model.provider_id for model in network.models}
        | {h for d in network.deployments for h in d.host_alternatives}
    )
    nodes = [
        DominatorNodeView(id=p, layer="provider", name=names.get(p, p), parent=None, cuts_off=cut.get(p, 0))
        for p in providers
    ]
    nodes += [
        DominatorNodeView(
            id=model.id,
            layer="model",
            name=model_names.get(model.id, model.id),
            parent=model.provider_id,
            cuts_off=by_model.get(model.id, 0),
        )
        for model in network.models
    ]
    nodes += [
        DominatorNodeView(
            id=deployment.id,
            layer="deployment",
            name=deployment.id,
            parent=_drawn_parent(tree, ("model-served", deployment.id)),
            host_parent=_drawn_parent(tree, ("host-up", deployment.id)),
            cuts_off=0,
        )
        for deployment in network.deployments
    ]
    return tuple(nodes)


def counterweights(
    network: DependencyNetwork, models: Sequence[Row], escrowed: set[str], names: Mapping[str, str]
) -> tuple[tuple[CounterweightView, ...], tuple[AbsorptionView, ...]]:
    """The models that could take over: public-interest ones (all of them) and the exportable
    ones in use (open weights, or weights in escrow); and per sector, what share of deployments
    runs an exportable model (a host failure could be routed around by running it elsewhere) and
    what share a public-interest model already serves or backs up."""
    rows = {row["id"]: row for row in models}
    serving = Counter(d.model_id for d in network.deployments)
    backing = Counter(m for d in network.deployments for m in d.fallback_model_ids)

    def exportable(model_id: str) -> bool:
        row = rows.get(model_id)
        return model_id in escrowed or (row is not None and row["accessibility"] in OPEN_WEIGHTS)

    chosen = [
        row for row in models if row["public_interest"] or (row["id"] in serving and exportable(row["id"]))
    ]
    weights = tuple(
        CounterweightView(
            model_id=row["id"],
            name=row["name"],
            developer=names.get(row["provider_id"], row["provider_id"]),
            public_interest=bool(row["public_interest"]),
            grounds=row["public_interest_grounds"],
            open_weights=row["accessibility"] in OPEN_WEIGHTS,
            escrowed=row["id"] in escrowed,
            deployments=serving.get(row["id"], 0),
            fallback_for=backing.get(row["id"], 0),
        )
        for row in sorted(chosen, key=lambda r: (-serving.get(r["id"], 0), r["name"]))
    )
    public = {row["id"] for row in models if row["public_interest"]}
    sectors: list[str | None] = [None, *sorted({d.sector for d in network.deployments})]
    absorption = []
    for sector in sectors:
        chosen_deployments = [d for d in network.deployments if sector is None or d.sector == sector]
        count = len(chosen_deployments)
        movable = [d for d in chosen_deployments if exportable(d.model_id)]
        backed = sum(1 for d in chosen_deployments if public & set(d.model_alternatives))
        absorption.append(
            AbsorptionView(
                sector=sector,
                deployments=count,
                exportable_model=len(movable),
                exportable_share=len(movable) / count if count else None,
                exposure_eur=sum(d.exposure_eur for d in movable),
                public_interest_capacity=backed / count if count else None,
            )
        )
    return weights, tuple(absorption)
