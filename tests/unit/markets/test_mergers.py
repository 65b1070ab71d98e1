"""A merger's change in concentration, worked out by hand against the guidelines' bands."""

from __future__ import annotations

from datetime import date

import pytest

from custos.markets.layers import point
from custos.markets.mergers import concentration_changes
from custos.markets.views import MarketView


def _market(
    sizes: dict[str, float], fringe: frozenset[str] = frozenset(), sector: str | None = None
) -> MarketView:
    found = point(date(2026, 1, 1), sizes, {}, organisations={k: k for k in sizes}, fringe=fringe)
    assert found is not None
    return MarketView(
        layer="deployments",
        key="hosts",
        title="t",
        unit="deployments",
        source="s",
        sector=sector,
        points=(found,),
    )


def test_two_firms_of_30_and_20_percent_raise_the_hhi_by_1200_and_are_presumed_in_the_us() -> None:
    # 30² + 20² + 25² + 25² = 2,550 before; 2·30·20 = 1,200 more after
    (change,) = concentration_changes([_market({"a": 30, "b": 20, "c": 25, "d": 25})], "a", "b")
    assert (change.pre_hhi, change.delta_hhi, change.post_hhi) == (
        pytest.approx(2_550),
        pytest.approx(1_200),
        pytest.approx(3_750),
    )
    assert change.merged_share == pytest.approx(0.5)
    assert change.us.key == "presumed_by_concentration"
    assert change.eu.key == "above_indicators"


def test_a_market_with_one_party_changes_nothing_and_one_with_neither_is_left_out() -> None:
    one, neither = _market({"a": 60, "c": 40}, sector="finance"), _market({"c": 50, "d": 50})
    (change,) = concentration_changes([one, neither], "a", "b")
    assert change.delta_hhi == 0 and change.post_hhi == pytest.approx(change.pre_hhi)
    assert change.sector == "finance" and change.us.key == "no_structural_presumption"


def test_the_change_counts_shares_of_the_whole_market_aggregates_included() -> None:
    market = _market({"a": 40, "b": 10, "rest": 50}, fringe=frozenset({"rest"}))
    (change,) = concentration_changes([market], "a", "b")
    assert change.pre_hhi == pytest.approx(1_600 + 100)
    assert change.delta_hhi == pytest.approx(2 * 40 * 10)


def test_at_exactly_100_points_the_us_guidelines_see_no_significant_increase() -> None:
    # 2·s_a·s_b = 100 with s_a = 5%, s_b = 10%: "more than 100" is strict
    (change,) = concentration_changes([_market({"a": 5, "b": 10, "c": 45, "d": 40})], "a", "b")
    assert change.delta_hhi == pytest.approx(100)
    assert change.us.key == "no_structural_presumption"
