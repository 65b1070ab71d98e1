"""Bucketing as Unleash's flexible rollout does it (its cross-client vectors); plan validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.licensing.rollout import Bounds, RolloutPlanned, bucket, included


@pytest.mark.parametrize(("key", "group", "expected"), [("123", "gr1", 73), ("999", "groupX", 25)])
def test_the_normalised_values_every_unleash_client_computes(key: str, group: str, expected: int) -> None:
    assert bucket(group, key) == expected


@given(
    group=st.text(max_size=20), key=st.text(max_size=20), low=st.integers(1, 100), high=st.integers(1, 100)
)
def test_raising_the_percentage_never_drops_a_subject(group: str, key: str, low: int, high: int) -> None:
    low, high = sorted((low, high))
    assert 1 <= bucket(group, key) <= 100
    if included(group, key, low):
        assert included(group, key, high)
    assert included(group, key, 100)


def test_shares_are_close_to_the_percentage() -> None:
    inside = sum(included("licence-1", f"user-{i}", 10) for i in range(20_000))
    assert 1800 < inside < 2200


def test_percentages_must_rise() -> None:
    with pytest.raises(ValueError, match="must rise"):
        RolloutPlanned.model_validate(
            {"stages": [{"name": "a", "percentage": 10}, {"name": "b", "percentage": 10}]}
        )


def test_metric_bounds_are_a_range_and_say_which_end_is_breached() -> None:
    for bad in ({}, {"min": 2, "max": 1}):
        with pytest.raises(ValueError, match=r"bounds need|above max"):
            Bounds.model_validate(bad)
    bounds = Bounds(min=0.9, max=1.0)
    assert bounds.breach("accuracy", 0.95) is None
    assert bounds.breach("accuracy", 0.5) == "accuracy = 0.5 is below its minimum 0.9"
    assert bounds.breach("accuracy", 1.5) == "accuracy = 1.5 is above its maximum 1"
