"""Network folders: a manifest names its tables inside its own folder and nowhere else, CSV and
Parquet give the same network, and a bad table is refused naming its file, row and entry."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from custos.core.errors import InvalidInput
from custos.risk.adapters.network_files import load_network
from custos.risk.engine.digests import network_digest
from tests.unit.risk.sample import copy_sample, sample_network


@pytest.fixture
def network_dir(tmp_path: Path) -> Path:
    return copy_sample(tmp_path)


def _name_table(directory: Path, table: str, file: str) -> None:
    manifest = directory / "manifest.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    manifest.write_text(
        "\n".join(f"{table}: {file}" if line.startswith(f"{table}:") else line for line in lines) + "\n",
        encoding="utf-8",
    )


def test_the_sample_loads(network_dir: Path) -> None:
    assert len(load_network(network_dir).providers) == 3


@pytest.mark.parametrize("outside", ["/etc/passwd", "../secret.csv", "sub/../../secret.csv", "."])
def test_a_table_outside_the_folder_is_refused_without_reading_it(network_dir: Path, outside: str) -> None:
    (network_dir.parent / "secret.csv").write_text("id,name\nroot:x:0:0,secret\n", encoding="utf-8")
    _name_table(network_dir, "providers", outside)
    with pytest.raises(InvalidInput, match="inside the network's folder") as refused:
        load_network(network_dir)
    assert "root:x" not in str(refused.value.diagnostics())


def test_a_link_that_leaves_the_folder_is_refused(network_dir: Path) -> None:
    (network_dir.parent / "secret.csv").write_text("id,name\nroot,secret\n", encoding="utf-8")
    (network_dir / "providers-link.csv").symlink_to(network_dir.parent / "secret.csv")
    _name_table(network_dir, "providers", "providers-link.csv")
    with pytest.raises(InvalidInput, match="inside the network's folder"):
        load_network(network_dir)


def test_a_negative_liability_in_a_file_is_refused_naming_the_entry(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
    table = directory / "liabilities.csv"
    table.write_text(table.read_text().replace("bank-a,bank-b,40", "bank-a,bank-b,-40"))
    with pytest.raises(InvalidInput, match="not negative") as caught:
        load_network(directory)
    assert caught.value.evidence["entry"] == "L[bank-a,bank-b]"


def test_a_reference_to_an_unknown_node_in_a_file_names_its_row(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
    table = directory / "hosting.csv"
    table.write_text(table.read_text().replace("fraud-net,cloud-south", "fraud-net,cloud-west"))
    with pytest.raises(InvalidInput, match="unknown node") as caught:
        load_network(directory)
    assert caught.value.evidence == {"entry": "hosting row 3", "value": "cloud-west"}


def test_an_institution_with_negative_equity_is_refused(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
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
    directory = copy_sample(tmp_path)
    table = directory / "hosting.csv"
    table.write_text(
        table.read_text().replace("credit-llm,cloud-south,0.2,0.5", "credit-llm,cloud-south,0.4,0.5")
    )
    with pytest.raises(InvalidInput, match="more than 1") as caught:
        load_network(directory)
    assert caught.value.evidence["entry"] == "credit-llm"


def test_parquet_tables_give_the_same_network_as_csv(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
    manifest = (directory / "manifest.yaml").read_text()
    for table in directory.glob("*.csv"):
        pq.write_table(pa_csv.read_csv(table), table.with_suffix(".parquet"))
        manifest = manifest.replace(table.name, table.with_suffix(".parquet").name)
        table.unlink()
    (directory / "manifest.yaml").write_text(manifest)
    assert network_digest(load_network(directory)) == network_digest(sample_network())


def test_a_cell_that_is_not_a_number_is_refused_with_its_row(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
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
