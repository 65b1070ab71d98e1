"""A network folder's holdings table: read into the network, covered by its digest, and refused
when it names an unknown institution, a negative amount or more than an institution's assets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from custos.core.errors import InvalidInput
from custos.risk.adapters.network_files import load_network
from custos.risk.engine.digests import network_digest
from tests.unit.risk.sample import copy_sample, sample_network


def _with_holdings(tmp_path: Path, rows: str) -> Path:
    directory = copy_sample(tmp_path)
    (directory / "holdings.csv").write_text("institution,asset_class,amount\n" + rows, encoding="utf-8")
    manifest = directory / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "holdings: holdings.csv\n", encoding="utf-8")
    return directory


def test_holdings_are_read_by_institution_and_class(tmp_path: Path) -> None:
    directory = _with_holdings(
        tmp_path, "bank-a,credit,300\nbank-a,bonds,200\nbank-b,credit,100\nbank-a,credit,50\n"
    )
    network = load_network(directory)
    assert network.asset_classes == ("bonds", "credit")
    assert network.holdings is not None
    a, b = network.institutions.index["bank-a"], network.institutions.index["bank-b"]
    assert network.holdings[a].tolist() == [200, 350]  # rows for the same pair add up
    assert network.holdings[b].tolist() == [0, 100]
    assert np.count_nonzero(network.holdings) == 3
    assert network_digest(network) != network_digest(sample_network())
    assert sample_network().holdings is None


@pytest.mark.parametrize(
    ("rows", "reason", "evidence"),
    [
        ("bank-z,credit,1\n", "unknown node", {"entry": "holdings row 1", "value": "bank-z"}),
        ("bank-a,credit,-1\n", "not negative", {"entry": "holdings row 1", "value": -1.0}),
        (
            "bank-a,credit,600\nbank-a,bonds,500\n",
            "more than its external assets",
            {"entry": "bank-a", "holdings": 1100.0, "external_assets": 1000.0},
        ),
    ],
)
def test_bad_holdings_are_refused_by_name(
    tmp_path: Path, rows: str, reason: str, evidence: dict[str, object]
) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        load_network(_with_holdings(tmp_path, rows))
    assert refused.value.evidence == evidence
