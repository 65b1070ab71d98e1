"""From shocks to institutions' assets to their losses and defaults, through a contagion model.

Each institution's loss is the equity it loses plus what its external creditors lose on it, so
that the losses add up to the system's loss whatever the model. Eisenberg–Noe conserves value:
the system loses exactly the shock and contagion only moves it onto other balance sheets;
Rogers–Veraart's default costs destroy more; DebtRank counts equity losses only (its external
creditors are not modelled); threshold cascades charge the loss given default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.core.errors import InvalidInput
from custos.risk.engine.contagion import (
    clearing_batched,
    debtrank_batched,
    debtrank_single_hit_batched,
    debtrank_weights,
    threshold_cascade_batched,
)
from custos.risk.engine.network import Network
from custos.risk.engine.scenario import Contagion, ContagionModel

#: A relative equity loss this close to 1 is a default in DebtRank.
SATURATED = 1.0 - 1e-12


@dataclass(frozen=True)
class FinancialOutcome:
    losses: np.ndarray  # (institutions, draws)
    defaulted: np.ndarray  # (institutions, draws) bool
    iterations: int
    residual: float


def _clearing(network: Network, assets: np.ndarray, contagion: Contagion) -> FinancialOutcome:
    rogers_veraart = contagion.model is ContagionModel.ROGERS_VERAART
    result = clearing_batched(
        network.liabilities,
        np.ascontiguousarray(assets),
        network.external_liabilities,
        alpha=contagion.alpha if rogers_veraart else 1.0,
        beta=contagion.beta if rogers_veraart else 1.0,
        tol=contagion.tolerance,
        max_iterations=contagion.max_iterations,
    )
    obligations = network.obligations
    payments = result.payments
    received = network.relative_liabilities.T @ payments
    # a defaulted institution's equity is gone; under Rogers–Veraart the rest is lost to default costs
    equity = np.where(result.defaulted, 0.0, np.maximum(assets + received - payments, 0.0))
    external_share = np.divide(
        network.external_liabilities, obligations, out=np.zeros_like(obligations), where=obligations > 0
    )
    shortfall = (obligations[:, None] - payments) * external_share[:, None]
    losses = network.equity[:, None] - equity + shortfall
    return FinancialOutcome(losses, result.defaulted, result.iterations, result.residual)


def _positive_equity(network: Network, model: ContagionModel) -> np.ndarray:
    """Equity, refused when some institution has none: DebtRank divides by it, and a threshold
    cascade would default an institution without equity in every draw, shock or not."""
    capital = network.equity
    if (capital <= 0).any():
        first = int(np.flatnonzero(capital <= 0)[0])
        raise InvalidInput(
            f"the {model.value} model needs every institution to have positive equity",
            evidence={"entry": network.institutions.ids[first], "value": float(capital[first])},
        )
    return capital


def _debtrank(network: Network, direct: np.ndarray, contagion: Contagion) -> FinancialOutcome:
    capital = _positive_equity(network, contagion.model)
    weights = debtrank_weights(network.liabilities, capital)
    shock = np.ascontiguousarray(np.clip(direct / capital[:, None], 0.0, 1.0))
    if contagion.model is ContagionModel.DEBTRANK_SINGLE_HIT:  # a finite process: nothing to converge
        h = debtrank_single_hit_batched(weights, shock)
        return FinancialOutcome(capital[:, None] * h, h >= SATURATED, 0, 0.0)
    result = debtrank_batched(
        weights, shock, tol=contagion.tolerance, max_iterations=contagion.max_iterations
    )
    return FinancialOutcome(
        capital[:, None] * result.h, result.h >= SATURATED, result.iterations, result.residual
    )


def _threshold(network: Network, direct: np.ndarray, contagion: Contagion) -> FinancialOutcome:
    capital = _positive_equity(network, contagion.model)
    result = threshold_cascade_batched(
        network.liabilities, capital, np.ascontiguousarray(np.maximum(direct, 0.0)), contagion.lgd
    )
    creditors = result.defaulted * (contagion.lgd * network.external_liabilities)[:, None]
    return FinancialOutcome(
        result.losses + creditors, result.defaulted, int(result.rounds.max(initial=0)), 0.0
    )


def financial_losses(
    network: Network, contagion: Contagion, direct: np.ndarray, asset_move: np.ndarray
) -> FinancialOutcome:
    """``direct`` is each institution's operational loss and ``asset_move`` the relative move of
    its external assets, both (institutions, draws)."""
    if not len(network.institutions):  # no financial layer: every loss stays in the real economy
        empty = np.zeros((0, direct.shape[1]))
        return FinancialOutcome(empty, empty.astype(bool), 0, 0.0)
    base = network.external_assets[:, None]
    assets = np.maximum(base * (1.0 + asset_move) - direct, 0.0)
    if contagion.model in (ContagionModel.EISENBERG_NOE, ContagionModel.ROGERS_VERAART):
        return _clearing(network, assets, contagion)
    hit = base - assets
    if contagion.model is ContagionModel.THRESHOLD:
        return _threshold(network, hit, contagion)
    return _debtrank(network, hit, contagion)
