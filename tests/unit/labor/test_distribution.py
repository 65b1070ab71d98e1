"""Wage quintiles of workers and major groups, on tables small enough to place by hand."""

from __future__ import annotations

import numpy as np
import pytest

from custos.labor.distribution import major_groups, quintile_shares, wage_quintiles
from tests.unit.labor.synthetic import TABLE, table


def test_an_occupation_straddling_boundaries_is_split_by_its_workers() -> None:
    """Wages 1 < 2 < 3 with 30, 20 and 50 workers: fifths of 20 workers end at 20, 40, 60, 80."""
    shares = quintile_shares(np.array([20.0, 50.0, 30.0]), np.array([2.0, 3.0, 1.0]))
    assert shares == pytest.approx(
        np.array(
            [
                [0, 0.5, 0.5, 0, 0],  # wage 2: workers 30 to 50
                [0, 0, 0.2, 0.4, 0.4],  # wage 3: workers 50 to 100
                [2 / 3, 1 / 3, 0, 0, 0],  # wage 1: workers 0 to 30
            ]
        )
    )
    workers = np.array([20.0, 50.0, 30.0]) @ shares
    assert workers == pytest.approx([20] * 5)


def test_an_occupation_without_workers_sits_where_its_wage_ranks() -> None:
    shares = quintile_shares(np.array([50.0, 0.0, 50.0]), np.array([1.0, 2.0, 3.0]))
    assert list(shares[1]) == [0, 0, 1, 0, 0]


def test_quintiles_of_the_hand_table() -> None:
    """C (USD 26,000, 500 workers) then A (USD 52,000, 1,000) then B (USD 104,000, 2,000): fifths of
    700 workers."""
    cells = wage_quintiles(TABLE)
    dense = cells.matrix()
    assert dense[2] == pytest.approx([1, 0, 0, 0, 0])
    assert dense[0] == pytest.approx([0.2, 0.7, 0.1, 0, 0])
    assert dense[1] == pytest.approx([0, 0, 0.3, 0.35, 0.35])
    assert cells.keys == ("Q1", "Q2", "Q3", "Q4", "Q5")
    assert cells.labels[0] == "wage quintile 1 of 5 (USD 26,000 to USD 52,000 a year)"
    assert cells.labels[4] == "wage quintile 5 of 5 (USD 104,000 to USD 104,000 a year)"


def test_major_groups_hold_each_occupation_whole() -> None:
    cells = major_groups(table([1, 2, 3], [1, 2, 3], [0, 0, 0], ["15-0000", "11-0000", "15-0000"]))
    assert cells.keys == ("11-0000", "15-0000")
    assert cells.labels == ("Group 11-0000", "Group 15-0000")
    assert cells.matrix().tolist() == [[0, 1], [1, 0], [0, 1]]
