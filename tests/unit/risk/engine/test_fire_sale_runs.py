"""Fire sales inside whole runs: a two-bank, two-asset case solved by hand, the order of the rounds
(defaults the fire sale causes spread through claims), holdings from sector shares, and the
refusals."""

from __future__ import annotations

import numpy as np
import pytest
from distributed import LocalCluster

from custos.core.errors import InvalidInput
from custos.risk.adapters.dask_runner import run_chunks_on_dask
from custos.risk.engine.montecarlo import Tails, run_chunks
from custos.risk.engine.network import Network
from custos.risk.engine.network_build import Columns, assemble
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.stress_test import run_stress_test
from tests.unit.risk.sample import sample_network, scenario

# Two banks in sectors of their own, no AI layers. A: assets 100, owes 90 outside (equity 10,
# leverage 9); B: assets 200, owes 180 (equity 20, leverage 9). A holds 60 of x and 40 of y, B 40
# of x and 160 of y. x: selling 1,000 lowers its price 10% (1e-4 per euro); y: selling 500 lowers
# it 20% (4e-4 per euro).
TWO_BANKS = Columns(
    name="two banks",
    currency="EUR",
    institution_ids=["A", "B"],
    institution_sector=["alpha", "beta"],
    external_assets=[100.0, 200.0],
    external_liabilities=[90.0, 180.0],
    holding_institution=["A", "A", "B", "B"],
    holding_class=["x", "y", "x", "y"],
    holding_amount=[60.0, 40.0, 40.0, 160.0],
    has_holdings=True,
)
FIRE_SALE = """
draws: 4
chunk_size: 2
asset_shocks: [{{sector: alpha, mean: -0.02}}]
fire_sales:
  method: {method}
  asset_classes:
    - {{name: x, market_depth: 1000, price_impact: 0.1}}
    - {{name: y, market_depth: 500, price_impact: 0.2}}
"""


def two_banks() -> Network:
    return assemble(Columns(**vars(TWO_BANKS)))


def test_one_round_gives_the_second_round_loss_worked_by_hand() -> None:
    # A loses 2% of 100 = 2 and sells 9 × 2 = 18: 10.8 of x and 7.2 of y (its weights 0.6, 0.4).
    # x falls 1e-4 × 10.8 = 0.108%, y 4e-4 × 7.2 = 0.288%.
    # A loses 60 × 0.00108 + 40 × 0.00288 = 0.18; B loses 40 × 0.00108 + 160 × 0.00288 = 0.504.
    # Nobody defaults, so Eisenberg–Noe adds nothing: the second round is 0.684 in every draw.
    result = run_stress_test(two_banks(), scenario(FIRE_SALE.format(method="one-round")))
    system = result.metrics["system"]
    assert system["expected_second_round_loss"] == pytest.approx(0.684, rel=1e-12)
    assert system["expected_loss"] == pytest.approx(2.684, rel=1e-12)
    assert system["second_round_share_of_expected_shortfall"] == pytest.approx(0.684 / 2.684, rel=1e-12)
    sales = result.metrics["fire_sales"]
    assert sales["method"] == "one-round"
    falls = {row["name"]: row["mean_price_change"] for row in sales["asset_classes"]}
    assert falls == pytest.approx({"x": -0.00108, "y": -0.00288}, rel=1e-12)
    by_bank = {row["id"]: row["expected_second_round_loss"] for row in sales["institutions"]}
    assert by_bank == pytest.approx({"A": 0.18, "B": 0.504}, rel=1e-12)
    assert np.allclose(result.aggregate.sample.second_round, 0.684, rtol=1e-12)


def test_the_fixed_point_solves_the_linear_system_worked_by_hand() -> None:
    # Nothing binds, so the sales s solve s = 9 (x + C s) with x = (2, 0) and C[i, j] the loss of i
    # per euro j sells: C = [[0.01, 0.014], [0.028, 0.052]] (e.g. C[A, A] = 60e-4 × 0.6 + 160e-4 ×
    # 0.4). (I − 9C) s = (18, 0): det = 0.91 × 0.532 − 0.126 × 0.252 = 0.452368, s = (0.532,
    # 0.252) × 18 / det. Each bank's loss is s / 9, so the second round is (s_A + s_B) / 9 − 2.
    det = 0.91 * 0.532 - 0.126 * 0.252
    expected = (0.532 + 0.252) * 18 / det / 9 - 2
    result = run_stress_test(two_banks(), scenario(FIRE_SALE.format(method="fixed-point")))
    assert result.metrics["system"]["expected_second_round_loss"] == pytest.approx(expected, rel=1e-9)
    assert result.metrics["fire_sales"]["convergence"]["rounds"] > 1


def test_a_default_the_fire_sale_causes_spreads_through_claims() -> None:
    # Now A owes 50 outside and B owes A 15 and 184 outside: equity A 100 + 15 − 50 = 65 (leverage
    # 50/65), B 200 − 199 = 1. y is less liquid: selling 100 lowers it 50% (5e-3 per euro).
    # A loses 10% of 100 = 10 and sells 10 × 50/65 = 7.6923: x falls 1e-4 × 0.6 × 7.6923, y 5e-3 ×
    # 0.4 × 7.6923. B loses 40 × Δx + 160 × Δy = 2.48, more than its equity: in the second clearing
    # it holds 197.52 against 199 owed and pays A 15 × 197.52 / 199.
    columns = Columns(**vars(TWO_BANKS))
    columns.external_liabilities = [50.0, 184.0]
    columns.liability_debtor, columns.liability_creditor, columns.liability_amount = ["B"], ["A"], [15.0]
    text = FIRE_SALE.format(method="one-round").replace("mean: -0.02", "mean: -0.1")
    text = text.replace("market_depth: 500, price_impact: 0.2", "market_depth: 100, price_impact: 0.5")
    run = run_stress_test(assemble(columns), scenario(text))
    sold = 10 * 50 / 65
    fall_x, fall_y = 1e-4 * 0.6 * sold, 5e-3 * 0.4 * sold
    price_loss_a, price_loss_b = 60 * fall_x + 40 * fall_y, 40 * fall_x + 160 * fall_y
    assert price_loss_b == pytest.approx(2.48)
    system = run.metrics["system"]
    assert system["expected_defaults"] == 1
    by_bank = {
        row["id"]: row["expected_second_round_loss"] for row in run.metrics["fire_sales"]["institutions"]
    }
    assert by_bank["A"] == pytest.approx(price_loss_a + 15 * (1 - 197.52 / 199), rel=1e-9)
    # Eisenberg–Noe conserves value: the system's second round is the price losses, shared anew.
    assert system["expected_second_round_loss"] == pytest.approx(price_loss_a + price_loss_b, rel=1e-9)


def test_shares_give_each_sector_its_part_of_external_assets() -> None:
    text = """
draws: 1
fire_sales:
  asset_classes:
    - {name: credit, market_depth: 1000, price_impact: 0.1, shares: {banking: 0.3, all: 0.1}}
    - {name: bonds, market_depth: 1000, price_impact: 0.1, shares: {insurance: 0.5}}
"""
    network = sample_network()
    plan = compile_plan(network, scenario(text))
    assert plan.fire_sales is not None
    held = plan.fire_sales.portfolios.holdings
    sectors = [network.sectors[s] for s in network.institution_sector]
    for i, sector in enumerate(sectors):
        assets = network.external_assets[i]
        assert held[i, 0] == pytest.approx((0.3 if sector == "banking" else 0.1) * assets)
        assert held[i, 1] == pytest.approx(0.5 * assets if sector == "insurance" else 0.0)
    # leverage defaults to debt over equity before the shock
    assert plan.fire_sales.portfolios.leverage == pytest.approx(network.obligations / network.equity)


def test_leverage_targets_by_sector_and_institution() -> None:
    text = """
draws: 1
fire_sales:
  leverage: {banking: 5, bank-a: 2}
  asset_classes: [{name: credit, market_depth: 1000, price_impact: 0.1, shares: {all: 0.2}}]
"""
    network = sample_network()
    plan = compile_plan(network, scenario(text))
    assert plan.fire_sales is not None
    leverage = plan.fire_sales.portfolios.leverage
    for i, node in enumerate(network.institutions.ids):
        sector = network.sectors[network.institution_sector[i]]
        own = network.obligations[i] / network.equity[i]
        assert leverage[i] == pytest.approx(2 if node == "bank-a" else 5 if sector == "banking" else own)


@pytest.mark.parametrize(
    ("fire_sales", "reason", "entry"),
    [
        (
            "{asset_classes: [{name: c, market_depth: 1, price_impact: 0.1}]}",
            "holding nothing",
            "fire_sales.asset_classes",
        ),
        (
            "{asset_classes: [{name: c, market_depth: 1, price_impact: 0.1, shares: {shipping: 0.1}}]}",
            "unknown sector",
            "fire_sales.asset_classes[0].shares",
        ),
        (
            "{leverage: {nobody: 3}, asset_classes: [{name: c, market_depth: 1, price_impact: 0.1, "
            "shares: {all: 0.1}}]}",
            "unknown institution or sector",
            "fire_sales.leverage",
        ),
    ],
)
def test_fire_sales_that_cannot_run_are_refused_with_the_reason(
    fire_sales: str, reason: str, entry: str
) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        compile_plan(sample_network(), scenario(f"draws: 1\nfire_sales: {fire_sales}\n"))
    assert refused.value.evidence["entry"] == entry


def test_a_class_with_holdings_and_shares_is_refused() -> None:
    text = FIRE_SALE.format(method="one-round").replace(
        "price_impact: 0.1}", "price_impact: 0.1, shares: {all: 0.1}}"
    )
    with pytest.raises(InvalidInput, match="give one"):
        compile_plan(two_banks(), scenario(text))


@pytest.mark.parametrize(
    "fire_sales",
    [
        "{asset_classes: []}",
        "{asset_classes: [{name: c, market_depth: 0, price_impact: 0.1}]}",
        "{asset_classes: [{name: c, market_depth: 1, price_impact: 1.5}]}",
        "{asset_classes: [{name: c, market_depth: 1, price_impact: 0.1}, "
        "{name: c, market_depth: 1, price_impact: 0.1}]}",
        "{asset_classes: [{name: c, market_depth: 1, price_impact: 0.1, shares: {all: 0.7}}, "
        "{name: d, market_depth: 1, price_impact: 0.1, shares: {all: 0.4}}]}",
        "{method: twice, asset_classes: [{name: c, market_depth: 1, price_impact: 0.1}]}",
    ],
)
def test_the_schema_refuses_bad_fire_sales(fire_sales: str) -> None:
    with pytest.raises(InvalidInput):
        scenario(f"draws: 1\nfire_sales: {fire_sales}\n")


RANDOM = """
draws: 1200
chunk_size: 300
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.05, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.01, volatility: 0.02}]
contagion: {model: rogers-veraart, alpha: 0.9, beta: 0.95}
fire_sales:
  asset_classes:
    - {name: credit, market_depth: 5000, price_impact: 0.05, shares: {banking: 0.3, all: 0.1}}
    - {name: equities, market_depth: 2000, price_impact: 0.1, shares: {all: 0.2}}
"""


def test_fire_sales_only_add_losses_and_the_allocations_still_add_up() -> None:
    network = sample_network()
    on = run_stress_test(network, scenario(RANDOM))
    off = run_stress_test(network, scenario(RANDOM.partition("fire_sales:")[0]))
    second = on.aggregate.sample.second_round
    assert np.all(second >= -1e-9) and second.max() > 0
    assert np.allclose(on.aggregate.sample.system - off.aggregate.sample.system, second, atol=1e-9)
    assert np.array_equal(on.aggregate.sample.direct, off.aggregate.sample.direct)
    assert not off.aggregate.sample.second_round.any()
    kept = on.aggregate.tail_institutions.shape[0]
    real = on.aggregate.sample.real_economy[np.argsort(on.aggregate.sample.draws)][
        on.aggregate.tail_draws[:kept]
    ]
    assert on.aggregate.tail_institutions.sum(axis=1) + real == pytest.approx(on.aggregate.tail_losses[:kept])
    assert all(
        -1 <= row["worst_price_change"] <= row["mean_price_change"] <= 0
        for row in on.metrics["fire_sales"]["asset_classes"]
    )


def test_a_cluster_gives_the_same_fire_sales_as_this_process() -> None:
    network = sample_network()
    plan = compile_plan(network, scenario(RANDOM))
    tails = Tails(30, 20)
    here = run_chunks(plan, network, tails)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        there = run_chunks_on_dask(cluster.scheduler_address, plan, network, tails)
    assert there.second_round_sum == here.second_round_sum
    for field in ("price_change_sum", "price_change_min", "second_round_institution", "tail_second_round"):
        assert np.array_equal(getattr(here, field), getattr(there, field)), field
    assert np.array_equal(here.sample.second_round, there.sample.second_round)


def test_an_institution_without_equity_has_no_leverage_and_is_refused() -> None:
    columns = Columns(**vars(TWO_BANKS))
    columns.external_liabilities = [90.0, 200.0]  # B's equity is 0
    with pytest.raises(
        InvalidInput, match="a fire sale needs every institution to have positive equity"
    ) as refused:
        compile_plan(assemble(columns), scenario(FIRE_SALE.format(method="one-round")))
    assert refused.value.evidence == {"entry": "B", "value": 0.0}
