"""Network folders: a manifest names its tables inside its own folder and nowhere else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from custos.core.errors import InvalidInput
from custos.risk.network_files import load_network

SAMPLE = Path(__file__).resolve().parents[3] / "src/custos/risk/examples/sample-network"


@pytest.fixture
def network_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "network"))


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
