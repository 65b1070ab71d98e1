"""Scenarios and networks refuse bad input with the reason and the offending entry."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from custos.core.errors import InvalidInput
from custos.risk.digests import network_digest
from custos.risk.network_files import load_network
from custos.risk.plan import compile_plan
from custos.risk.scenario import ScenarioError, load_scenario
from custos.risk.service import EXAMPLES
from tests.unit.risk.sample import sample_network, scenario


def test_shipped_scenarios_compile_against_the_sample_network() -> None:
    for path in sorted((EXAMPLES / "scenarios").glob("*.yaml")):
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


def test_schema_problems_name_their_lines() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("name: x\nseed: 1\ndraws: 0\ncontagion: {model: magic}\n", "s.yaml")
    problems = caught.value.evidence["problems"]
    assert {(p["path"], p["line"]) for p in problems} == {("draws", 3), ("contagion.model", 4)}


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


def _copy_sample(tmp_path: Path) -> Path:
    directory = tmp_path / "network"
    directory.mkdir()
    for file in (EXAMPLES / "sample-network").iterdir():
        (directory / file.name).write_bytes(file.read_bytes())
    return directory


def test_a_negative_liability_in_a_file_is_refused_naming_the_entry(tmp_path: Path) -> None:
    directory = _copy_sample(tmp_path)
    table = directory / "liabilities.csv"
    table.write_text(table.read_text().replace("bank-a,bank-b,40", "bank-a,bank-b,-40"))
    with pytest.raises(InvalidInput, match="not negative") as caught:
        load_network(directory)
    assert caught.value.evidence["entry"] == "L[bank-a,bank-b]"


def test_a_reference_to_an_unknown_node_in_a_file_names_its_row(tmp_path: Path) -> None:
    directory = _copy_sample(tmp_path)
    table = directory / "hosting.csv"
    table.write_text(table.read_text().replace("fraud-net,cloud-south", "fraud-net,cloud-west"))
    with pytest.raises(InvalidInput, match="unknown node") as caught:
        load_network(directory)
    assert caught.value.evidence == {"entry": "hosting row 3", "value": "cloud-west"}


def test_an_institution_with_negative_equity_is_refused(tmp_path: Path) -> None:
    directory = _copy_sample(tmp_path)
    table = directory / "institutions.csv"
    table.write_text(
        table.read_text().replace(
            "fund-e,Fund E,asset-management,300,250", "fund-e,Fund E,asset-management,300,350"
        )
    )
    with pytest.raises(InvalidInput, match="negative equity") as caught:
        load_network(directory)
    assert caught.value.evidence["entry"] == "fund-e"


def test_hosting_shares_above_one_are_refused(tmp_path: Path) -> None:
    directory = _copy_sample(tmp_path)
    table = directory / "hosting.csv"
    table.write_text(
        table.read_text().replace("credit-llm,cloud-south,0.2,0.5", "credit-llm,cloud-south,0.4,0.5")
    )
    with pytest.raises(InvalidInput, match="more than 1") as caught:
        load_network(directory)
    assert caught.value.evidence["entry"] == "credit-llm"


def test_parquet_tables_give_the_same_network_as_csv(tmp_path: Path) -> None:
    directory = _copy_sample(tmp_path)
    manifest = (directory / "manifest.yaml").read_text()
    for table in directory.glob("*.csv"):
        pq.write_table(pa_csv.read_csv(table), table.with_suffix(".parquet"))
        manifest = manifest.replace(table.name, table.with_suffix(".parquet").name)
        table.unlink()
    (directory / "manifest.yaml").write_text(manifest)
    assert network_digest(load_network(directory)) == network_digest(sample_network())


def test_the_network_digest_covers_names_and_sectors(tmp_path: Path) -> None:
    directory = _copy_sample(tmp_path)
    before = network_digest(load_network(directory))
    providers = directory / "providers.csv"
    providers.write_text(providers.read_text().replace("North Cloud", "Nord Cloud"))
    renamed = network_digest(load_network(directory))
    institutions = directory / "institutions.csv"
    institutions.write_text(institutions.read_text().replace(",insurance,", ",reinsurance,"))
    assert len({before, renamed, network_digest(load_network(directory))}) == 3


def test_a_cell_that_is_not_a_number_is_refused_with_its_row(tmp_path: Path) -> None:
    directory = _copy_sample(tmp_path)
    table = directory / "deployments.csv"
    table.write_text(
        table.read_text().replace(
            "b-advice,Bank B robo-advice,bank-b,advisor-gpt,120",
            "b-advice,Bank B robo-advice,bank-b,advisor-gpt,about 120",
        )
    )
    with pytest.raises(InvalidInput, match="not a number") as caught:
        load_network(directory)
    assert caught.value.evidence == {
        "entry": "deployments.csv row 4",
        "column": "exposure",
        "value": "about 120",
    }
