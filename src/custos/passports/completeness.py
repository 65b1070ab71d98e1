"""How complete a passport is, against the fields a supervisor needs.

The list follows what the EU AI Act's Annex XI technical documentation asks of a general-purpose
model (description, intended and out-of-scope uses, training data and its provenance, compute,
energy, evaluations, known limitations, licence).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from custos.passports.model import Passport

REQUIRED: dict[str, Callable[[Passport], bool]] = {
    "description": lambda p: bool(p.description),
    "provenance.reference": lambda p: bool(p.provenance.reference),
    "licence": lambda p: bool(p.licence),
    "datasets": lambda p: bool(p.datasets),
    "datasets.source": lambda p: bool(p.datasets) and all(d.source for d in p.datasets),
    "datasets.licence": lambda p: bool(p.datasets) and all(d.licence for d in p.datasets),
    "datasets.collection_process": lambda p: (
        bool(p.datasets) and all(d.collection_process for d in p.datasets)
    ),
    "compute.training_flop": lambda p: p.compute.training_flop is not None,
    "compute.hardware_type": lambda p: bool(p.compute.hardware_type),
    "compute.training_time_hours": lambda p: p.compute.training_time_hours is not None,
    "energy": lambda p: p.energy.training_energy_kwh is not None or p.energy.co2_eq_kg is not None,
    "known_limitations": lambda p: bool(p.known_limitations),
    "intended_uses": lambda p: bool(p.intended_uses),
    "out_of_scope_uses": lambda p: bool(p.out_of_scope_uses),
    "evaluations": lambda p: bool(p.evaluations),
}


@dataclass(frozen=True)
class Completeness:
    score: float
    """Share of required fields present, 0 to 1."""
    missing: tuple[str, ...]


def assess(passport: Passport) -> Completeness:
    missing = tuple(name for name, present in REQUIRED.items() if not present(passport))
    return Completeness(round(1 - len(missing) / len(REQUIRED), 4), missing)
