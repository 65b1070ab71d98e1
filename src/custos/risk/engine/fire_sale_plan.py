"""A scenario's fire sales compiled against a network: who holds what, how far each wants to
deleverage, and how each asset class's price gives way.

Holdings come from the network's holdings table for the classes it lists, or from the scenario's
shares of each sector's external assets for the classes it gives shares to (networks built from
the registry hold no portfolios, so a scenario can still run fire sales on them). A class given
both ways is refused: its holdings would be ambiguous. Leverage targets default to each
institution's debt over equity before the shock (GLT's and Cont and Schaanning's assumption that
institutions return to their leverage); a scenario may set them by institution or sector.

The model itself, and its references, are ``custos.risk.engine.fire_sales``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custos.core.errors import InvalidInput
from custos.risk.engine.financial import positive_equity
from custos.risk.engine.fire_sale_kernel import fire_sale_settled
from custos.risk.engine.fire_sales import (
    FireSale,
    OverlappingPortfolios,
    fire_sale_one_round,
    overlapping_portfolios,
)
from custos.risk.engine.network import Network
from custos.risk.engine.scenario import FireSaleMethod, FireSales


@dataclass(frozen=True)
class FireSalePlan:
    """What a chunk needs to run the fire sale on its draws."""

    classes: tuple[str, ...]
    portfolios: OverlappingPortfolios
    method: FireSaleMethod
    tolerance: float
    max_iterations: int

    def run(self, equity_losses: np.ndarray) -> FireSale:
        """The fire sale the first round's equity losses (institutions × draws) set off: one round,
        or to the fixed point with the compiled kernel (the same figures as
        :func:`~custos.risk.engine.fire_sales.fire_sale_fixed_point`, faster on many draws)."""
        if self.method is FireSaleMethod.ONE_ROUND:
            return fire_sale_one_round(self.portfolios, equity_losses)
        return fire_sale_settled(
            self.portfolios, equity_losses, tol=self.tolerance, max_iterations=self.max_iterations
        )


def _holdings(network: Network, sales: FireSales) -> np.ndarray:
    """Institutions × the scenario's classes, in the network's currency at pre-shock prices."""
    held = np.zeros((len(network.institutions), len(sales.asset_classes)))
    listed = {name: k for k, name in enumerate(network.asset_classes)}
    sectors = {name: k for k, name in enumerate(network.sectors)}
    for k, asset in enumerate(sales.asset_classes):
        entry = f"fire_sales.asset_classes[{k}]"
        if asset.shares and asset.name in listed:
            raise InvalidInput(
                "an asset class has holdings in the network and shares in the scenario: give one",
                evidence={"entry": f"{entry}.shares", "value": asset.name},
            )
        if asset.name in listed:
            assert network.holdings is not None  # a network lists classes only with a holdings table
            held[:, k] = network.holdings[:, listed[asset.name]]
            continue
        unknown = sorted(set(asset.shares) - set(sectors) - {"all"})
        if unknown:
            raise InvalidInput(
                "the scenario names an unknown sector",
                evidence={"entry": f"{entry}.shares", "value": unknown[0], "sectors": list(sectors)},
            )
        by_sector = np.asarray(
            [asset.shares.get(sector, asset.shares.get("all", 0.0)) for sector in network.sectors]
        )
        held[:, k] = by_sector[network.institution_sector] * network.external_assets
    return held


def _leverage(network: Network, sales: FireSales, equity: np.ndarray) -> np.ndarray:
    """Each institution's target: named by itself, else by its sector, else its own debt over equity."""
    leverage = network.obligations / equity
    sectors = {name: k for k, name in enumerate(network.sectors)}
    named: dict[int, float] = {}
    for name, value in sales.leverage.items():
        if name in sectors:
            leverage[network.institution_sector == sectors[name]] = value
        elif name in network.institutions.lookup:
            named[network.institutions.lookup[name]] = value
        else:
            raise InvalidInput(
                "the scenario names an unknown institution or sector",
                evidence={"entry": "fire_sales.leverage", "value": name},
            )
    for institution, value in named.items():  # an institution's own target wins over its sector's
        leverage[institution] = value
    return np.asarray(leverage, dtype=np.float64)


def compile_fire_sales(network: Network, sales: FireSales | None) -> FireSalePlan | None:
    """Resolve the scenario's fire sales; refuse ones that leave every institution holding nothing,
    and institutions without positive equity (their leverage is undefined)."""
    if sales is None:
        return None
    if not len(network.institutions):
        raise InvalidInput(
            "fire sales need a financial layer: the network has no institutions",
            evidence={"entry": "fire_sales"},
        )
    held = _holdings(network, sales)
    if not held.any():
        raise InvalidInput(
            "the fire sales leave every institution holding nothing: give the network a holdings table "
            "or the asset classes shares of sectors' external assets",
            evidence={"entry": "fire_sales.asset_classes", "classes": [a.name for a in sales.asset_classes]},
        )
    equity = positive_equity(network, "a fire sale")
    illiquidity = [asset.price_impact / asset.market_depth for asset in sales.asset_classes]
    return FireSalePlan(
        classes=tuple(asset.name for asset in sales.asset_classes),
        portfolios=overlapping_portfolios(held, equity, _leverage(network, sales, equity), illiquidity),
        method=sales.method,
        tolerance=sales.tolerance,
        max_iterations=sales.max_iterations,
    )
