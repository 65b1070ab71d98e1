"""The reverse stress test, against answers worked out by hand and by trying every set."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.risk.engine.network import Network
from custos.risk.engine.network_build import Columns, assemble
from custos.risk.engine.plan import Plan, compile_plan
from custos.risk.engine.reverse_stress import EXHAUSTIVE, GREEDY, NONE, reverse_stress, set_losses
from custos.risk.engine.scenario import Scenario
from tests.unit.risk.sample import sample_network, scenario


def three_clouds() -> Network:
    """A bank with equity 60 whose one deployment (exposure 100) runs on a model hosted 40% on
    P1, 40% on P2 and 20% on P3, with no failover."""
    return assemble(
        Columns(
            name="three clouds",
            currency="EUR",
            provider_ids=["p1", "p2", "p3"],
            provider_names=["P1", "P2", "P3"],
            model_ids=["m"],
            model_names=["M"],
            model_developers=["lab"],
            hosting_model=["m", "m", "m"],
            hosting_provider=["p1", "p2", "p3"],
            hosting_share=[0.4, 0.4, 0.2],
            hosting_failover=[0.0, 0.0, 0.0],
            deployment_ids=["d"],
            deployment_names=["D"],
            deployment_owner=["bank"],
            deployment_model=["m"],
            deployment_exposure=[100.0],
            deployment_fallback=[None],
            deployment_host=[None],
            institution_ids=["bank"],
            institution_names=["Bank"],
            institution_sector=["banks"],
            external_assets=[100.0],
            external_liabilities=[40.0],
        )
    )


def clouds_plan(**extra: Any) -> Plan:
    # a provider down loses half its share of the exposure: P1 and P2 20 each, P3 10; the model's
    # own failure costs nothing (loss rate 0), so it is never a candidate
    return compile_plan(
        three_clouds(),
        Scenario.model_validate(
            {
                "name": "clouds",
                "seed": 1,
                "correlated_failures": {
                    "providers": {"probability": 0.0, "loss_rate": 0.5},
                    "models": {"probability": 0.0, "loss_rate": 0.0},
                },
                **extra,
            }
        ),
    )


def test_two_specific_clouds_are_the_smallest_set_that_breaches() -> None:
    # alone: 20, 20, 10 (all below 35); pairs: P1 + P2 = 40 breaches, P1 + P3 = P2 + P3 = 30 do not
    result = reverse_stress(clouds_plan(), three_clouds(), 35.0)
    assert result.method == EXHAUSTIVE and result.size == 2 and result.breaching == 1
    assert [found.units for found in result.sets] == [(0, 1)]
    assert result.sets[0].loss == pytest.approx(40.0, rel=1e-12)
    assert result.candidates == (0, 1, 2) and result.baseline == 0.0
    assert result.evaluated == 1 + 3 + 3  # nothing, every single cloud, every pair
    assert result.explanation.startswith("exhaustive:")


def test_breaching_sets_are_reported_largest_loss_first() -> None:
    result = reverse_stress(clouds_plan(), three_clouds(), 25.0)
    assert result.size == 2 and result.breaching == 3
    assert [found.loss for found in result.sets] == pytest.approx([40.0, 30.0, 30.0], rel=1e-12)
    assert [found.units for found in result.sets] == [(0, 1), (0, 2), (1, 2)]


def test_beyond_the_largest_size_the_search_extends_greedily_and_says_it_is_an_upper_bound() -> None:
    # size 1 tops at 20 (P1, the first of two equal); adding P2 makes 40, then P3 50 ≥ 45
    result = reverse_stress(clouds_plan(), three_clouds(), 45.0, max_size=1)
    assert result.method == GREEDY and result.size == 3
    assert result.sets[0].units == (0, 1, 2) and result.sets[0].loss == pytest.approx(50.0, rel=1e-12)
    assert result.explanation.startswith("greedy: an upper bound on the smallest size")


def test_a_threshold_nothing_reaches_is_said_so_with_the_worst_loss() -> None:
    result = reverse_stress(clouds_plan(), three_clouds(), 1000.0)
    assert result.method == NONE and result.size is None and result.sets == ()
    assert result.worst.units == (0, 1, 2) and result.worst.loss == pytest.approx(50.0, rel=1e-12)


def test_mean_asset_moves_apply_and_can_breach_with_no_failure() -> None:
    # a 40% fall of the bank's 100 of external assets loses 40 with nothing failing
    plan = clouds_plan(asset_shocks=[{"sector": "all", "mean": -0.4, "volatility": 0.3}])
    result = reverse_stress(plan, three_clouds(), 35.0)
    assert result.size == 0 and result.sets[0].units == () and result.baseline == pytest.approx(40.0)
    # with the fall, P3 alone (10) is enough for 45 … and the volatility is not drawn
    assert reverse_stress(plan, three_clouds(), 45.0).sets[-1].units == (2,)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"threshold": 0.0}, "positive amount"),
        ({"threshold": float("nan")}, "positive amount"),
        ({"threshold": 1.0, "candidates": 0}, "candidates"),
        ({"threshold": 1.0, "max_size": 9}, "largest set size"),
        ({"threshold": 1.0, "candidates": 200, "max_size": 8}, "more than"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        reverse_stress(clouds_plan(), three_clouds(), **arguments)


def test_a_scenario_that_gives_no_unit_a_loss_rate_is_refused() -> None:
    plan = compile_plan(three_clouds(), Scenario.model_validate({"name": "calm", "seed": 1}))
    with pytest.raises(InvalidInput, match="no provider or model a loss rate"):
        reverse_stress(plan, three_clouds(), 10.0)


SAMPLE = """
correlated_failures:
  providers: {probability: 0.0, loss_rate: 0.6}
  models: {probability: 0.0, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
contagion: {model: rogers-veraart, alpha: 0.5, beta: 0.7}
"""


def sample_plan() -> Plan:
    return compile_plan(sample_network(), scenario(SAMPLE))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=7, max_size=7))
def test_the_loss_never_falls_when_a_unit_joins_the_failed_set(membership: list[tuple[bool, bool]]) -> None:
    # B holds the units marked in either flag, A those marked in both: A ⊆ B
    larger = tuple(k for k, (a, b) in enumerate(membership) if a or b)
    smaller = tuple(k for k, (a, b) in enumerate(membership) if a and b)
    small, large = set_losses(sample_plan(), sample_network(), [smaller, larger])
    assert small <= large * (1 + 1e-12) + 1e-9


@settings(max_examples=15, deadline=None)
@given(st.floats(min_value=1.0, max_value=2_500.0))
def test_the_answer_is_the_smallest_size_that_trying_every_set_finds(threshold: float) -> None:
    plan, network = sample_plan(), sample_network()
    every = [s for size in range(8) for s in itertools.combinations(range(7), size)]
    losses = dict(zip(every, set_losses(plan, network, every), strict=True))
    breaching = [s for s, loss in losses.items() if loss >= threshold]
    result = reverse_stress(plan, network, threshold, candidates=7, max_size=7)
    if not breaching:
        assert result.method == NONE
        return
    smallest = min(len(s) for s in breaching)
    assert result.method == EXHAUSTIVE and result.size == smallest
    expected = sorted((s for s in breaching if len(s) == smallest), key=lambda s: (-losses[s], s))
    assert [found.units for found in result.sets] == expected[:10]
    assert result.breaching == len(expected)
    assert np.allclose([found.loss for found in result.sets], [losses[s] for s in expected[:10]])
