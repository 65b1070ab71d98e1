"""Concentration of a market (HHI, CR_k, equivalent firms), its uncertainty when firms' sizes are
known only as percentiles, and where a market or a merger falls in the U.S. and EU guideline bands.

The indices follow their textbook definitions: the Herfindahl-Hirschman Index is the sum of the
squared shares in percent (0 to 10,000), CR_k the summed share of the k largest firms, and the
equivalent number of firms the reciprocal of the HHI on the 0-1 scale (the number of equal-sized
firms that would give the same HHI).

Thresholds are quoted from their texts with the texts' own strictness:

* U.S. Department of Justice and Federal Trade Commission, Merger Guidelines (18 December 2023),
  Guideline 1 and section 2.1: "Markets with an HHI greater than 1,800 are highly concentrated,
  and a change of more than 100 is a significant increase"; a merger creating or further
  consolidating a highly concentrated market with such a change is presumed to substantially
  lessen competition, as is one giving the merged firm a share greater than 30 percent with a
  change in HHI greater than 100. All three comparisons are strict.
* European Commission, Guidelines on the assessment of horizontal mergers (2004/C 31/03),
  paragraphs 19-21: concerns are unlikely with a post-merger HHI "below 1 000" (para 19), or
  "between 1 000 and 2 000 and a delta below 250", or "above 2 000 and a delta below 150"
  (para 20) except in special circumstances, one of which, (f), is that "one of the merging
  parties has a pre-merger market share of 50 % or more"; the levels are an initial indicator
  and raise no presumption either way (para 21). "Below" and "above" are strict, so 1,000 and
  2,000 themselves fall in the middle band; (f)'s "or more" is inclusive.

Shares are computed from sizes in floating point (30/30/20/20 gives 2,600.0000000000005), so
the merger assessment rounds the HHI and its change to a millionth of a point before comparing:
a market exactly at a threshold then lands on the side its text puts it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from custos.core.errors import InvalidInput
from custos.core.units import number, percent

#: The HHI of a monopoly: one firm with 100 percent, squared.
HHI_SCALE = 10_000.0
#: Decimal places kept before comparing an HHI with a threshold (see the module's note).
COMPARISON_DECIMALS = 6
#: The standard normal's 95th percentile: a log-normal's 5th/95th lie this many sigmas out.
Z_95 = 1.6448536269514722

US_CITATION = (
    "U.S. Department of Justice and Federal Trade Commission, Merger Guidelines "
    "(18 December 2023), Guideline 1, section 2.1"
)
EU_CITATION_19 = (
    "European Commission, Guidelines on the assessment of horizontal mergers (2004/C 31/03), para 19"
)
EU_CITATION_20 = (
    "European Commission, Guidelines on the assessment of horizontal mergers (2004/C 31/03), paras 20-21"
)
EU_CITATION_20F = (
    "European Commission, Guidelines on the assessment of horizontal mergers (2004/C 31/03), para 20(f)"
)
EU_CITATION_21 = (
    "European Commission, Guidelines on the assessment of horizontal mergers (2004/C 31/03), para 21"
)

#: 2023 Merger Guidelines, section 2.1: "an HHI greater than 1,800" is highly concentrated.
US_HIGHLY_CONCENTRATED_HHI = 1_800.0
#: 2023 Merger Guidelines, section 2.1: "a change of more than 100 is a significant increase".
US_SIGNIFICANT_DELTA = 100.0
#: 2023 Merger Guidelines, section 2.1: a merged firm's share "greater than thirty percent".
US_MERGED_SHARE = 0.30
#: EU guidelines para 19: concerns unlikely with a post-merger HHI "below 1 000".
EU_LOW_HHI = 1_000.0
#: EU guidelines para 20: the middle band runs "between 1 000 and 2 000".
EU_HIGH_HHI = 2_000.0
#: EU guidelines para 20: in the middle band, "a delta below 250".
EU_MIDDLE_DELTA = 250.0
#: EU guidelines para 20: above 2,000, "a delta below 150".
EU_HIGH_DELTA = 150.0
#: EU guidelines para 20(f): a merging party with "a pre-merger market share of 50 % or more".
EU_LARGE_PARTY_SHARE = 0.50


@dataclass(frozen=True)
class Band:
    """One band of a guideline: what it says, the condition in the text's words, and where."""

    jurisdiction: str
    code: str
    label: str
    condition: str
    citation: str


US_HIGHLY_CONCENTRATED = Band(
    "US", "highly_concentrated", "Highly concentrated", "HHI greater than 1,800", US_CITATION
)
US_NOT_HIGHLY_CONCENTRATED = Band(
    "US", "not_highly_concentrated", "Not highly concentrated", "HHI of 1,800 or less", US_CITATION
)
US_PRESUMED_BY_CONCENTRATION = Band(
    "US",
    "presumed_by_concentration",
    "Presumed to substantially lessen competition",
    "post-merger HHI greater than 1,800 and change in HHI greater than 100",
    US_CITATION,
)
US_PRESUMED_BY_SHARE = Band(
    "US",
    "presumed_by_share",
    "Presumed to substantially lessen competition",
    "merged firm's share greater than 30% and change in HHI greater than 100",
    US_CITATION,
)
US_NO_PRESUMPTION = Band(
    "US",
    "no_structural_presumption",
    "No structural presumption",
    "neither Guideline 1 presumption is met",
    US_CITATION,
)
EU_BELOW_1000 = Band(
    "EU",
    "below_1000",
    "Concerns unlikely",
    "post-merger HHI below 1,000",
    EU_CITATION_19,
)
EU_MIDDLE_SMALL_DELTA = Band(
    "EU",
    "middle_small_delta",
    "Concerns unlikely absent special circumstances",
    "post-merger HHI between 1,000 and 2,000 and a delta below 250",
    EU_CITATION_20,
)
EU_HIGH_SMALL_DELTA = Band(
    "EU",
    "high_small_delta",
    "Concerns unlikely absent special circumstances",
    "post-merger HHI above 2,000 and a delta below 150",
    EU_CITATION_20,
)
EU_LARGE_PARTY = Band(
    "EU",
    "large_merging_party",
    "Special circumstance: no safe harbour",
    "a merging party with a pre-merger market share of 50% or more",
    EU_CITATION_20F,
)
EU_ABOVE_INDICATORS = Band(
    "EU",
    "above_indicators",
    "Above the initial indicators",
    "HHI and delta above the levels of paras 19-20 (no presumption either way)",
    EU_CITATION_21,
)
EU_MARKET_MIDDLE = Band(
    "EU", "market_1000_to_2000", "HHI 1,000 to 2,000", "HHI between 1,000 and 2,000", EU_CITATION_20
)
EU_MARKET_HIGH = Band("EU", "market_above_2000", "HHI above 2,000", "HHI above 2,000", EU_CITATION_20)

#: The HHI levels the guidelines set for a market, with the text that sets each, lowest first.
LEVELS: tuple[tuple[float, str, str], ...] = (
    (EU_LOW_HHI, "EU 1,000", EU_CITATION_19),
    (US_HIGHLY_CONCENTRATED_HHI, "US 1,800: highly concentrated", US_CITATION),
    (EU_HIGH_HHI, "EU 2,000", EU_CITATION_20),
)

#: Every band, for listing and for pages that explain the classification.
BANDS: tuple[Band, ...] = (
    US_HIGHLY_CONCENTRATED,
    US_NOT_HIGHLY_CONCENTRATED,
    US_PRESUMED_BY_CONCENTRATION,
    US_PRESUMED_BY_SHARE,
    US_NO_PRESUMPTION,
    EU_BELOW_1000,
    EU_MIDDLE_SMALL_DELTA,
    EU_HIGH_SMALL_DELTA,
    EU_LARGE_PARTY,
    EU_ABOVE_INDICATORS,
    EU_MARKET_MIDDLE,
    EU_MARKET_HIGH,
)


@dataclass(frozen=True)
class Shares:
    """Firms' shares of one market, summing to one, in the order the sizes were given."""

    names: tuple[str, ...]
    values: tuple[float, ...]

    @classmethod
    def from_sizes(cls, sizes: Mapping[str, float]) -> Shares:
        """Shares from any measure of size (chips, revenue, users): each size over the total."""
        if not sizes:
            raise InvalidInput("A market needs at least one firm.")
        for name, size in sizes.items():
            if not name.strip():
                raise InvalidInput("Every firm needs a name.")
            if not math.isfinite(size) or size < 0:
                raise InvalidInput(
                    "A firm's size must be a finite number of zero or more.",
                    evidence={"firm": name, "size": size},
                )
        total = math.fsum(sizes.values())
        if total <= 0:
            raise InvalidInput("Every firm's size is zero, so the market has no shares.")
        return cls(tuple(sizes), tuple(size / total for size in sizes.values()))

    def of(self, name: str) -> float:
        """One firm's share; a name not in the market is refused rather than read as zero."""
        try:
            return self.values[self.names.index(name)]
        except ValueError:
            raise InvalidInput("No firm of that name in this market.", evidence={"firm": name}) from None


def hhi(shares: Shares) -> float:
    """The Herfindahl-Hirschman Index: shares in percent, squared and summed (0 to 10,000)."""
    return HHI_SCALE * math.fsum(share * share for share in shares.values)


def concentration_ratio(shares: Shares, k: int) -> float:
    """CR_k: the summed share of the k largest firms (0 to 1); all firms when fewer than k."""
    if k < 1:
        raise InvalidInput("A concentration ratio counts at least one firm.", evidence={"k": k})
    return math.fsum(sorted(shares.values, reverse=True)[:k])


def equivalent_firms(shares: Shares) -> float:
    """How many equal-sized firms would give this HHI: one over the HHI on the 0-1 scale."""
    return HHI_SCALE / hhi(shares)


@dataclass(frozen=True)
class Indices:
    """A market's indices at one moment. ``fringe_share`` is held by aggregates of many small
    firms, each counted as atomistic (adding nothing to the HHI or the ratios): the HHI is then a
    lower bound, exceeded by at most 10,000 × the sum of the aggregates' squared shares if an
    aggregate were in truth one firm."""

    hhi: float
    cr1: float
    cr3: float
    cr5: float
    equivalent_firms: float
    fringe_share: float


def indices(sizes: Mapping[str, float], fringe: Collection[str] = ()) -> Indices:
    """HHI, CR1/CR3/CR5 and the equivalent number of firms of a market, with the named ``fringe``
    entries (aggregates of many firms) in the total but not counted as firms. Vectorised, as a
    registry's market may hold a hundred thousand models; the sums are exact (``math.fsum``)."""
    if not sizes:
        raise InvalidInput("A market needs at least one firm.")
    values = np.fromiter(sizes.values(), dtype=np.float64, count=len(sizes))
    if not np.isfinite(values).all() or (values < 0).any():
        raise InvalidInput("A firm's size must be a finite number of zero or more.")
    total = math.fsum(values.tolist())
    if total <= 0:
        raise InvalidInput("Every firm's size is zero, so the market has no shares.")
    firm = np.fromiter((name not in fringe for name in sizes), dtype=np.bool_, count=len(sizes))
    shares = values[firm] / total
    if not shares.any():
        raise InvalidInput("A market needs at least one firm that is not an aggregate.")
    count = min(5, shares.size)
    largest = np.sort(np.partition(shares, shares.size - count)[shares.size - count :])[::-1].tolist()
    squared = HHI_SCALE * math.fsum((shares * shares).tolist())
    return Indices(
        hhi=squared,
        cr1=largest[0],
        cr3=math.fsum(largest[:3]),
        cr5=math.fsum(largest[:5]),
        equivalent_firms=HHI_SCALE / squared,
        fringe_share=math.fsum((values[~firm] / total).tolist()),
    )


def _merging_shares(shares: Shares, merging: Sequence[str]) -> list[float]:
    """The merging firms' shares, refusing a merger of fewer than two distinct, known firms."""
    if len(set(merging)) != len(merging):
        raise InvalidInput("A firm is named twice among the merging firms.", evidence={"merging": merging})
    if len(merging) < 2:
        raise InvalidInput("A merger needs at least two firms.", evidence={"merging": list(merging)})
    return [shares.of(name) for name in merging]


def delta_hhi(shares: Shares, merging: Sequence[str]) -> float:
    """The HHI's rise when the named firms merge and nothing else changes: 2·Σ_{i<j} s_i·s_j in
    percent, computed as (Σ s)² - Σ s² (the same sum, without the double loop)."""
    merged = _merging_shares(shares, merging)
    return HHI_SCALE * (math.fsum(merged) ** 2 - math.fsum(share * share for share in merged))


def post_merger(shares: Shares, merging: Sequence[str], name: str) -> Shares:
    """The market after the named firms merge into one called ``name``, which may be one of
    theirs but not a firm outside the merger."""
    merged = _merging_shares(shares, merging)
    if name in shares.names and name not in merging:
        raise InvalidInput(
            "The merged firm's name belongs to a firm outside the merger.", evidence={"name": name}
        )
    sizes = {
        firm: share for firm, share in zip(shares.names, shares.values, strict=True) if firm not in merging
    }
    sizes[name] = math.fsum(merged)
    return Shares.from_sizes(sizes)


@dataclass(frozen=True)
class Interval:
    """An index's 5th, 50th and 95th percentiles over the sampled markets."""

    low: float
    median: float
    high: float


@dataclass(frozen=True)
class IntervalIndices:
    """The concentration indices with their uncertainty, and how they were sampled."""

    hhi: Interval
    cr1: Interval
    cr3: Interval
    cr5: Interval
    equivalent_firms: Interval
    draws: int
    seed: int


def _checked_percentiles(
    low: Mapping[str, float], median: Mapping[str, float], high: Mapping[str, float]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each firm's three percentiles as arrays, in name order so that a draw does not depend on
    the order the mappings were built in."""
    if not median:
        raise InvalidInput("A market needs at least one firm.")
    if set(low) != set(median) or set(high) != set(median):
        raise InvalidInput(
            "The 5th, 50th and 95th percentiles must name the same firms.",
            evidence={"differing": sorted((set(low) ^ set(median)) | (set(high) ^ set(median)))},
        )
    names = sorted(median)
    for name in names:
        triple = (low[name], median[name], high[name])
        if not all(math.isfinite(value) and value > 0 for value in triple):
            raise InvalidInput(
                "Each percentile of a firm's size must be a finite number above zero.",
                evidence={"firm": name, "percentiles": triple},
            )
        if not triple[0] <= triple[1] <= triple[2]:
            raise InvalidInput(
                "A firm's 5th percentile must not exceed its median, nor its median its 95th.",
                evidence={"firm": name, "percentiles": triple},
            )
    as_array = [
        np.array([source[name] for name in names], dtype=np.float64) for source in (low, median, high)
    ]
    return as_array[0], as_array[1], as_array[2]


def sample_sizes(
    low: Mapping[str, float],
    median: Mapping[str, float],
    high: Mapping[str, float],
    *,
    draws: int,
    seed: int,
) -> npt.NDArray[np.float64]:
    """``draws`` × firms sizes, firms in name order, each drawn independently from a split
    log-normal that has exactly the given 5th, 50th and 95th percentiles.

    Why this distribution: sizes are positive and their published intervals are lopsided on a
    log scale (Epoch's chip counts reach further above the median than below). One log-normal
    has two parameters and cannot honour three asymmetric percentiles; two half log-normals
    joined at the median can: below it, log size = log median + σ_low·Z for Z < 0 with
    σ_low = ln(median / p5) / z_95; above it, σ_high = ln(p95 / median) / z_95. Each half holds
    half the probability, so the median and both tails are matched exactly. Independence across
    firms is assumed: the inputs say nothing about how firms' errors move together.
    """
    if draws < 1:
        raise InvalidInput("At least one draw is needed.", evidence={"draws": draws})
    p5, p50, p95 = _checked_percentiles(low, median, high)
    sigma_low = np.log(p50 / p5) / Z_95
    sigma_high = np.log(p95 / p50) / Z_95
    normal = np.random.default_rng(seed).standard_normal((draws, p50.size))
    sigma = np.where(normal < 0, sigma_low, sigma_high)
    sizes: npt.NDArray[np.float64] = p50 * np.exp(sigma * normal)
    return sizes


def _interval(values: npt.NDArray[np.float64]) -> Interval:
    low, median, high = np.percentile(values, [5.0, 50.0, 95.0])
    return Interval(float(low), float(median), float(high))


def interval_indices(
    low: Mapping[str, float],
    median: Mapping[str, float],
    high: Mapping[str, float],
    *,
    draws: int = 10_000,
    seed: int = 0,
    fringe: Collection[str] = (),
) -> IntervalIndices:
    """The indices' 5th/50th/95th percentiles when each firm's size is known as a 5th, 50th and
    95th percentile (see ``sample_sizes`` for the distribution). The same seed gives the same
    result; the draws are independent across firms. ``fringe`` entries count in the total only,
    as in :func:`indices`."""
    sizes = sample_sizes(low, median, high, draws=draws, seed=seed)
    firm = np.array([name not in fringe for name in sorted(median)])
    if not firm.any():
        raise InvalidInput("A market needs at least one firm that is not an aggregate.")
    shares = (sizes / sizes.sum(axis=1, keepdims=True))[:, firm]
    squared = np.einsum("ij,ij->i", shares, shares)
    largest = -np.sort(-shares, axis=1)[:, :5]
    running = np.cumsum(largest, axis=1)
    top = running.shape[1] - 1
    return IntervalIndices(
        hhi=_interval(HHI_SCALE * squared),
        cr1=_interval(running[:, 0]),
        cr3=_interval(running[:, min(2, top)]),
        cr5=_interval(running[:, min(4, top)]),
        equivalent_firms=_interval(1.0 / squared),
        draws=draws,
        seed=seed,
    )


@dataclass(frozen=True)
class Classification:
    """Where a market or a merger falls in one jurisdiction's guidelines, and why in words."""

    band: Band
    reason: str

    @property
    def citation(self) -> str:
        return self.band.citation


@dataclass(frozen=True)
class Assessment:
    """One classification per jurisdiction."""

    us: Classification
    eu: Classification


def classify_market(hhi_value: float) -> Assessment:
    """Where a market's HHI falls: the U.S. level of high concentration and the EU's HHI levels
    (which the EU guidelines read as a post-merger HHI, with a delta, in ``assess_merger``)."""
    if not math.isfinite(hhi_value) or not 0 <= hhi_value <= HHI_SCALE:
        raise InvalidInput("An HHI lies between 0 and 10,000.", evidence={"hhi": hhi_value})
    shown = number(hhi_value)
    if hhi_value > US_HIGHLY_CONCENTRATED_HHI:
        us = Classification(US_HIGHLY_CONCENTRATED, f"HHI {shown} is greater than 1,800.")
    else:
        us = Classification(US_NOT_HIGHLY_CONCENTRATED, f"HHI {shown} is not greater than 1,800.")
    if hhi_value < EU_LOW_HHI:
        eu = Classification(EU_BELOW_1000, f"HHI {shown} is below 1,000.")
    elif hhi_value <= EU_HIGH_HHI:
        eu = Classification(EU_MARKET_MIDDLE, f"HHI {shown} is between 1,000 and 2,000.")
    else:
        eu = Classification(EU_MARKET_HIGH, f"HHI {shown} is above 2,000.")
    return Assessment(us=us, eu=eu)


def assess_levels(
    post_hhi: float, delta: float, merged_share: float, largest_merging_share: float
) -> Assessment:
    """The bands for a merger given its post-merger HHI, the HHI's change, the merged firm's
    share and the largest merging party's pre-merger share (shares on the 0-1 scale)."""
    return Assessment(
        us=_us_merger(post_hhi, delta, merged_share),
        eu=_eu_merger(post_hhi, delta, largest_merging_share),
    )


def _us_merger(post_hhi: float, delta: float, merged_share: float) -> Classification:
    shown_hhi, shown_delta, shown_share = number(post_hhi), number(delta), percent(merged_share)
    if delta <= US_SIGNIFICANT_DELTA:
        return Classification(
            US_NO_PRESUMPTION, f"The HHI's change of {shown_delta} is not greater than 100."
        )
    reasons = []
    if post_hhi > US_HIGHLY_CONCENTRATED_HHI:
        reasons.append(f"post-merger HHI {shown_hhi} is greater than 1,800")
    if merged_share > US_MERGED_SHARE:
        reasons.append(f"the merged firm's share of {shown_share} is greater than 30%")
    if not reasons:
        return Classification(
            US_NO_PRESUMPTION,
            f"The HHI changes by {shown_delta}, but post-merger HHI {shown_hhi} is not greater than "
            f"1,800 and the merged firm's share of {shown_share} not greater than 30%.",
        )
    band = US_PRESUMED_BY_CONCENTRATION if post_hhi > US_HIGHLY_CONCENTRATED_HHI else US_PRESUMED_BY_SHARE
    return Classification(
        band, f"The HHI changes by {shown_delta}, more than 100, and {' and '.join(reasons)}."
    )


def _eu_merger(post_hhi: float, delta: float, largest_merging_share: float) -> Classification:
    shown_hhi, shown_delta = number(post_hhi), number(delta)
    if post_hhi < EU_LOW_HHI:
        return Classification(EU_BELOW_1000, f"Post-merger HHI {shown_hhi} is below 1,000.")
    if post_hhi <= EU_HIGH_HHI and delta < EU_MIDDLE_DELTA:
        band, words = (
            EU_MIDDLE_SMALL_DELTA,
            f"Post-merger HHI {shown_hhi} is between 1,000 and 2,000 and the delta {shown_delta} below 250",
        )
    elif post_hhi > EU_HIGH_HHI and delta < EU_HIGH_DELTA:
        band, words = (
            EU_HIGH_SMALL_DELTA,
            f"Post-merger HHI {shown_hhi} is above 2,000 and the delta {shown_delta} below 150",
        )
    else:
        limit = "250" if post_hhi <= EU_HIGH_HHI else "150"
        return Classification(
            EU_ABOVE_INDICATORS,
            f"Post-merger HHI {shown_hhi} with a delta of {shown_delta} (not below {limit}): "
            "above the initial indicators, which raise no presumption either way.",
        )
    if largest_merging_share >= EU_LARGE_PARTY_SHARE:
        return Classification(
            EU_LARGE_PARTY,
            f"{words}, but a merging party's pre-merger share of {percent(largest_merging_share)} "
            "is 50% or more, a special circumstance of para 20(f).",
        )
    return Classification(band, f"{words}, unless a special circumstance of para 20 applies.")


def assess_merger(pre_shares: Shares, merging: Sequence[str]) -> Assessment:
    """The bands a merger of the named firms falls in, from the market's pre-merger shares."""
    merged = _merging_shares(pre_shares, merging)
    delta = round(delta_hhi(pre_shares, merging), COMPARISON_DECIMALS)
    post_hhi = round(hhi(pre_shares) + delta, COMPARISON_DECIMALS)
    return assess_levels(post_hhi, delta, math.fsum(merged), max(merged))
