"""The deployer levy shared out by labour exposure, checked against sums done by hand."""

from __future__ import annotations

import pytest

from custos.labor.adapters.registry import RegistryCounts
from custos.labor.results import deployer_exposure, levy_shares

#: Exposure-weighted workers of two major groups, and how each sector employs them.
EXPOSED = {"13-0000": 1_000.0, "43-0000": 3_000.0}
WEIGHTS = {"finance": {"13-0000": 0.5, "43-0000": 0.5}, "health": {"43-0000": 0.2, "29-0000": 0.8}}


def counts(by_deployer: dict[str, dict[str, int]]) -> RegistryCounts:
    return RegistryCounts(per_sector={}, by_deployer=by_deployer, sector_withheld=0, deployer_withheld=0)


def test_a_deployers_exposure_sums_its_deployments_over_the_groups_its_sectors_employ() -> None:
    # finance: 0.5 x 1,000 + 0.5 x 3,000 = 2,000 a deployment; health: 0.2 x 3,000 = 600 (29-0000 has none).
    assert deployer_exposure({"finance": 2, "health": 1}, WEIGHTS, EXPOSED) == pytest.approx(4_600.0)
    assert deployer_exposure({"mining": 5}, WEIGHTS, EXPOSED) == 0.0


def test_the_levy_is_shared_in_proportion_to_exposure_largest_first() -> None:
    # Bank: 3 finance deployments, 6,000; Clinic: 2 health deployments, 1,200; total 7,200.
    found = levy_shares(
        counts({"clinic": {"health": 2}, "bank": {"finance": 3}}),
        WEIGHTS,
        EXPOSED,
        [720.0, 1_440.0],
        {"bank": "Bank One"},
    )
    assert [share.organisation_id for share in found] == ["bank", "clinic"]
    bank, clinic = found
    assert (bank.name, bank.deployments, bank.exposure_weight) == ("Bank One", 3, 6_000.0)
    assert clinic.name == "clinic"  # no name known: the id stands in
    assert bank.share == pytest.approx(5 / 6) and clinic.share == pytest.approx(1 / 6)
    assert bank.levy_usd == pytest.approx([600.0, 1_200.0])
    assert clinic.levy_usd == pytest.approx([120.0, 240.0])


def test_no_levy_is_shared_when_no_deployment_reaches_an_exposed_group() -> None:
    assert levy_shares(counts({"mine": {"mining": 4}}), WEIGHTS, EXPOSED, [100.0], {}) == []
