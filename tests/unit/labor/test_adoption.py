"""Adoption multipliers from deployments per sector, worked by hand."""

from __future__ import annotations

import pytest

from custos.core.errors import InvalidInput
from custos.labor.adoption import adoption_multipliers
from custos.labor.sources import sector_weights

WEIGHTS = {
    "finance": {"13-0000": 0.5, "43-0000": 0.5},
    "health": {"29-0000": 0.75, "43-0000": 0.25},
}


def test_multipliers_by_hand() -> None:
    # 13: 4 x 0.5 = 2; 29: 8 x 0.75 = 6; 43: 4 x 0.5 + 8 x 0.25 = 4; saturation 5.
    result = adoption_multipliers({"finance": 4, "health": 8}, WEIGHTS, saturation=5)
    assert result == pytest.approx({"13-0000": 0.4, "29-0000": 1.0, "43-0000": 0.8})


def test_every_weighed_group_appears_at_zero_without_deployments() -> None:
    result = adoption_multipliers({"finance": 2}, WEIGHTS, saturation=10)
    assert result == pytest.approx({"13-0000": 0.1, "29-0000": 0.0, "43-0000": 0.1})


def test_saturation_caps_every_group_at_one_on_the_shipped_weights() -> None:
    weights = sector_weights()
    result = adoption_multipliers(dict.fromkeys(weights, 1000), weights, saturation=1)
    assert set(result.values()) == {1.0}
    assert len(result) == 22


def test_refusals() -> None:
    with pytest.raises(InvalidInput, match="saturation must be a positive"):
        adoption_multipliers({"finance": 1}, WEIGHTS, saturation=0)
    with pytest.raises(InvalidInput, match="no occupation weights for the sectors energy"):
        adoption_multipliers({"energy": 3}, WEIGHTS, saturation=1)
    with pytest.raises(InvalidInput, match="negative deployment counts for finance"):
        adoption_multipliers({"finance": -1}, WEIGHTS, saturation=1)
