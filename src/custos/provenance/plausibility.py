"""Whether a training run's declared compute is plausible for the hardware it declares.

A run declares its chips (type, quantity, chip-hours), dates, numeric precision and model FLOP
utilisation. The compute those imply is Epoch AI's hardware method, C = Σ chip-hours × 3600 ×
peak FLOP/s × utilisation, each chip's peak taken from Epoch's hardware table (shipped with the
registry) at the declared precision. The plausible interval is the same sum at the ends of
:data:`UTILISATION_RANGE`, the spread of utilisations Epoch's notable models report; a declared
training compute outside it is flagged with the interval in words.

Sources: Epoch AI, "Data on Machine Learning Hardware" and "Data on AI Models"
(https://epoch.ai/data, CC BY 4.0).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from custos.core import units
from custos.core.errors import InvalidInput
from custos.policy.compute_estimate import hardware_table


class Precision(StrEnum):
    """The numeric format a run trains in, which sets the peak rate a chip offers it."""

    FP64 = "fp64"
    FP32 = "fp32"
    TF32 = "tf32"
    FP16 = "fp16"
    BF16 = "bf16"
    FP8 = "fp8"
    INT8 = "int8"
    FP4 = "fp4"


_TENSOR_16 = "Tensor-FP16/BF16 performance (FLOP/s)"
_HALF = "FP16 (half precision) performance (FLOP/s)"

#: Epoch's columns for each precision, tried in order. Epoch has one 16-bit tensor column for
#: both fp16 and bf16, the rate matrix units train at; its "FP16 (half precision)" column is the
#: vector units' rate on chips that have both (78 against 312 TFLOP/s on an A100). Epoch's own
#: fp16 rows use the tensor figure (OPT-175B, GLM-130B and Megatron-BERT reproduce their compute
#: with it and their declared utilisation), so both 16-bit formats take the tensor figure and
#: fall back to the half-precision one only where the table lists no tensor figure (620 chips,
#: among them the H100 NVL), as 16-bit formats share the same units.
PRECISION_COLUMNS: dict[Precision, tuple[str, ...]] = {
    Precision.FP64: ("FP64 (double precision) performance (FLOP/s)",),
    Precision.FP32: ("FP32 (single precision) performance (FLOP/s)",),
    Precision.TF32: ("TF32 (TensorFloat-32) performance (FLOP/s)",),
    Precision.FP16: (_TENSOR_16, _HALF),
    Precision.BF16: (_TENSOR_16, _HALF),
    Precision.FP8: ("FP8 performance (FLOP/s)",),
    Precision.INT8: ("INT8 performance (OP/s)",),
    Precision.FP4: ("FP4 performance (FLOP/s)",),
}

#: The 5th and 95th percentiles (nearest rank) of the model FLOP utilisation Epoch's model table
#: declares, rounded outwards to two decimals: 62 models declare one (Epoch's "72" for one of
#: them read as 72%, as the registry's import reads it), ranks 4 and 59 of the sorted values are
#: 0.1968 and 0.5772; the full spread is 0.171–0.72. ``tests/unit/provenance/test_plausibility.py``
#: recomputes these figures from the shipped table and fails when they drift.
UTILISATION_RANGE: tuple[float, float] = (0.19, 0.58)

SECONDS_PER_HOUR = 3600
HOURS_PER_DAY = 24
MAX_CHIP_TYPES = 32
#: How many close names an unknown chip's refusal suggests.
SUGGESTIONS = 3

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ChipUse(BaseModel):
    """One type of chip a run used: how many, and for how many chip-hours in all."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    chip: _Text = Field(description="Epoch's hardware name, matched case-insensitively")
    quantity: int = Field(gt=0)
    chip_hours: float = Field(gt=0)


class TrainingRun(BaseModel):
    """The payload of a training-run declaration."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    model_id: _Text
    chips: tuple[ChipUse, ...] = Field(min_length=1, max_length=MAX_CHIP_TYPES)
    started_on: date
    ended_on: date
    precision: Precision
    utilisation: float = Field(gt=0, le=1, description="model FLOP utilisation, a fraction")
    data_centre: _Text | None = None
    cloud_vendor: _Text | None = Field(default=None, description="the vendor's name as declared")
    cloud_vendor_id: _Text | None = Field(
        default=None, description="the vendor's organisation id in the registry, for reconciliation"
    )

    @model_validator(mode="after")
    def _fits_the_period(self) -> Self:
        """A chip cannot run more hours than the period has: chip-hours are at most quantity ×
        24 × the days from start to end, both dates included."""
        if self.ended_on < self.started_on:
            raise ValueError(f"ended_on {self.ended_on} is before started_on {self.started_on}")
        hours = HOURS_PER_DAY * ((self.ended_on - self.started_on).days + 1)
        for use in self.chips:
            most = use.quantity * hours
            if use.chip_hours > most:
                raise ValueError(
                    f"{units.number(use.chip_hours)} chip-hours of {use.chip} exceed what "
                    f"{units.count(use.quantity)} chips can run in {units.count(hours)} hours "
                    f"from {self.started_on} to {self.ended_on} ({units.count(most)} chip-hours)"
                )
        return self


@dataclass(frozen=True)
class _Chip:
    name: str
    peaks: dict[Precision, float]
    #: How many of Epoch's notable models the table says were trained on it: the likelier meaning
    #: of an ambiguous name ("H100" is the SXM5 board for 112 models, the PCIe card for 4).
    models_trained: int = 0


def _figure(text: str) -> float | None:
    """A positive figure from a cell; a blank, zero or unreadable cell is no figure."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


@cache
def _chips() -> dict[str, _Chip]:
    """Every chip in Epoch's table by lower-case name, with its peak at each precision the table
    gives. A name the table repeats (six do) merges its rows, the first figure for a precision
    winning; the repeated rows complement each other rather than disagree."""
    chips: dict[str, _Chip] = {}
    for row in hardware_table():
        name = row["Hardware name"]
        if not name:
            continue
        chip = chips.setdefault(name.lower(), _Chip(name, {}))
        trained = int(_figure(row["Number of ML models trained"]) or 0)
        if trained > chip.models_trained:
            chips[name.lower()] = chip = _Chip(chip.name, chip.peaks, trained)
        for precision, columns in PRECISION_COLUMNS.items():
            if precision in chip.peaks:
                continue
            for column in columns:
                if (value := _figure(row[column])) is not None:
                    chip.peaks[precision] = value
                    break
    return chips


def _close_names(wanted: str, chips: dict[str, _Chip]) -> list[str]:
    """Names a person likely meant: those containing what was written ("H100" for "NVIDIA H100
    SXM5 80GB"), the chips most models were trained on first, then difflib's closest spellings."""
    containing = sorted(
        (name for name in chips if wanted in name),
        key=lambda name: (-chips[name].models_trained, len(name), name),
    )
    close = difflib.get_close_matches(wanted, chips, n=SUGGESTIONS)
    return [chips[name].name for name in dict.fromkeys([*containing, *close])][:SUGGESTIONS]


def _chip(name: str) -> _Chip:
    chips = _chips()
    wanted = name.strip().lower()
    found = chips.get(wanted)
    if found is None:
        close = _close_names(wanted, chips)
        hint = f"; close names: {', '.join(close)}" if close else ""
        raise InvalidInput(f"unknown chip {name!r}: not in Epoch's hardware table{hint}")
    return found


def epoch_name(chip: str) -> str:
    """The chip as Epoch's hardware table names it (InvalidInput with close names when it is not there)."""
    return _chip(chip).name


def peak_flops_at(chip: str, precision: Precision) -> float:
    """Peak FLOP/s (OP/s for int8) of ``chip`` at ``precision``, from Epoch's hardware table."""
    found = _chip(chip)
    peak = found.peaks.get(precision)
    if peak is None:
        listed = ", ".join(p.value for p in Precision if p in found.peaks) or "none"
        raise InvalidInput(
            f"Epoch's hardware table has no {precision.value} figure for {found.name} "
            f"(its precisions: {listed})"
        )
    return peak


def check_run(run: TrainingRun) -> None:
    """Refuse a run naming a chip Epoch's table lacks, or a precision it gives no figure for;
    every such chip is named at once."""
    problems: list[str] = []
    for use in run.chips:
        try:
            peak_flops_at(use.chip, run.precision)
        except InvalidInput as exc:
            problems.append(exc.message)
    if problems:
        raise InvalidInput("; ".join(problems))


@dataclass(frozen=True)
class Plausibility:
    """The compute a run implies and the interval a declaration should fall in.

    ``plausible`` is whether the declared training compute lies in [lower, upper], None when
    none is declared; ``reasons`` say in words what was found, including a declared
    utilisation outside the range Epoch's models report (which widens no interval: the interval
    is the range's, whatever the run declares).
    """

    implied_flop: float
    lower: float
    upper: float
    utilisation_range: tuple[float, float]
    declared_flop: float | None
    plausible: bool | None
    reasons: tuple[str, ...]


def _hardware_words(run: TrainingRun) -> str:
    chips = " and ".join(f"{units.count(use.quantity)} {_chip(use.chip).name}" for use in run.chips)
    hours = units.number(sum(use.chip_hours for use in run.chips), 0)
    return f"{chips} for {hours} chip-hours at {run.precision.value}"


def plausibility(run: TrainingRun, declared_training_flop: float | None) -> Plausibility:
    """The compute ``run`` implies at its declared utilisation, bounded by the ends of
    :data:`UTILISATION_RANGE`, and whether ``declared_training_flop`` lies between them."""
    if declared_training_flop is not None and not (
        math.isfinite(declared_training_flop) and declared_training_flop > 0
    ):
        raise InvalidInput(
            f"declared training compute must be a positive FLOP count, got {declared_training_flop}"
        )
    check_run(run)
    operations = sum(
        use.chip_hours * SECONDS_PER_HOUR * peak_flops_at(use.chip, run.precision) for use in run.chips
    )
    low, high = UTILISATION_RANGE
    implied, lower, upper = operations * run.utilisation, operations * low, operations * high
    reasons: list[str] = []
    if not low <= run.utilisation <= high:
        reasons.append(
            f"declared utilisation {units.percent(run.utilisation)} is outside the "
            f"{units.percent(low)}–{units.percent(high)} Epoch's notable models report "
            "(5th to 95th percentile)"
        )
    plausible = None
    if declared_training_flop is not None:
        interval = f"{units.scientific(lower)}–{units.flop(upper)}"
        declared = units.flop(declared_training_flop)
        plausible = lower <= declared_training_flop <= upper
        where = "is within" if plausible else "is below" if declared_training_flop < lower else "is above"
        reasons.append(f"{declared} {where} the plausible {interval} for {_hardware_words(run)}")
    return Plausibility(
        implied_flop=implied,
        lower=lower,
        upper=upper,
        utilisation_range=UTILISATION_RANGE,
        declared_flop=declared_training_flop,
        plausible=plausible,
        reasons=tuple(reasons),
    )


def across_runs(runs: Sequence[TrainingRun], declared_training_flop: float) -> tuple[bool, str]:
    """Whether a model's declared training compute is plausible for all its declared runs
    together (a model trained in stages, or resumed, declares several): the implied compute and
    its bounds add up across runs. The verdict, and why in words."""
    found = [plausibility(run, None) for run in runs]
    lower, upper = sum(f.lower for f in found), sum(f.upper for f in found)
    plausible = lower <= declared_training_flop <= upper
    where = "is within" if plausible else "is below" if declared_training_flop < lower else "is above"
    return plausible, (
        f"{units.flop(declared_training_flop)} {where} the plausible "
        f"{units.scientific(lower)}–{units.flop(upper)} for the model's {len(found)} declared runs together"
    )
