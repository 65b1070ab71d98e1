"""From failed providers and models to each deployment's loss, and to the causes behind it.

A deployment loses the share of its service hosted on failed providers (its own declared host,
or its model's hosts less what fails over), plus its model's compromise loss rate when the model
is compromised; the sum is capped at 1. It loses that rate on its exposure, except what a
working fallback model recovers. Every unit of loss is traced
back to the failures that caused it, so that capital and importance can be allocated to them.
All arrays have draws as columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.risk.engine.network import Network


@dataclass(frozen=True)
class OperationalLosses:
    deployments: np.ndarray  # (deployments, draws)
    causes: np.ndarray  # (units, draws): the part of the deployment losses each failure caused


def operational_losses(network: Network, rates: np.ndarray, fallback_recovery: float) -> OperationalLosses:
    """``rates`` is (units, draws): each failed unit's loss rate, zero where it did not fail."""
    providers = len(network.providers)
    provider_rates, model_rates = rates[:providers], rates[providers:]
    raw = (
        network.deployment_hosts @ provider_rates + model_rates[network.deployment_model]
    )  # (deployments, draws)
    capped = np.minimum(raw, 1.0)
    scale = np.divide(capped, raw, out=np.ones_like(raw), where=raw > 0)
    kept = np.ones_like(raw)
    has_fallback = network.deployment_fallback >= 0
    if has_fallback.any():  # a fallback model works as far as its own hosts and integrity allow
        fallback_rates = np.minimum(network.hosting @ provider_rates + model_rates, 1.0)
        working = 1.0 - fallback_rates[network.deployment_fallback[has_fallback]]
        kept[has_fallback] = 1.0 - fallback_recovery * working
    weight = network.deployment_exposure[:, None] * kept  # exposure at risk, per draw
    traced = weight * scale  # per unit of raw rate, so that causes add up to the capped loss
    causes = np.vstack(
        [provider_rates * (network.deployment_hosts.T @ traced), model_rates * (network.usage @ traced)]
    )
    return OperationalLosses(deployments=weight * capped, causes=causes)
