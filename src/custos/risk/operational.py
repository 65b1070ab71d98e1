"""From failed providers and models to each deployment's loss, and to the causes behind it.

A model loses the share of its service hosted on failed providers (less what fails over), plus
its compromise loss rate when it is compromised; the sum is capped at 1. A deployment loses that
rate on its exposure, except what a working fallback model recovers. Every unit of loss is traced
back to the failures that caused it, so that capital and importance can be allocated to them.
All arrays have draws as columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from custos.risk.network import Network


@dataclass(frozen=True)
class OperationalLosses:
    deployments: np.ndarray  # (deployments, draws)
    causes: np.ndarray  # (units, draws): the part of the deployment losses each failure caused


def usage(network: Network) -> sp.csr_array:
    """Models × deployments: which deployments rely on which model."""
    deployments = len(network.deployments)
    return sp.csr_array(
        (np.ones(deployments), (network.deployment_model, np.arange(deployments))),
        shape=(len(network.models), deployments),
    )


def operational_losses(
    network: Network, uses: sp.csr_array, rates: np.ndarray, fallback_recovery: float
) -> OperationalLosses:
    """``rates`` is (units, draws): each failed unit's loss rate, zero where it did not fail."""
    providers = len(network.providers)
    provider_rates, model_rates = rates[:providers], rates[providers:]
    raw = network.hosting @ provider_rates + model_rates  # (models, draws)
    capped = np.minimum(raw, 1.0)
    scale = np.divide(capped, raw, out=np.ones_like(raw), where=raw > 0)
    kept = np.ones((len(network.deployments), rates.shape[1]))
    has_fallback = network.deployment_fallback >= 0
    if has_fallback.any():
        working = 1.0 - capped[network.deployment_fallback[has_fallback]]
        kept[has_fallback] = 1.0 - fallback_recovery * working
    weight = network.deployment_exposure[:, None] * kept  # exposure at risk, per draw
    deployments = weight * capped[network.deployment_model]
    per_model = (uses @ weight) * scale  # (models, draws)
    causes = np.vstack([provider_rates * (network.hosting.T @ per_model), model_rates * per_model])
    return OperationalLosses(deployments=deployments, causes=causes)
