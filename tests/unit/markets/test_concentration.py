"""Concentration indices, their uncertainty and the guideline bands, against hand-computed cases,
the published HHI example and the thresholds' own wording."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from custos.core.errors import InvalidInput
from custos.markets.concentration import (
    EU_ABOVE_INDICATORS,
    EU_BELOW_1000,
    EU_HIGH_SMALL_DELTA,
    EU_LARGE_PARTY,
    EU_MARKET_HIGH,
    EU_MARKET_MIDDLE,
    EU_MIDDLE_SMALL_DELTA,
    US_HIGHLY_CONCENTRATED,
    US_NO_PRESUMPTION,
    US_NOT_HIGHLY_CONCENTRATED,
    US_PRESUMED_BY_CONCENTRATION,
    US_PRESUMED_BY_SHARE,
    Shares,
    assess_levels,
    assess_merger,
    classify_market,
    concentration_ratio,
    delta_hhi,
    equivalent_firms,
    hhi,
    indices,
    interval_indices,
    post_merger,
    sample_sizes,
)

FOUR = Shares.from_sizes({"a": 30, "b": 30, "c": 20, "d": 20})


# --- the indices -------------------------------------------------------------------------------


def test_published_example_thirty_thirty_twenty_twenty_is_2600() -> None:
    # U.S. DOJ, "Herfindahl-Hirschman Index": 30² + 30² + 20² + 20² = 2,600.
    assert hhi(FOUR) == pytest.approx(2_600)


def test_shares_are_normalised_whatever_the_unit() -> None:
    shares = Shares.from_sizes({"x": 3_000_000, "y": 1_000_000, "z": 0})
    assert shares.values == pytest.approx((0.75, 0.25, 0.0))
    assert hhi(shares) == pytest.approx(75**2 + 25**2)


def test_monopoly() -> None:
    monopoly = Shares.from_sizes({"only": 7.0})
    assert hhi(monopoly) == 10_000
    assert equivalent_firms(monopoly) == 1
    assert concentration_ratio(monopoly, 3) == 1


@pytest.mark.parametrize("n", [1, 2, 5, 10, 200])
def test_n_equal_firms(n: int) -> None:
    shares = Shares.from_sizes({f"f{i}": 1.0 for i in range(n)})
    assert hhi(shares) == pytest.approx(10_000 / n)
    assert equivalent_firms(shares) == pytest.approx(n)
    assert concentration_ratio(shares, 1) == pytest.approx(1 / n)


def test_concentration_ratios_take_the_largest_firms() -> None:
    shares = Shares.from_sizes({"small": 5, "big": 50, "mid": 25, "tiny": 20})
    assert concentration_ratio(shares, 1) == pytest.approx(0.50)
    assert concentration_ratio(shares, 2) == pytest.approx(0.75)
    assert concentration_ratio(shares, 3) == pytest.approx(0.95)
    assert concentration_ratio(shares, 10) == pytest.approx(1.0)
    assert equivalent_firms(FOUR) == pytest.approx(1 / 0.26)


@pytest.mark.parametrize("sizes", [{}, {"a": 0, "b": 0}, {"a": -1, "b": 2}, {"a": math.nan}, {"": 1}])
def test_refused_sizes(sizes: dict[str, float]) -> None:
    with pytest.raises(InvalidInput):
        Shares.from_sizes(sizes)


def test_concentration_ratio_of_no_firms_is_refused() -> None:
    with pytest.raises(InvalidInput):
        concentration_ratio(FOUR, 0)


# --- mergers -----------------------------------------------------------------------------------


def test_delta_of_two_firms_is_twice_their_product() -> None:
    assert delta_hhi(FOUR, ["a", "c"]) == pytest.approx(2 * 30 * 20)
    assert delta_hhi(FOUR, ["a", "b", "c"]) == pytest.approx(2 * (30 * 30 + 30 * 20 + 30 * 20))


def test_post_merger_market() -> None:
    after = post_merger(FOUR, ["c", "d"], "cd")
    assert dict(zip(after.names, after.values, strict=True)) == pytest.approx({"a": 0.3, "b": 0.3, "cd": 0.4})
    assert hhi(after) == pytest.approx(900 + 900 + 1_600)
    assert post_merger(FOUR, ["a", "b"], "a").of("a") == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("merging", "name"),
    [(["a"], "a"), (["a", "a"], "a"), (["a", "zz"], "a"), (["a", "b"], "c")],
)
def test_refused_mergers(merging: list[str], name: str) -> None:
    with pytest.raises(InvalidInput):
        post_merger(FOUR, merging, name)


@given(
    sizes=st.lists(st.floats(min_value=0.0, max_value=1e6, allow_nan=False), min_size=2, max_size=12).filter(
        lambda sizes: sum(sizes) > 1e-3
    ),
    data=st.data(),
)
def test_delta_equals_post_minus_pre(sizes: list[float], data: st.DataObject) -> None:
    shares = Shares.from_sizes({f"f{i}": size for i, size in enumerate(sizes)})
    merging = data.draw(st.lists(st.sampled_from(shares.names), min_size=2, max_size=len(sizes), unique=True))
    after = post_merger(shares, merging, "merged")
    assert delta_hhi(shares, merging) == pytest.approx(hhi(after) - hhi(shares), abs=1e-6)
    if len(merging) == 2:
        s1, s2 = (shares.of(name) for name in merging)
        assert delta_hhi(shares, merging) == pytest.approx(2 * (100 * s1) * (100 * s2), abs=1e-6)


# --- bands: markets ----------------------------------------------------------------------------


def test_us_highly_concentrated_is_strictly_above_1800() -> None:
    assert classify_market(1_800).us.band is US_NOT_HIGHLY_CONCENTRATED
    assert classify_market(1_800.01).us.band is US_HIGHLY_CONCENTRATED
    assert "2023" in classify_market(1_800.01).us.citation


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (999.99, EU_BELOW_1000),
        (1_000, EU_MARKET_MIDDLE),
        (2_000, EU_MARKET_MIDDLE),
        (2_000.01, EU_MARKET_HIGH),
    ],
)
def test_eu_market_levels(value: float, band: object) -> None:
    assert classify_market(value).eu.band is band


@pytest.mark.parametrize("value", [-1, 10_000.5, math.inf])
def test_impossible_hhi_refused(value: float) -> None:
    with pytest.raises(InvalidInput):
        classify_market(value)


# --- bands: mergers ----------------------------------------------------------------------------


def test_us_presumption_needs_both_strict_inequalities() -> None:
    assert assess_levels(1_800.01, 100.01, 0.2, 0.1).us.band is US_PRESUMED_BY_CONCENTRATION
    assert assess_levels(1_800, 100.01, 0.2, 0.1).us.band is US_NO_PRESUMPTION
    assert assess_levels(1_800.01, 100, 0.2, 0.1).us.band is US_NO_PRESUMPTION


def test_us_share_presumption() -> None:
    assert assess_levels(1_500, 100.01, 0.3001, 0.2).us.band is US_PRESUMED_BY_SHARE
    assert assess_levels(1_500, 100.01, 0.30, 0.2).us.band is US_NO_PRESUMPTION
    assert assess_levels(1_500, 100, 0.40, 0.2).us.band is US_NO_PRESUMPTION


@pytest.mark.parametrize(
    ("post", "delta", "band"),
    [
        (999.99, 5_000, EU_BELOW_1000),
        (1_000, 249.99, EU_MIDDLE_SMALL_DELTA),
        (1_000, 250, EU_ABOVE_INDICATORS),
        (2_000, 249.99, EU_MIDDLE_SMALL_DELTA),
        (2_000, 250, EU_ABOVE_INDICATORS),
        (2_000.01, 149.99, EU_HIGH_SMALL_DELTA),
        (2_000.01, 150, EU_ABOVE_INDICATORS),
        (2_000.01, 200, EU_ABOVE_INDICATORS),
    ],
)
def test_eu_merger_bands_at_their_thresholds(post: float, delta: float, band: object) -> None:
    assessment = assess_levels(post, delta, 0.2, 0.1)
    assert assessment.eu.band is band
    assert "2004/C 31/03" in assessment.eu.citation


def test_eu_large_merging_party_loses_the_safe_harbour() -> None:
    assert assess_levels(5_000, 100, 0.51, 0.50).eu.band is EU_LARGE_PARTY
    assert assess_levels(5_000, 100, 0.51, 0.4999).eu.band is EU_HIGH_SMALL_DELTA


def test_assess_merger_from_shares() -> None:
    # 30/30/20/20, the two 20s merge: post 3,400, delta 800 (U.S. presumed; EU above indicators).
    assessment = assess_merger(FOUR, ["c", "d"])
    assert assessment.us.band is US_PRESUMED_BY_CONCENTRATION
    assert "3,400" in assessment.us.reason and "800" in assessment.us.reason
    assert assessment.eu.band is EU_ABOVE_INDICATORS
    # 100 firms of 1%: two merge, delta 2 and post-merger HHI 102: nothing in either text.
    atomistic = Shares.from_sizes({f"f{i}": 1 for i in range(100)})
    small = assess_merger(atomistic, ["f0", "f1"])
    assert small.us.band is US_NO_PRESUMPTION
    assert small.eu.band is EU_BELOW_1000


def test_assess_merger_exactly_at_the_thresholds() -> None:
    # 30 + 10 + 10 + five of 10: pre-merger HHI 900 + 100 + 100 + 500 = 1,600; the two 10% firms
    # b and c merge: delta 2·10·10 = 200, post-merger HHI exactly 1,800, which is not "greater".
    at_1800 = Shares.from_sizes({"a": 30, "b": 10, "c": 10, **{f"e{i}": 10 for i in range(5)}})
    assert assess_merger(at_1800, ["b", "c"]).us.band is US_NO_PRESUMPTION
    # 50 + 10 + 5 + 35 of 1: post-merger HHI 2,760; merging 10 and 5 changes it by exactly 100.
    at_100 = Shares.from_sizes({"a": 50, "b": 10, "c": 5, **{f"e{i}": 1 for i in range(35)}})
    assert delta_hhi(at_100, ["b", "c"]) == pytest.approx(100)
    assessment = assess_merger(at_100, ["b", "c"])
    assert assessment.us.band is US_NO_PRESUMPTION
    assert assessment.eu.band is EU_HIGH_SMALL_DELTA
    # The same market, with a and b merging: delta 1,000, merged share 60%, a holding 50%.
    big = assess_merger(at_100, ["a", "b"])
    assert big.us.band is US_PRESUMED_BY_CONCENTRATION
    assert big.us.reason == (
        "The HHI changes by 1,000, more than 100, and post-merger HHI 3,660 is greater than 1,800 "
        "and the merged firm's share of 60% is greater than 30%."
    )
    assert big.eu.band is EU_ABOVE_INDICATORS


# --- uncertainty -------------------------------------------------------------------------------


def test_single_firm_percentiles_are_recovered() -> None:
    draws = 200_000
    sizes = sample_sizes({"x": 20.0}, {"x": 50.0}, {"x": 400.0}, draws=draws, seed=7)[:, 0]
    # Monte Carlo error of an estimated percentile p: sqrt(p(1-p)/n) in probability; allow 4σ.
    for p, target in ((0.05, 20.0), (0.50, 50.0), (0.95, 400.0)):
        below = float(np.mean(sizes < target))
        assert abs(below - p) < 4 * math.sqrt(p * (1 - p) / draws)


def test_split_lognormal_matches_an_ordinary_lognormal_when_symmetric() -> None:
    # A log-normal with median 100 and sigma 0.5 has its 5th/95th at 100·exp(∓0.5·z95).
    z95 = float(norm.ppf(0.95))
    low, high = 100 * math.exp(-0.5 * z95), 100 * math.exp(0.5 * z95)
    sizes = sample_sizes({"x": low}, {"x": 100.0}, {"x": high}, draws=100_000, seed=1)[:, 0]
    assert float(np.std(np.log(sizes))) == pytest.approx(0.5, rel=0.01)


def test_interval_is_deterministic_by_seed_and_independent_of_order() -> None:
    low, med, high = (
        {"a": 10.0, "b": 5.0, "c": 1.0},
        {"a": 20.0, "b": 10.0, "c": 2.0},
        {"a": 40.0, "b": 30.0, "c": 3.0},
    )
    first = interval_indices(low, med, high, draws=2_000, seed=3)
    assert interval_indices(low, med, high, draws=2_000, seed=3) == first
    reordered = {name: med[name] for name in ("c", "a", "b")}
    assert interval_indices(low, reordered, high, draws=2_000, seed=3) == first
    assert interval_indices(low, med, high, draws=2_000, seed=4) != first


def test_interval_collapses_to_the_point_estimate_without_uncertainty() -> None:
    sizes = {"a": 30.0, "b": 30.0, "c": 20.0, "d": 20.0}
    result = interval_indices(sizes, sizes, sizes, draws=100)
    assert result.hhi.low == pytest.approx(2_600) and result.hhi.high == pytest.approx(2_600)
    assert result.cr1.median == pytest.approx(0.3)
    assert result.cr3.median == pytest.approx(0.8)
    assert result.cr5.median == pytest.approx(1.0)
    assert result.equivalent_firms.median == pytest.approx(1 / 0.26)


def test_interval_agrees_with_the_indices_computed_market_by_market() -> None:
    low = {"a": 50.0, "b": 20.0, "c": 1.0, "d": 2.0, "e": 3.0, "f": 0.5}
    med = {"a": 100.0, "b": 100.0, "c": 10.0, "d": 5.0, "e": 6.0, "f": 1.0}
    high = {"a": 200.0, "b": 500.0, "c": 11.0, "d": 50.0, "e": 7.0, "f": 9.0}
    result = interval_indices(low, med, high, draws=500, seed=5)
    names = sorted(med)
    markets = [
        Shares.from_sizes(dict(zip(names, row, strict=True)))
        for row in sample_sizes(low, med, high, draws=500, seed=5)
    ]
    for index, interval in (
        (hhi, result.hhi),
        (lambda shares: concentration_ratio(shares, 1), result.cr1),
        (lambda shares: concentration_ratio(shares, 3), result.cr3),
        (lambda shares: concentration_ratio(shares, 5), result.cr5),
        (equivalent_firms, result.equivalent_firms),
    ):
        expected = np.percentile([index(market) for market in markets], [5, 50, 95])
        assert (interval.low, interval.median, interval.high) == pytest.approx(tuple(expected))


@pytest.mark.parametrize(
    ("low", "med", "high"),
    [
        ({"a": 1.0}, {"a": 2.0}, {"b": 3.0}),
        ({"a": 3.0}, {"a": 2.0}, {"a": 4.0}),
        ({"a": 0.0}, {"a": 2.0}, {"a": 4.0}),
        ({}, {}, {}),
    ],
)
def test_interval_refuses_bad_percentiles(
    low: dict[str, float], med: dict[str, float], high: dict[str, float]
) -> None:
    with pytest.raises(InvalidInput):
        interval_indices(low, med, high, draws=10)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=4).filter(str.strip),
        st.floats(min_value=0.001, max_value=1e9),
        min_size=1,
        max_size=30,
    )
)
def test_the_vectorised_indices_agree_with_the_textbook_definitions(sizes: dict[str, float]) -> None:
    shares = Shares.from_sizes(sizes)
    found = indices(sizes)
    assert found.hhi == pytest.approx(hhi(shares), rel=1e-12)
    assert found.cr1 == pytest.approx(concentration_ratio(shares, 1), rel=1e-12)
    assert found.cr5 == pytest.approx(concentration_ratio(shares, 5), rel=1e-12)
    assert found.equivalent_firms == pytest.approx(equivalent_firms(shares), rel=1e-12)
    assert found.fringe_share == 0


def test_indices_refuse_a_market_of_aggregates_only_or_of_bad_sizes() -> None:
    with pytest.raises(InvalidInput, match="not an aggregate"):
        indices({"Other": 5.0}, fringe={"Other"})
    with pytest.raises(InvalidInput, match="finite"):
        indices({"a": float("nan")})
