"""What a merger changes: concentration in every market where a party is present, and the stress
test's tail when the merged firm fails as one unit.

The change in the HHI is the textbook one, 2·s_a·s_b in percent, from the latest point of each
market: the parties' shares are of the whole market, aggregates of many firms included, so the
change is the same whether or not those are counted as firms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from custos.core.errors import InvalidInput
from custos.markets.concentration import COMPARISON_DECIMALS, HHI_SCALE, assess_levels
from custos.markets.layers import band_view
from custos.markets.model import LayerChange, StressChange
from custos.markets.views import MarketView
from custos.risk.adapters.network_registry import RegistryEdit
from custos.risk.adapters.scenario_files import scenario_network
from custos.risk.adapters.scenario_yaml import load_scenario_lines
from custos.risk.adapters.service import RiskService
from custos.risk.engine.stress_test import run_stress_test
from custos.store import Store


def concentration_changes(markets: Sequence[MarketView], acquirer: str, target: str) -> list[LayerChange]:
    """Each market's HHI before and after, where at least one party has a share at its latest
    point, with the U.S. and EU guidelines' bands for the merger."""
    changes = []
    for market in markets:
        if not market.points:
            continue
        latest = market.points[-1]
        share = {row.organisation_id: row.share for row in latest.shares if row.organisation_id}
        a, b = share.get(acquirer, 0.0), share.get(target, 0.0)
        if a == 0 and b == 0:
            continue
        delta = round(HHI_SCALE * 2 * a * b, COMPARISON_DECIMALS)
        post = round(latest.indices.hhi + delta, COMPARISON_DECIMALS)
        assessment = assess_levels(post, delta, a + b, max(a, b))
        changes.append(
            LayerChange(
                market=market.key,
                title=market.title,
                layer=market.layer,
                sector=market.sector,
                pre_hhi=latest.indices.hhi,
                post_hhi=min(post, HHI_SCALE),
                delta_hhi=delta,
                merged_share=min(math.fsum((a, b)), 1.0),
                us=band_view(assessment.us),
                eu=band_view(assessment.eu),
            )
        )
    return changes


def stress_change(store: Store, scenario_text: str, draws: int, edit: RegistryEdit) -> StressChange:
    """The scenario run on the registry's network as it is and as ``edit`` changes it, with the
    same seed and ``draws``: the expected shortfall at the capital level, and the uninsurable
    linchpins, before and after."""
    service = RiskService(store)
    scenario, _ = load_scenario_lines(scenario_text, "the stress scenario")
    scenario = scenario.model_copy(update={"draws": draws})
    directory = scenario_network(scenario_text, "the stress scenario", None, service.network_directory)
    level = scenario.buffers.capital_level
    before = run_stress_test(service.load_network(directory), scenario).metrics
    try:
        after = run_stress_test(service.load_network(directory, edit=edit), scenario).metrics
    except InvalidInput as error:
        raise InvalidInput(
            f"the scenario does not run on the changed network ({error}); a scenario re-run for a "
            "merger cannot name the target, which the acquirer absorbs",
            evidence=error.evidence,
        ) from error
    results = [before, after]
    key = f"{level:g}"
    return StressChange(
        scenario=scenario.name,
        seed=scenario.seed,
        draws=draws,
        level=level,
        pre_expected_shortfall_eur=results[0]["system"]["expected_shortfall"][key],
        post_expected_shortfall_eur=results[1]["system"]["expected_shortfall"][key],
        linchpins_before=tuple(_linchpins(results[0])),
        linchpins_after=tuple(_linchpins(results[1])),
    )


def _linchpins(metrics: dict[str, object]) -> list[str]:
    rows = metrics["providers"]
    assert isinstance(rows, list)
    return [str(row["name"]) for row in rows if row["uninsurable_linchpin"]]
