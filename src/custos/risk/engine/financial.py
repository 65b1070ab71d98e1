"""From shocks to institutions' assets to their losses and defaults, through a contagion model.

Each institution's loss is the equity it loses plus what its external creditors lose on it, so
that the losses add up to the system's loss whatever the model. Eisenberg–Noe conserves value:
the system loses exactly the shock and contagion only moves it onto other balance sheets;
Rogers–Veraart's default costs destroy more; DebtRank counts equity losses only (its external
creditors are not modelled); threshold cascades charge the loss given default.

Each outcome also says how much equity every institution lost, which is what sets off fire sales
(``custos.risk.engine.second_round``).
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
    equity_losses: np.ndarray  # (institutions, draws): equity lost, at most the equity
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
    equity_losses = network.equity[:, None] - equity
    return FinancialOutcome(
        equity_losses + shortfall, result.defaulted, equity_losses, result.iterations, result.residual
    )


def positive_equity(network: Network, user: str) -> np.ndarray:
    """Equity, refused (naming ``user``) when some institution has none: DebtRank divides by it, a
    threshold cascade would default an institution without equity in every draw, shock or not, and
    a fire sale's leverage target is debt over equity."""
    capital = network.equity
    if (capital <= 0).any():
        first = int(np.flatnonzero(capital <= 0)[0])
        raise InvalidInput(
            f"{user} needs every institution to have positive equity",
            evidence={"entry": network.institutions.ids[first], "value": float(capital[first])},
        )
    return capital


def _debtrank(network: Network, direct: np.ndarray, contagion: Contagion) -> FinancialOutcome:
    capital = positive_equity(network, f"the {contagion.model.value} model")
    weights = debtrank_weights(network.liabilities, capital)
    shock = np.ascontiguousarray(np.clip(direct / capital[:, None], 0.0, 1.0))
    if contagion.model is ContagionModel.DEBTRANK_SINGLE_HIT:  # a finite process: nothing to converge
        h = debtrank_single_hit_batched(weights, shock)
        lost = capital[:, None] * h
        return FinancialOutcome(lost, h >= SATURATED, lost, 0, 0.0)
    result = debtrank_batched(
        weights, shock, tol=contagion.tolerance, max_iterations=contagion.max_iterations
    )
    lost = capital[:, None] * result.h
    return FinancialOutcome(lost, result.h >= SATURATED, lost, result.iterations, result.residual)


def _threshold(network: Network, direct: np.ndarray, contagion: Contagion) -> FinancialOutcome:
    capital = positive_equity(network, f"the {contagion.model.value} model")
    result = threshold_cascade_batched(
        network.liabilities, capital, np.ascontiguousarray(np.maximum(direct, 0.0)), contagion.lgd
    )
    creditors = result.defaulted * (contagion.lgd * network.external_liabilities)[:, None]
    return FinancialOutcome(
        result.losses + creditors, result.defaulted, result.losses, int(result.rounds.max(initial=0)), 0.0
    )


def financial_losses(
    network: Network, contagion: Contagion, direct: np.ndarray, asset_move: np.ndarray
) -> FinancialOutcome:
    """``direct`` is each institution's operational loss and ``asset_move`` the relative move of
    its external assets, both (institutions, draws)."""
    if not len(network.institutions):  # no financial layer: every loss stays in the real economy
        empty = np.zeros((0, direct.shape[1]))
        return FinancialOutcome(empty, empty.astype(bool), empty, 0, 0.0)
    return losses_on_assets(network, contagion, shocked_assets(network, direct, asset_move))


def shocked_assets(network: Network, direct: np.ndarray, asset_move: np.ndarray) -> np.ndarray:
    """Each institution's external assets after the asset moves and its direct losses, at least 0."""
    return np.asarray(np.maximum(network.external_assets[:, None] * (1.0 + asset_move) - direct, 0.0))


def losses_on_assets(network: Network, contagion: Contagion, assets: np.ndarray) -> FinancialOutcome:
    """Losses and defaults when the institutions' external assets stand at ``assets`` (institutions,
    draws): the second round of a fire sale calls this again on assets its price falls lowered."""
    base = network.external_assets[:, None]
    if contagion.model in (ContagionModel.EISENBERG_NOE, ContagionModel.ROGERS_VERAART):
        return _clearing(network, assets, contagion)
    hit = base - assets
    if contagion.model is ContagionModel.THRESHOLD:
        return _threshold(network, hit, contagion)
    return _debtrank(network, hit, contagion)
