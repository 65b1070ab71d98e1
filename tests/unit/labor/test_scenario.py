"""Labour scenarios: the shipped ones load, and a bad one is refused naming its field and line."""

from __future__ import annotations

import pytest

from custos.labor.scenario import SCENARIOS, ScenarioError, load_scenario

BASE = """name: test
adoption:
  - {year: 2025, low: 0.1, high: 0.2}
  - {year: 2026, low: 0.2, high: 0.4}
automated_share: {low: 0.2, high: 0.4}
bands:
  - {upper: 0.5, elasticity: {low: 0.1, high: 0.3}}
  - {upper: 1.0, elasticity: {low: 0.2, high: 0.5}}
reemployment_rate: {low: 0.5, high: 0.7}
wage_change: {low: -0.2, high: -0.1}
"""


@pytest.mark.parametrize("name", ["gradual", "rapid"])
def test_the_shipped_scenarios_load(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert scenario.name == name
    assert scenario.years == tuple(range(2025, 2035))
    assert scenario.source


def test_a_valid_document_loads() -> None:
    scenario = load_scenario(BASE)
    assert scenario.years == (2025, 2026)
    assert scenario.registry is None


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "high: -0.1}",
            "high: 0.1}",
            "<scenario>:10: wage_change.high: Input should be less than or equal to 0",
        ),
        # the line of the year entry that breaks the path, not of the adoption key
        ("year: 2026", "year: 2027", "<scenario>:4: adoption.1: years must follow one another"),
        (
            "year: 2026, low: 0.2, high: 0.4",
            "year: 2026, low: 0.05, high: 0.4",
            "<scenario>:4: adoption.1: adoption must not fall: 2026 is below 2025",
        ),
        (
            "{low: 0.2, high: 0.4}",
            "{low: 0.4, high: 0.2}",
            "<scenario>:5: automated_share: low (0.4)",
        ),
        ("upper: 1.0", "upper: 0.9", "bands: the last band must end at exposure 1"),
        ("upper: 0.5", "upper: 1.0", "band uppers must rise strictly"),
        (
            "{low: 0.5, high: 0.7}",
            "{low: 0.5, high: 1.0}",
            "reemployment_rate.high: Input should be less than 1",
        ),
        ("low: 0.1, high: 0.3", "low: -0.1, high: 0.3", "bands.0.elasticity.low"),
        ("name: test", "name: test\nhorizon: 10", "<scenario>:2: horizon: Extra inputs are not permitted"),
        (
            "name: test",
            "name: test\nregistry: {saturation_deployments: 0}",
            "registry.saturation_deployments",
        ),
        ("automated_share: {low: 0.2, high: 0.4}\n", "", "automated_share: Field required"),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_field(old: str, new: str, where: str) -> None:
    assert old in BASE
    with pytest.raises(ScenarioError) as refused:
        load_scenario(BASE.replace(old, new, 1))
    assert where in refused.value.message


def test_text_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ScenarioError, match="a labour scenario is a YAML mapping"):
        load_scenario("- 1\n- 2\n")
