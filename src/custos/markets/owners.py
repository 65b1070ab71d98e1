"""Epoch AI's compute owners and the registry organisations they are, as an explicit table.

Epoch names owners its own way ("Meta", "China", "Other"); the registry names organisations as
their filings do ("Meta AI"). The table in ``data/compute-owners.csv`` says which is which, and
which of Epoch's owners are aggregates of many firms: those are never one firm in a
concentration index (see ``custos.markets.concentration.indices``). An owner missing from the
table is refused rather than guessed, so a new owner in Epoch's data is mapped on purpose.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from custos.core.errors import InvalidInput

TABLE = Path(__file__).resolve().parent / "data" / "compute-owners.csv"


@dataclass(frozen=True)
class Owner:
    """One of Epoch AI's compute owners: its name there, its registry name, and whether it is an
    aggregate of many firms."""

    epoch_name: str
    registry_name: str
    aggregate: bool
    note: str


@cache
def owners() -> dict[str, Owner]:
    """Every mapped owner, by Epoch's name."""
    with TABLE.open(newline="", encoding="utf-8") as handle:
        return {
            row["epoch_owner"]: Owner(
                epoch_name=row["epoch_owner"],
                registry_name=row["registry_name"],
                aggregate=row["aggregate"] == "true",
                note=row["note"],
            )
            for row in csv.DictReader(handle)
        }


def owner(epoch_name: str) -> Owner:
    """The mapping of one of Epoch's owners; an unmapped owner is an error, not a guess."""
    found = owners().get(epoch_name)
    if found is None:
        raise InvalidInput(
            f"Epoch AI's compute owner {epoch_name!r} is not in the owner table ({TABLE.name}); "
            "add it with the registry organisation it is.",
            evidence={"owner": epoch_name},
        )
    return found


def aggregate_names() -> frozenset[str]:
    """The registry names of Epoch's aggregates: an organisation of that name (the demonstration
    registers them as hosts) stands for many firms, and counts as a fringe, never as one firm."""
    return frozenset(found.registry_name for found in owners().values() if found.aggregate)
