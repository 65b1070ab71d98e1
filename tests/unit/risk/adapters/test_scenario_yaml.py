"""Scenarios from YAML: every problem is named with its line, and so are those found later."""

from __future__ import annotations

import pytest

from custos.core.errors import InvalidInput
from custos.risk.adapters.scenario_yaml import load_scenario, load_scenario_lines, located
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.scenario import ScenarioError
from tests.unit.risk.sample import sample_network


def test_schema_problems_name_their_lines() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("name: x\nseed: 1\ndraws: 0\ncontagion: {model: magic}\n", "s.yaml")
    problems = caught.value.evidence["problems"]
    assert {(p["path"], p["line"]) for p in problems} == {("draws", 3), ("contagion.model", 4)}


def test_a_problem_found_when_compiling_is_placed_on_the_line_of_its_entry() -> None:
    text = "name: x\nseed: 1\noutages:\n  - provider: cloud-north\n  - provider: cloud-west\n"
    scenario, lines = load_scenario_lines(text, "s.yaml")
    with pytest.raises(InvalidInput) as caught:
        compile_plan(sample_network(), scenario)
    placed = located(caught.value, lines, "s.yaml")
    assert placed.message.startswith("s.yaml:5: ")
    assert placed.evidence["line"] == 5 and placed.evidence["entry"] == "outages[1].provider"


def test_an_entry_the_scenario_lacks_is_placed_on_its_nearest_ancestor_and_no_entry_on_none() -> None:
    text = "name: x\nseed: 1\noutages:\n  - provider: cloud-north\n"
    _, lines = load_scenario_lines(text, "s.yaml")
    beyond = located(InvalidInput("missing", evidence={"entry": "outages[3].provider"}), lines, "s.yaml")
    assert beyond.message == "s.yaml:3: missing" and beyond.evidence["line"] == 3
    error = InvalidInput("no entry")
    assert located(error, lines, "s.yaml") is error
