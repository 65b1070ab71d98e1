"""Scenarios compiled against a network refuse bad input with the reason and the offending entry."""

from __future__ import annotations

import pytest

from custos.core.errors import InvalidInput
from custos.risk.adapters.scenario_files import SCENARIOS
from custos.risk.adapters.scenario_yaml import load_scenario
from custos.risk.engine.plan import compile_plan
from tests.unit.risk.sample import sample_network, scenario


def test_shipped_scenarios_compile_against_the_sample_network() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        compile_plan(sample_network(), load_scenario(path.read_text(), path.name))


def test_a_scenario_naming_an_unknown_node_is_refused_with_the_entry() -> None:
    with pytest.raises(InvalidInput) as caught:
        compile_plan(sample_network(), scenario("outages: [{provider: cloud-west}]\n"))
    assert caught.value.evidence == {"entry": "outages[0].provider", "value": "cloud-west"}
    with pytest.raises(InvalidInput) as caught:
        compile_plan(sample_network(), scenario("compromises: [{model: nope, loss_rate: 0.1}]\n"))
    assert caught.value.evidence["entry"] == "compromises[0].model"


def test_nodes_may_be_named_by_their_unique_names() -> None:
    plan = compile_plan(sample_network(), scenario("outages: [{provider: North Cloud}]\n"))
    assert plan.forced.tolist()[:3] == [True, False, False]


NOT_PSD = """
correlated_failures:
  providers: {probability: 0.1}
  correlation:
    nodes: [cloud-north, cloud-south, gpu-east]
    matrix: [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]
"""


def test_a_correlation_matrix_that_is_not_positive_semi_definite_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not positive semi-definite") as caught:
        compile_plan(sample_network(), scenario(NOT_PSD))
    assert caught.value.evidence["smallest_eigenvalue"] < 0
    assert set(caught.value.evidence["entries_involved"]) <= {"cloud-north", "cloud-south", "gpu-east"}


def test_an_asymmetric_or_ragged_correlation_matrix_names_the_entry() -> None:
    asymmetric = NOT_PSD.replace("[[1, 0.9, -0.9]", "[[1, 0.5, -0.9]")
    with pytest.raises(InvalidInput, match="symmetric") as caught:
        compile_plan(sample_network(), scenario(asymmetric))
    assert caught.value.evidence["entry"] == "(cloud-north, cloud-south)"
    ragged = NOT_PSD.replace("[-0.9, 0.9, 1]]", "[-0.9, 0.9]]")
    with pytest.raises(InvalidInput, match="square"):
        compile_plan(sample_network(), scenario(ragged))
