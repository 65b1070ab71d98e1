"""A network's digest covers everything a scenario may name it by, so a filed run names its inputs."""

from __future__ import annotations

from pathlib import Path

from custos.risk.adapters.network_files import load_network
from custos.risk.engine.digests import network_digest
from tests.unit.risk.sample import copy_sample


def test_the_network_digest_covers_names_and_sectors(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
    before = network_digest(load_network(directory))
    providers = directory / "providers.csv"
    providers.write_text(providers.read_text().replace("North Cloud", "Nord Cloud"))
    renamed = network_digest(load_network(directory))
    institutions = directory / "institutions.csv"
    institutions.write_text(institutions.read_text().replace(",insurance,", ",reinsurance,"))
    assert len({before, renamed, network_digest(load_network(directory))}) == 3
