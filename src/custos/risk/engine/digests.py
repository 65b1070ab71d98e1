"""Digests of a run's inputs, so a filed run names exactly what it was computed from."""

from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp

from custos.core.canonical import canonical_json
from custos.risk.engine.network import Layer, Network
from custos.risk.engine.scenario import Scenario

#: Changes whenever what the network digest covers changes.
DIGEST_SCHEME = "custos-network-digest/2"


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON: formatting and comments in the YAML do not count."""
    return "sha256:" + hashlib.sha256(canonical_json(scenario.model_dump(mode="json"))).hexdigest()


def network_digest(network: Network) -> str:
    """SHA-256 over every layer's ids and every array, each part length-prefixed."""
    digest = hashlib.sha256()

    def feed(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    def feed_layer(layer: Layer) -> None:  # names too: a scenario may name nodes by name
        feed("\x1f".join(layer.ids).encode())
        feed("\x1f".join(layer.names).encode())

    def feed_matrix(matrix: sp.csr_array) -> None:
        ordered = sp.csr_array(matrix, copy=True)
        ordered.sort_indices()
        for part in (ordered.indptr, ordered.indices):
            feed(np.ascontiguousarray(part, dtype=np.int64).tobytes())
        feed(np.ascontiguousarray(ordered.data, dtype=np.float64).tobytes())

    feed(DIGEST_SCHEME.encode())
    feed(network.currency.encode())
    feed("\x1f".join(network.sectors).encode())
    for layer in (network.providers, network.models, network.deployments, network.institutions):
        feed_layer(layer)
    feed("\x1f".join(network.model_developers).encode())
    feed("\x1f".join(network.deployment_owners).encode())
    for matrix in (network.hosting_share, network.hosting, network.deployment_hosting, network.liabilities):
        feed_matrix(matrix)
    for array in (
        network.deployment_model,
        network.deployment_fallback,
        network.deployment_institution,
        network.institution_sector,
    ):
        feed(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    for values in (network.deployment_exposure, network.external_assets, network.external_liabilities):
        feed(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    if network.holdings is not None:  # only then: a network without holdings keeps its digest
        feed("\x1f".join(network.asset_classes).encode())
        feed(np.ascontiguousarray(network.holdings, dtype=np.float64).tobytes())
    return "sha256:" + digest.hexdigest()
