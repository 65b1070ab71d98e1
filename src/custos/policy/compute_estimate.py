"""Estimating training compute when a passport declares none.

The two methods of the Commission's guidelines on general-purpose models (C(2025) 5045, Annex
A.2) and of Epoch AI ("Estimating training compute of deep learning models"), tried in Epoch's
order, operation counting first:

- operation counting for dense transformers, C ≈ 6·P·D (P parameters, D training tokens), times
  the number of epochs where known; a mixture-of-experts model counts its active parameters,
  since the experts a token does not reach do no work on it, and one whose active parameters are
  unknown is not counted at all (QMoE's 1.571e12 total parameters give 5.4e24 where Epoch puts
  its base model, Switch, at 8.2e22). Applied to language and multimodal
  models only: on the shipped table, 6·N·D lands within a factor of three of Epoch's figure for
  a quarter of the other domains' rows (images and games are not tokens through a transformer);
- hardware, C = N·L·H·U: chips × hours × 3600 × peak FLOP/s × utilisation, each chip's peak from
  Epoch's hardware table (shipped) at 16-bit tensor precision, or 32-bit where no tensor figure
  exists ("all operations should be counted equally, independently of floating-point precision").

The guidelines ask an estimate to be accurate "within an overall error margin of 30%"; neither
method is that good without the provider's own figures, so each estimate carries bounds
calibrated on the shipped Epoch table (``tests/unit/policy/test_compute_estimate.py`` recomputes
the coverage and fails when the constants below stop holding it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HARDWARE = Path(__file__).resolve().parent.parent / "registry" / "data" / "epoch_ml_hardware.csv"

#: Epoch's utilisation guidance when none is declared: about 0.3 for language models, 0.4 for
#: the rest. On the calibration rows below without a declared utilisation, the utilisation
#: Epoch's figure implies has median 0.30 for language and multimodal rows (81) and 0.33 for
#: others (103). The bounds of ASSUMED_UTILISATION_FACTORS amount to a range of 0.07–0.57 for
#: language models and 0.09–0.76 for others.
LANGUAGE_UTILISATION, OTHER_UTILISATION = 0.3, 0.4
#: Epoch's domains that train transformers on tokens, where 6·P·D holds and 0.3 is the guidance.
LANGUAGE_DOMAINS = frozenset({"language", "multimodal"})

#: The share of Epoch's own figures each method's bounds are built to hold.
COVERAGE = 0.9
#: Bound factors: an estimate C has bounds [C / low, C × high], where ``low`` is the 95th and
#: 1/``high`` the 5th percentile (by rank) of C / Epoch's figure over the shipped table's rows
#: that have Epoch's training compute and the method's inputs, fine-tunes left out (Epoch's
#: figure for a fine-tune adds the base model's compute, which the row's own inputs do not
#: measure), rounded outwards to two significant digits. Operation counting: 403 language and
#: multimodal rows, 84% within a factor of three.
OPERATION_COUNT_FACTORS = (3.5, 26.0)
#: Hardware with an assumed utilisation: 184 rows, 86% within a factor of three.
ASSUMED_UTILISATION_FACTORS = (4.5, 1.9)
#: Hardware with a declared utilisation: 38 rows, all within a factor of three.
DECLARED_UTILISATION_FACTORS = (1.8, 1.2)


@dataclass(frozen=True)
class Estimate:
    central: float
    lower: float
    upper: float
    method: str


def _bounded(central: float, factors: tuple[float, float], method: str) -> Estimate:
    low, high = factors
    return Estimate(central, central / low, central * high, method)


@cache
def hardware_table() -> tuple[dict[str, str], ...]:
    """Epoch's hardware table as read from the shipped CSV: one mapping of column to stripped
    cell per row, blank for a cell the row lacks. Shared by every reader of the table."""
    with HARDWARE.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        columns = reader.fieldnames or []
        return tuple({column: (row.get(column) or "").strip() for column in columns} for row in reader)


@cache
def peak_flops() -> dict[str, float]:
    """Peak FLOP/s of each accelerator in Epoch's table, by lower-case name."""
    peaks: dict[str, float] = {}
    for row in hardware_table():
        for column in (
            "Tensor-FP16/BF16 performance (FLOP/s)",
            "FP32 (single precision) performance (FLOP/s)",
        ):
            text = row[column]
            if text:
                try:
                    peaks[row["Hardware name"].lower()] = float(text)
                except ValueError:
                    continue
                break
    return peaks


def is_language(domain: str | None) -> bool:
    """True when one of Epoch's comma-separated domains is language or multimodal."""
    return any(part.strip().lower() in LANGUAGE_DOMAINS for part in (domain or "").split(","))


def by_operation_count(
    parameters: float | None, tokens: float | None, epochs: float | None = None
) -> Estimate | None:
    """6·P·D × epochs; ``parameters`` are the active ones for a mixture of experts."""
    if not parameters or not tokens:
        return None
    return _bounded(
        6 * parameters * tokens * (epochs or 1), OPERATION_COUNT_FACTORS, "operation counting (6ND)"
    )


def by_hardware(
    hardware: str | None,
    quantity: float | None,
    hours: float | None,
    utilisation: float | None,
    language: bool = False,
) -> Estimate | None:
    """N·L·H·U, with Epoch's default utilisation for the domain when none is declared."""
    if not hardware or not quantity or not hours:
        return None
    peak = peak_flops().get(hardware.strip().lower())
    if peak is None:
        return None
    method = "hardware (chips × time × peak × utilisation)"
    chip_operations = quantity * hours * 3600 * peak
    if utilisation:
        return _bounded(chip_operations * utilisation, DECLARED_UTILISATION_FACTORS, method)
    assumed = LANGUAGE_UTILISATION if language else OTHER_UTILISATION
    return _bounded(chip_operations * assumed, ASSUMED_UTILISATION_FACTORS, method)


def estimate(compute: dict[str, object], domain: str | None = None) -> Estimate | None:
    """The best estimate for a compute declaration without a training_flop, in Epoch's order:
    operation counting (for language and multimodal models), then hardware."""

    def number(key: str) -> float | None:
        value = compute.get(key)
        return float(value) if isinstance(value, int | float) else None

    language = is_language(domain)
    parameters = number("active_parameters") or (
        None if compute.get("mixture_of_experts") else number("parameters")
    )
    counted = None
    if language:
        counted = by_operation_count(parameters, number("training_dataset_size_datapoints"), number("epochs"))
    hardware = compute.get("hardware_type")
    return counted or by_hardware(
        hardware if isinstance(hardware, str) else None,
        number("hardware_quantity"),
        number("training_time_hours"),
        number("utilisation"),
        language,
    )
