"""Runs fold their chunks as they come: every figure equals the one computed from every draw kept
in full, whatever the chunking, and memory does not grow with the draws."""

from __future__ import annotations

import itertools
import math
import tracemalloc
from typing import Any

import numpy as np
import pytest

from custos.risk.engine import attribution, chart_specs, simulate
from custos.risk.engine.chart_specs import Losses
from custos.risk.engine.montecarlo import (
    TAIL_MEMORY_LIMIT,
    Largest,
    Tails,
    check_tail_memory,
    detail_width,
    tail_memory,
)
from custos.risk.engine.network import Network
from custos.risk.engine.plan import Plan, compile_plan
from custos.risk.engine.scenario import Scenario
from custos.risk.engine.simulate import draw_shocks, propagate
from custos.risk.engine.stress_test import run_stress_test
from tests.unit.risk.sample import sample_network, scenario

# Model failures without asset moves give few distinct losses, so the tails are full of ties.
TIED = """
draws: 3001
outages: [{provider: cloud-north, loss_rate: 0.1}]
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.04, loss_rate: 0.5}
contagion: {model: rogers-veraart, alpha: 0.6, beta: 0.8}
levels: [0.9, 0.99, 0.999]
default_counts: [1, 2, 3, 9]
buffers: {capital_level: 0.97, pool_quantile: 0.995}
"""
SMOOTH = TIED.replace(
    "levels: [0.9,", "asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]\nlevels: [0.9,"
)


def shapley(plan: Plan, network: Network, failed: np.ndarray, moves: np.ndarray) -> np.ndarray:
    """One draw's Shapley values (units, then the markets) by the definition: every coalition of
    its failed units and the markets, weighted by s! (m − s − 1)! / m!."""
    units = plan.forced.size
    players = [*np.flatnonzero(failed), units]  # the markets play last
    m = len(players)
    coalitions = [c for size in range(m + 1) for c in itertools.combinations(players, size)]
    mask = np.zeros((units, len(coalitions)), dtype=bool)
    move = np.zeros((moves.size, len(coalitions)))
    for k, coalition in enumerate(coalitions):
        mask[[p for p in coalition if p < units], k] = True
        if units in coalition:
            move[:, k] = moves
    value = dict(zip(coalitions, propagate(plan, network, mask, move).system, strict=True))
    phi = np.zeros(units + 1)
    for coalition in coalitions:
        for player in players:
            if player not in coalition:
                size = len(coalition)
                weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                joined = tuple(sorted((*coalition, player)))
                phi[player] += weight * (value[joined] - value[coalition])
    return phi


def reference(network: Network, scenario: Scenario) -> dict[str, Any]:
    """The figures from every draw kept in full, the way the definitions read."""
    plan = compile_plan(network, scenario)
    seeds = np.random.SeedSequence(plan.seed).spawn(plan.chunks)
    outcomes, moves_of = [], []
    for chunk in range(plan.chunks):
        rng = np.random.Generator(np.random.PCG64(seeds[chunk]))
        failed, moves = draw_shocks(plan, network, rng, plan.chunk_draws(chunk))
        outcomes.append((failed, propagate(plan, network, failed, moves)))
        moves_of.append(moves)
    failed = np.hstack([f for f, _ in outcomes])
    system = np.concatenate([o.system for _, o in outcomes])
    defaults = np.concatenate([o.defaults for _, o in outcomes])
    institutions = np.hstack([o.institutions for _, o in outcomes])
    defaulted = np.hstack([o.defaulted for _, o in outcomes])
    deployments = np.hstack([o.deployments for _, o in outcomes])
    moves_all = np.hstack(moves_of)
    n = system.size
    order = np.lexsort((np.arange(n), -system))  # largest first, ties to the lower draw

    def tail(level: float) -> np.ndarray:
        return order[: math.ceil(round((1 - level) * n, 9))]

    capital_tail = tail(scenario.buffers.capital_level)
    pool = max(system[tail(scenario.buffers.pool_quantile)][-1], 0.0)

    def entities(losses: np.ndarray) -> dict[str, np.ndarray]:
        mean, capital = losses.mean(axis=1), losses[:, capital_tail].mean(axis=1)
        held = np.maximum(capital, 0)
        limit = scenario.buffers.insurance_layer * held
        layer = np.clip(losses - held[:, None], 0, limit[:, None])  # what the layer pays, every draw
        beyond = np.maximum(losses[:, capital_tail] - (held + limit)[:, None], 0).mean(axis=1)
        requirement = layer[:, capital_tail].mean(axis=1)
        payout = layer.mean(axis=1)
        weights = beyond if beyond.sum() > 0 else held
        return {
            "expected_loss": mean,
            "capital": capital,
            "insurance_limit": limit,
            "insurance_requirement": requirement,
            "pool_requirement": beyond,
            "pool_contribution": pool * weights / weights.sum(),
            # estimated from the binned losses, within their bound
            "expected_insurance_payout": payout,
            "premium": payout + scenario.buffers.cost_of_capital * np.maximum(requirement - payout, 0),
        }

    failures = failed.sum(axis=1)
    return {
        "system": {
            "draws": n,
            "expected_loss": system.mean(),
            "standard_deviation": system.std(),
            "max_loss": system.max(),
            "expected_direct_loss": np.concatenate([o.direct for _, o in outcomes]).mean(),
            "expected_real_economy_loss": np.concatenate([o.real_economy for _, o in outcomes]).mean(),
            "value_at_risk": {f"{a:g}": system[tail(a)][-1] for a in scenario.levels},
            "expected_shortfall": {f"{a:g}": system[tail(a)].mean() for a in scenario.levels},
            "expected_defaults": defaults.mean(),
            "probability_of_defaults": {str(k): (defaults >= k).mean() for k in scenario.default_counts},
        },
        "pool": pool,
        "default_probability": defaulted.mean(axis=1),
        "institutions": entities(institutions),
        "deployments": entities(deployments),
        "contribution": np.mean(
            [shapley(plan, network, failed[:, d], moves_all[:, d]) for d in capital_tail], axis=0
        )[:-1],
        "loss_given_failure": np.where(
            failures > 0, (failed * system).sum(axis=1) / np.maximum(failures, 1), 0
        ),
    }


def same(streamed: Any, full: Any) -> None:
    assert np.allclose(
        np.asarray(streamed, dtype=float), np.asarray(full, dtype=float), rtol=1e-12, atol=1e-9
    )


@pytest.mark.parametrize("text", [TIED, SMOOTH], ids=["ties", "smooth"])
@pytest.mark.parametrize(
    "chunk_size", [3001, 97, 1000, 1], ids=["one chunk", "many", "uneven last", "per draw"]
)
def test_every_figure_equals_the_one_from_every_draw(
    text: str, chunk_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attribution, "MIN_BUDGET", 2**20)  # every tail draw exact, as the reference
    network = sample_network()
    run = scenario(text + f"chunk_size: {chunk_size}\n")
    if chunk_size == 1:
        run = run.model_copy(update={"draws": 101})
    metrics = run_stress_test(network, run).metrics
    full = reference(network, run)
    system = metrics["system"]
    assert system["draws"] == full["system"]["draws"]
    for key in ("value_at_risk", "expected_shortfall", "probability_of_defaults"):
        assert system[key].keys() == full["system"][key].keys()
        same(list(system[key].values()), list(full["system"][key].values()))
    for key in ("expected_loss", "standard_deviation", "max_loss", "expected_direct_loss",
                "expected_real_economy_loss", "expected_defaults"):  # fmt: skip
        same(system[key], full["system"][key])
    same(metrics["pool"]["size"], full["pool"])
    same([row["default_probability"] for row in metrics["institutions"]], full["default_probability"])
    for table in ("institutions", "deployments"):
        rows = metrics[table]
        for column, values in full[table].items():
            if column in ("expected_insurance_payout", "premium"):
                error = np.array([row["premium_error"] for row in rows])
                assert (np.abs([row[column] for row in rows] - values) <= error + 1e-9).all()
            else:
                same([row[column] for row in rows], values)
    same([row["expected_shortfall_contribution"] for row in metrics["providers"]], full["contribution"])
    same(
        [row["expected_loss_given_failure"] or 0 for row in metrics["providers"]], full["loss_given_failure"]
    )


def test_the_kept_largest_are_exactly_the_largest_whatever_the_order_of_arrival() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 40, 5000).astype(float)  # many ties
    draws = np.arange(values.size)
    rows = np.column_stack([values, draws.astype(float)])
    expected = np.lexsort((draws, -values))[:700]
    for batches in (1, 7, 50, 5000):
        for permutation in (np.arange(batches), rng.permutation(batches)):
            largest = Largest(700, 2)
            parts = np.array_split(np.arange(values.size), batches)
            for k in permutation:
                largest.add(values[parts[k]], draws[parts[k]], rows[parts[k]])
            kept, kept_draws, kept_rows = largest.sorted()
            assert np.array_equal(kept_draws, expected) and np.array_equal(kept, values[expected])
            assert np.array_equal(kept_rows[:, 1], expected)


BOUNDED = """
draws: {draws}
chunk_size: 1000
correlated_failures:
  providers: {{probability: 0.05, loss_rate: 0.6}}
  models: {{probability: 0.03, loss_rate: 0.5}}
asset_shocks: [{{sector: all, mean: -0.02, volatility: 0.05}}]
levels: [0.99, 0.999]
buffers: {{capital_level: 0.999, pool_quantile: 0.995}}
"""


def _peak(draws: int) -> int:
    network, run = sample_network(), scenario(BOUNDED.format(draws=draws))
    tracemalloc.start()
    try:
        run_stress_test(network, run)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulate, "SAMPLE_SIZE", 10_000)  # a smaller sample, for a faster test
    run_stress_test(sample_network(), scenario(BOUNDED.format(draws=100)))  # compile the kernels
    # Both runs fill the sample; beyond it only the tail grows: 2,000 more losses, 200 more rows.
    small, large = _peak(20_000), _peak(220_000)
    one_array = 8 * 200_000  # what keeping one float64 for each extra draw would add
    tail = tail_memory(Tails.of(scenario(BOUNDED.format(draws=220_000))), detail_width(sample_network()))
    assert large - small < min(tail, one_array / 2), (small, large, tail)


def test_a_run_whose_tail_would_not_fit_is_refused_before_it_starts() -> None:
    network = sample_network()
    largest = scenario("draws: 100000000\nlevels: [0.95, 0.99, 0.999]\n")
    tails = check_tail_memory(largest, network)  # the schema's maximum fits, with the shipped levels
    assert tails == Tails(5_000_000, 1_000_000)
    width = 5 + 8 + 1  # institutions, deployments, and the draw's second-round loss
    assert detail_width(network) == width
    # the run's tail and the batches' (as many draws again), 16 bytes a draw each
    assert tail_memory(tails, width) == 5 * (32 * 5_000_000 + 8 * (2 + width) * 1_000_000) < TAIL_MEMORY_LIMIT
    with pytest.raises(Exception, match="tail would take more memory") as refused:
        check_tail_memory(largest.model_copy(update={"levels": [0.5]}), network)
    assert refused.value.evidence["tail_draws"] == 50_000_000  # type: ignore[attr-defined]


def test_the_exceedance_curve_is_exact_in_the_tail_and_close_beyond_it() -> None:
    losses = np.random.default_rng(8).lognormal(0, 1, 1_000_000)
    exact = np.sort(losses)[::-1]
    run = Losses(draws=losses.size, sample=losses[::10], largest=exact[:1000])
    rows = chart_specs.exceedance(run, "EUR")["data"]["values"]
    for row in rows:
        rank = round(row["probability"] * losses.size)
        if rank <= 1000:
            assert row["loss"] == exact[rank - 1]
        else:  # the sample's quantile: its rank among all draws is off by its sampling error,
            # about sqrt(rank × 10) for a sample of every tenth draw: allow four times that
            assert abs(np.searchsorted(-exact, -row["loss"]) - rank) <= 4 * np.sqrt(rank * 10) + 10
    histogram = chart_specs.loss_distribution(run, {"value_at_risk": {}, "expected_shortfall": {}}, "EUR")
    assert sum(bar["draws"] for bar in histogram["layer"][0]["data"]["values"]) == pytest.approx(1e6, abs=80)
