"""Estimating training compute when a passport declares none.

Two published methods (Epoch AI, "Estimating training compute of deep learning models"):
- operation counting for dense transformers, C ≈ 6·N·D (N parameters, D training tokens or
  datapoints);
- hardware: C = chips × hours × 3600 × peak FLOP/s × utilisation, with each chip's peak taken
  from Epoch's hardware table (shipped in the package) at 16-bit tensor precision, or 32-bit
  where no tensor figure exists.
Both give a central estimate and bounds, and are marked as estimated.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HARDWARE = Path(__file__).resolve().parent.parent / "registry" / "data" / "epoch_ml_hardware.csv"

#: 6·N·D holds for dense transformers; other architectures and unclear "datapoints" make it an
#: order-of-magnitude figure, so the bounds span a factor of three either way.
OPERATION_COUNT_SPREAD = 3.0
#: Utilisation assumed when none is declared, with the range Epoch reports for large runs.
DEFAULT_UTILISATION, UTILISATION_RANGE = 0.4, (0.2, 0.6)


@dataclass(frozen=True)
class Estimate:
    central: float
    lower: float
    upper: float
    method: str


@cache
def peak_flops() -> dict[str, float]:
    """Peak FLOP/s of each accelerator in Epoch's table, by lower-case name."""
    peaks: dict[str, float] = {}
    with HARDWARE.open(encoding="utf-8-sig", newline="") as stream:
        for row in csv.DictReader(stream):
            for column in (
                "Tensor-FP16/BF16 performance (FLOP/s)",
                "FP32 (single precision) performance (FLOP/s)",
            ):
                text = (row.get(column) or "").strip()
                if text:
                    try:
                        peaks[row["Hardware name"].strip().lower()] = float(text)
                    except ValueError:
                        continue
                    break
    return peaks


def by_operation_count(parameters: float | None, datapoints: float | None) -> Estimate | None:
    if not parameters or not datapoints:
        return None
    central = 6 * parameters * datapoints
    return Estimate(
        central,
        central / OPERATION_COUNT_SPREAD,
        central * OPERATION_COUNT_SPREAD,
        "operation counting (6ND)",
    )


def by_hardware(
    hardware: str | None, quantity: float | None, hours: float | None, utilisation: float | None
) -> Estimate | None:
    if not hardware or not quantity or not hours:
        return None
    peak = peak_flops().get(hardware.strip().lower())
    if peak is None:
        return None
    chip_seconds = quantity * hours * 3600 * peak
    if utilisation:
        central = lower = upper = chip_seconds * utilisation
    else:
        central = chip_seconds * DEFAULT_UTILISATION
        lower, upper = (chip_seconds * u for u in UTILISATION_RANGE)
    return Estimate(central, lower, upper, "hardware (chips × time × peak × utilisation)")


def estimate(compute: dict[str, object]) -> Estimate | None:
    """The best estimate for a compute declaration without a training_flop: hardware first
    (it measures the run itself), then operation counting."""

    def number(key: str) -> float | None:
        value = compute.get(key)
        return float(value) if isinstance(value, int | float) else None

    hardware = compute.get("hardware_type")
    return by_hardware(
        hardware if isinstance(hardware, str) else None,
        number("hardware_quantity"),
        number("training_time_hours"),
        number("utilisation"),
    ) or by_operation_count(number("parameters"), number("training_dataset_size_datapoints"))
