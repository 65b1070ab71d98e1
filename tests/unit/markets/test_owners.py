"""The table from Epoch AI's compute owners to registry organisations is explicit and complete."""

from __future__ import annotations

import csv

import pytest

from custos.core.errors import InvalidInput
from custos.markets.owners import owner, owners
from custos.registry.importers import shipped
from custos.risk.adapters.compute_owners import chip_series


def test_every_owner_in_epochs_chip_counts_is_mapped_and_no_other() -> None:
    in_data = {name for series in chip_series() for quarter in series.quarters.values() for name in quarter}
    assert set(owners()) == in_data


def test_the_aggregates_are_epochs_china_and_other() -> None:
    assert {name for name, found in owners().items() if found.aggregate} == {"China", "Other"}


def test_each_firm_that_develops_models_is_named_as_epochs_model_table_names_it() -> None:
    """Meta is "Meta AI" among developers; Oracle develops no model in the table, so the registry
    knows it only as a compute provider, by the same name."""
    with shipped("epoch").open(newline="", encoding="utf-8") as handle:
        organisations = {
            name.strip() for row in csv.DictReader(handle) for name in row["Organization"].split(",")
        }
    firms = {found.registry_name for found in owners().values() if not found.aggregate}
    assert firms - organisations == {"Oracle"}
    assert "Meta" not in organisations and owner("Meta").registry_name == "Meta AI"


def test_an_owner_not_in_the_table_is_refused_not_guessed() -> None:
    with pytest.raises(InvalidInput, match="not in the owner table"):
        owner("Nebius")
