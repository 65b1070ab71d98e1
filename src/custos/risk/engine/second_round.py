"""Fire sales inside a draw: the first round's losses set off sales, the sales lower prices, and the
lower prices go through the interbank network again.

The order, in every draw:

1. **First round.** Operational losses and asset moves lower the institutions' external assets;
   the contagion model (clearing, DebtRank or threshold cascades) gives each institution's equity
   loss, its defaults and the system's loss *without* fire sales.
2. **Fire sale.** Those equity losses, interbank contagion included, set off the sales (one round,
   or rounds to a fixed point in which each round's price losses call for more sales); an
   institution that defaulted in the first round has lost all its equity and sells everything.
3. **Second clearing.** Each institution's loss on its holdings from the price falls comes off its
   external assets and the contagion model runs again on them, so defaults the fire sale causes
   spread through claims.

The two are not iterated to a joint fixed point: the interbank losses that step 3 adds do not set
off more sales. Every step only adds losses, so the second round is a lower bound on what a joint
equilibrium would give, and equal to it in the draws where step 3 adds no interbank loss (under
Eisenberg–Noe or Rogers–Veraart: where the fire sale causes no new default). The
**second-round loss** of a draw is its system loss with fire sales less its system loss without
them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.risk.engine.financial import FinancialOutcome, losses_on_assets
from custos.risk.engine.fire_sale_plan import FireSalePlan
from custos.risk.engine.network import Network
from custos.risk.engine.scenario import Contagion


@dataclass(frozen=True)
class SecondRound:
    outcome: FinancialOutcome  # the institutions' losses and defaults with fire sales
    price_changes: np.ndarray  # (asset classes, draws): relative moves, -1 at worst
    rounds: int  # the most fire-sale rounds any draw took
    residual: float


def with_fire_sales(
    plan: FireSalePlan,
    network: Network,
    contagion: Contagion,
    assets: np.ndarray,
    first: FinancialOutcome,
) -> SecondRound:
    """The draws' outcome after the fire sale that ``first`` (the outcome on ``assets``) sets off.
    Only the draws in which some price fell are cleared again; the others keep the first round's."""
    sale = plan.run(first.equity_losses)
    hit = np.flatnonzero((sale.losses > 0).any(axis=0))
    if not hit.size:
        return SecondRound(first, sale.price_changes, sale.iterations, sale.residual)
    lowered = np.maximum(assets[:, hit] - sale.losses[:, hit], 0.0)
    again = losses_on_assets(network, contagion, lowered)
    if hit.size == assets.shape[1]:
        losses, defaulted, equity = again.losses, again.defaulted, again.equity_losses
    else:
        losses, defaulted, equity = first.losses.copy(), first.defaulted.copy(), first.equity_losses.copy()
        losses[:, hit], defaulted[:, hit], equity[:, hit] = again.losses, again.defaulted, again.equity_losses
    outcome = FinancialOutcome(
        losses,
        defaulted,
        equity,
        max(first.iterations, again.iterations),
        max(first.residual, again.residual),
    )
    return SecondRound(outcome, sale.price_changes, sale.iterations, sale.residual)
