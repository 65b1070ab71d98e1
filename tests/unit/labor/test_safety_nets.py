"""Programme designs: the spell formula against simulated spells, benefits, allocation, refusals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.labor.safety_nets import (
    PROGRAMMES,
    Allocation,
    ProgrammeError,
    Retraining,
    UnemploymentInsurance,
    expected_years_out,
    load_programmes,
    weekly_benefit,
    with_retraining,
)


@pytest.mark.parametrize(("reemployment", "years"), [(0.6, 0.5), (0.3, 26 / 52), (0.9, 1.0), (0.5, 2.0)])
def test_expected_years_out_matches_simulated_exponential_spells(reemployment: float, years: float) -> None:
    spells = np.random.default_rng(20240601).exponential(1 / -math.log(1 - reemployment), 400_000)
    assert np.mean(spells <= 1) == pytest.approx(reemployment, abs=0.003)
    paid = np.minimum(spells, years)
    error = 4 * paid.std() / math.sqrt(len(paid))
    assert float(expected_years_out(np.array([reemployment]), years)[0]) == pytest.approx(
        paid.mean(), abs=error
    )


def test_expected_years_out_at_the_ends() -> None:
    """No one re-employed: out the whole period; re-employed at once: never out."""
    assert list(expected_years_out(np.array([0.0, 1.0]), 0.5)) == [0.5, 0.0]


@given(st.floats(0, 0.999), st.floats(0.01, 5))
def test_expected_years_out_lies_within_the_period(reemployment: float, years: float) -> None:
    out = float(expected_years_out(np.array([reemployment]), years)[0])
    assert 0 <= out <= years * (1 + 1e-12)


def test_weekly_benefit_is_the_replacement_up_to_the_cap() -> None:
    insurance = UnemploymentInsurance(replacement_rate=0.45, weekly_cap_usd=550, duration_weeks=26)
    assert list(weekly_benefit(np.array([52_000.0, 104_000.0]), insurance)) == pytest.approx([450, 550])


def test_retraining_places_some_of_those_who_would_stay_out() -> None:
    retraining = Retraining(cost_per_worker_usd=1, take_up=0.5, completion_rate=0.8, placement_rate=0.5)
    assert list(with_retraining(np.array([0.5, 0.0, 1.0]), retraining)) == pytest.approx([0.6, 0.2, 1.0])
    assert list(with_retraining(np.array([0.5]), None)) == [0.5]


def test_an_allocation_must_sum_to_one() -> None:
    assert sum(
        Allocation(budget=0.1, deployer_levy=0.2, liability_pool=0.7).shares().values()
    ) == pytest.approx(1)
    with pytest.raises(ValueError, match="must sum to 1"):
        Allocation(budget=0.5, deployer_levy=0.4, liability_pool=0.2)


def test_the_shipped_design_loads() -> None:
    design = load_programmes(PROGRAMMES / "us-baseline.yaml")
    assert design.unemployment_insurance is not None and design.unemployment_insurance.duration_weeks == 26
    assert sum(design.allocation.shares().values()) == pytest.approx(1)


BASE = """name: test
unemployment_insurance: {replacement_rate: 0.45, weekly_cap_usd: 550, duration_weeks: 26}
allocation: {budget: 0.5, deployer_levy: 0.4, liability_pool: 0.1}
"""


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (BASE.replace("liability_pool: 0.1", "liability_pool: 0.2"), "<programmes>:3: allocation: "),
        (BASE.replace("0.45", "1.5"), "<programmes>:2: unemployment_insurance.replacement_rate"),
        (BASE.replace("550", "-1"), "unemployment_insurance.weekly_cap_usd"),
        (BASE + "wage_insurance: {share: 0.5, annual_cap_usd: 1000, duration_years: 0}\n", "duration_years"),
        (BASE + "pension: {}\n", "<programmes>:4: pension: Extra inputs"),
        (BASE.replace("allocation", "allocations"), "allocation: Field required"),
        ("name: [", "not YAML"),
    ],
)
def test_a_bad_design_is_refused_naming_the_field(text: str, where: str) -> None:
    with pytest.raises(ProgrammeError) as refused:
        load_programmes(text)
    assert where in refused.value.message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeError, match="cannot read"):
        load_programmes(tmp_path / "absent.yaml")
