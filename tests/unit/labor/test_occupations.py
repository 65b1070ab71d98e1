"""The crosswalk from O*NET occupations to BLS SOC codes: the even split conserves employment
exactly, and what cannot be joined is reported."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.labor.occupations import (
    BLS_TOP_CODED_ANNUAL_WAGE_USD,
    Measure,
    OnetOccupation,
    SocFigures,
    Unmatched,
    crosswalk,
    major_code,
    split_evenly,
)


def rated(code: str, title: str, value: float) -> OnetOccupation:
    return OnetOccupation(code, title, dict.fromkeys(Measure, value))


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [
        (10, 3, [4, 3, 3]),
        (11, 3, [4, 4, 3]),
        (9, 3, [3, 3, 3]),
        (2, 5, [1, 1, 0, 0, 0]),
        (0, 2, [0, 0]),
        (7, 1, [7]),
    ],
)
def test_split_evenly_by_hand(total: int, parts: int, expected: list[int]) -> None:
    assert split_evenly(total, parts) == expected


@given(
    st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 12)), min_size=1, max_size=40),
)
def test_split_conserves_every_group_exactly_and_is_even(groups: list[tuple[int, int]]) -> None:
    grand = 0
    for total, parts in groups:
        shares = split_evenly(total, parts)
        assert len(shares) == parts
        assert sum(shares) == total
        assert max(shares) - min(shares) <= 1
        assert min(shares) >= 0
        grand += sum(shares)
    assert grand == sum(total for total, _ in groups)


@given(st.integers(0, 10**6), st.integers(1, 50))
def test_split_takes_the_largest_remainder_in_order(total: int, parts: int) -> None:
    shares = split_evenly(total, parts)
    assert shares == sorted(shares, reverse=True)
    assert shares.count(total // parts + 1) == total % parts


def test_a_split_refuses_no_parts_or_a_negative_total() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        split_evenly(5, 0)
    with pytest.raises(ValueError, match="non-negative"):
        split_evenly(-1, 2)


def test_a_small_crosswalk_by_hand() -> None:
    occupations = [
        rated("15-1252.00", "Software Developers", 0.6),
        rated("11-1011.03", "Chief Sustainability Officers", 0.2),
        rated("11-1011.00", "Chief Executives", 0.4),
        rated("13-1021.00", "Buyers, Farm Products", 0.3),
        rated("27-2011.00", "Actors", 0.1),
        rated("29-1011.00", "Chiropractors", 0.05),
    ]
    soc = {
        "11-1011": SocFigures("11-1011", "Chief Executives", 101, 213_020.0),
        "15-1252": SocFigures("15-1252", "Software Developers", 1_364_180, 120_990.0),
        "27-2011": SocFigures("27-2011", "Actors", 30_100, None),
        "29-1011": SocFigures("29-1011", "Chiropractors", None, 80_000.0),
        "23-1011": SocFigures("23-1011", "Lawyers", 5, BLS_TOP_CODED_ANNUAL_WAGE_USD, wage_top_coded=True),
    }
    majors = {"11-0000": "Management Occupations", "15-0000": "Computer and Mathematical Occupations"}
    result = crosswalk(occupations, soc, majors)
    table = result.table
    # 101 chief executives shared by two O*NET occupations: 51 to the first code, 50 to the second.
    assert table.onet_codes == ("11-1011.00", "11-1011.03", "15-1252.00")
    assert table.soc_codes == ("11-1011", "11-1011", "15-1252")
    assert table.major_codes == ("11-0000", "11-0000", "15-0000")
    assert dict(table.major_titles) == majors
    assert table.employment.tolist() == [51.0, 50.0, 1_364_180.0]
    assert table.wages.tolist() == [213_020.0, 213_020.0, 120_990.0]
    assert table.exposure(Measure.HUMAN_BETA).tolist() == [0.4, 0.2, 0.6]
    assert len(table) == 3
    assert result.unmatched == (
        Unmatched("13-1021.00", "Buyers, Farm Products", "no BLS May 2021 detailed occupation 13-1021"),
        Unmatched("27-2011.00", "Actors", "BLS publishes no annual mean wage for 27-2011"),
        Unmatched("29-1011.00", "Chiropractors", "BLS publishes no employment estimate for 29-1011"),
    )
    assert result.top_coded == ()


def test_a_top_coded_wage_is_named() -> None:
    soc = {"23-1011": SocFigures("23-1011", "Lawyers", 5, BLS_TOP_CODED_ANNUAL_WAGE_USD, wage_top_coded=True)}
    result = crosswalk([rated("23-1011.00", "Lawyers", 0.5)], soc, {})
    assert result.top_coded == ("23-1011",)
    assert result.table.wages.tolist() == [208_000.0]
    assert dict(result.table.major_titles) == {"23-0000": "23-0000"}


def test_the_table_is_read_only() -> None:
    soc = {"11-1011": SocFigures("11-1011", "Chief Executives", 3, 1.0)}
    table = crosswalk([rated("11-1011.00", "Chief Executives", 0.5)], soc, {}).table
    with pytest.raises(ValueError, match="read-only"):
        table.employment[0] = 7.0
    with pytest.raises(ValueError, match="read-only"):
        table.exposure(Measure.MODEL_GAMMA)[0] = 0.0


def test_major_code() -> None:
    assert major_code("15-1252") == "15-0000"
    assert major_code("15-1252.00") == "15-0000"


def test_a_table_refuses_ratings_outside_zero_and_one() -> None:
    soc = {"11-1011": SocFigures("11-1011", "Chief Executives", 3, 1.0)}
    table = crosswalk([rated("11-1011.00", "Chief Executives", 0.5)], soc, {}).table
    ratings = dict(table.ratings)
    ratings[Measure.HUMAN_ALPHA] = np.array([1.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        type(table)(
            table.onet_codes,
            table.titles,
            table.soc_codes,
            table.major_codes,
            table.major_titles,
            np.array([3.0]),
            np.array([1.0]),
            ratings,
        )
