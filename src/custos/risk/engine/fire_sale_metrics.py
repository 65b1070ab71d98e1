"""What a run reports of its fire sales: the second-round loss, its part of the tail, and how far
each asset class's price fell.

The **second-round loss** of a draw is its system loss with fire sales less its system loss without
them (``custos.risk.engine.second_round``). Its share of the expected shortfall at the capital
level is its mean over the same tail draws divided by that expected shortfall: the part of the
capital requirement that exists only because institutions sell into falling markets (its Euler
contribution, as institutions' capital is theirs). Without fire sales both are zero.
"""

from __future__ import annotations

from typing import Any

from custos.risk.engine.fire_sale_plan import FireSalePlan
from custos.risk.engine.montecarlo import Aggregate, tail_size
from custos.risk.engine.network import Network
from custos.risk.engine.scenario import Scenario


def second_round_system(run: Aggregate, scenario: Scenario) -> dict[str, float]:
    """The system's expected second-round loss, and its share of the capital level's shortfall."""
    tail = tail_size(run.draws, scenario.buffers.capital_level)
    shortfall = float(run.tail_losses[:tail].mean())
    in_tail = float(run.tail_second_round[:tail].mean()) if run.tail_second_round.size else 0.0
    return {
        "expected_second_round_loss": run.second_round_sum / run.draws,
        "second_round_share_of_expected_shortfall": in_tail / shortfall if shortfall > 0 else 0.0,
    }


def fire_sale_metrics(run: Aggregate, network: Network, plan: FireSalePlan) -> dict[str, Any]:
    """Per asset class: holdings and mean and worst price change; per institution: its expected
    second-round loss; and how the rounds converged."""
    holdings = plan.portfolios.holdings.sum(axis=0)
    mean_change = run.price_change_sum / run.draws
    illiquidity = plan.portfolios.illiquidity
    return {
        "method": plan.method.value,
        "asset_classes": [
            {
                "name": name,
                "holdings": float(holdings[k]),
                "illiquidity": float(illiquidity[k]),
                "mean_price_change": float(mean_change[k]),
                "worst_price_change": float(run.price_change_min[k]),
            }
            for k, name in enumerate(plan.classes)
        ],
        "institutions": [
            {"id": node, "expected_second_round_loss": float(loss)}
            for node, loss in zip(
                network.institutions.ids, run.second_round_institution / run.draws, strict=True
            )
        ],
        # A draw settles when no institution's sales move by more than the tolerance times the
        # largest holdings (at least 1): the residual, in the network's currency, is set against that.
        "convergence": {
            "rounds": run.fire_sale_rounds,
            "residual": run.fire_sale_residual,
            "tolerance": plan.tolerance,
            "allowance": plan.tolerance * max(1.0, float(plan.portfolios.assets.max())),
            "max_iterations": plan.max_iterations,
        },
    }
