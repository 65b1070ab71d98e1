"""Training-run plausibility: peaks from Epoch's hardware table, the declaration's own limits,
the utilisation range recomputed from Epoch's model table, and a real row of that table."""

from __future__ import annotations

import csv
import math
from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest
from pydantic import ValidationError

from custos.core.errors import InvalidInput
from custos.passports.epoch import SHIPPED, parse_epoch
from custos.provenance.plausibility import (
    UTILISATION_RANGE,
    ChipUse,
    Precision,
    TrainingRun,
    check_run,
    peak_flops_at,
    plausibility,
)


def run(**changes: Any) -> TrainingRun:
    """1,000 A100s for 30 days (720,000 chip-hours) at bf16, utilisation 0.4."""
    fields: dict[str, Any] = {
        "model_id": "01JMODEL",
        "chips": [{"chip": "NVIDIA A100", "quantity": 1000, "chip_hours": 720_000}],
        "started_on": date(2025, 1, 1),
        "ended_on": date(2025, 1, 30),
        "precision": "bf16",
        "utilisation": 0.4,
    }
    fields.update(changes)
    return TrainingRun.model_validate(fields)


def test_hand_computed_example() -> None:
    """720,000 h × 3,600 s × 312 TFLOP/s = 8.08704 × 10^23 operations; × 0.4 = 3.234816 × 10^23,
    × 0.19 = 1.5365376 × 10^23, × 0.58 = 4.6904832 × 10^23."""
    found = plausibility(run(), None)
    assert found.implied_flop == pytest.approx(3.234816e23)
    assert found.lower == pytest.approx(1.5365376e23)
    assert found.upper == pytest.approx(4.6904832e23)
    assert found.utilisation_range == (0.19, 0.58)
    assert (found.declared_flop, found.plausible, found.reasons) == (None, None, ())


def test_a_declaration_below_the_interval_is_named_with_it_in_words() -> None:
    found = plausibility(run(), 1e23)
    assert found.plausible is False
    assert found.reasons == (
        "1 × 10^23 FLOP is below the plausible 1.54 × 10^23–4.69 × 10^23 FLOP "
        "for 1,000 NVIDIA A100 for 720,000 chip-hours at bf16",
    )


def test_above_and_within_the_interval() -> None:
    assert plausibility(run(), 5e23).plausible is False
    assert "is above the plausible" in plausibility(run(), 5e23).reasons[0]
    within = plausibility(run(), 3e23)
    assert within.plausible is True
    assert within.reasons[0].startswith("3 × 10^23 FLOP is within the plausible")


def test_several_chip_types_add_up() -> None:
    chips = [
        {"chip": "NVIDIA A100", "quantity": 1000, "chip_hours": 720_000},
        {"chip": "NVIDIA H100 SXM5 80GB", "quantity": 100, "chip_hours": 10_000},
    ]
    found = plausibility(run(chips=chips), None)
    assert found.implied_flop == pytest.approx((720_000 * 312e12 + 10_000 * 989.4e12) * 3600 * 0.4)


def test_a_utilisation_outside_epochs_range_is_reported_without_a_declared_figure() -> None:
    found = plausibility(run(utilisation=0.9), None)
    assert found.plausible is None
    assert found.reasons == (
        "declared utilisation 90% is outside the 19%–58% Epoch's notable models report "
        "(5th to 95th percentile)",
    )


@pytest.mark.parametrize("declared", [0.0, -1e23, math.inf, math.nan])
def test_a_declared_compute_must_be_a_positive_figure(declared: float) -> None:
    with pytest.raises(InvalidInput, match="positive"):
        plausibility(run(), declared)


@pytest.mark.parametrize("name", ["NVIDIA A100", "nvidia a100", "  Nvidia A100 ", "NVIDIA a100"])
def test_chip_names_are_case_insensitive(name: str) -> None:
    assert peak_flops_at(name, Precision.BF16) == 312e12


@pytest.mark.parametrize(
    ("chip", "precision", "peak"),
    [
        ("NVIDIA A100", Precision.FP64, 9.7e12),
        ("NVIDIA A100", Precision.FP32, 19.5e12),
        ("NVIDIA A100", Precision.TF32, 156e12),
        ("NVIDIA A100", Precision.FP16, 312e12),  # the tensor rate, not the vector 77.97e12
        ("NVIDIA A100", Precision.INT8, 624e12),
        ("NVIDIA H100 NVL", Precision.FP16, 835.5e12),  # no tensor figure: the half-precision one
        ("Google TPU v4", Precision.BF16, 275e12),
        ("NVIDIA B300", Precision.FP8, 4.5e15),
    ],
)
def test_each_precision_reads_its_column_of_epochs_table(
    chip: str, precision: Precision, peak: float
) -> None:
    assert peak_flops_at(chip, precision) == peak


def test_an_unknown_chip_is_refused_with_close_names() -> None:
    with pytest.raises(
        InvalidInput, match="unknown chip 'NVIDIA A1OO': not in Epoch's hardware table"
    ) as refused:
        check_run(run(chips=[{"chip": "NVIDIA A1OO", "quantity": 1, "chip_hours": 1}]))
    assert "NVIDIA A100" in refused.value.message
    with pytest.raises(InvalidInput, match=r"close names: .*NVIDIA H100 PCIe"):
        peak_flops_at("H100", Precision.BF16)


def test_a_precision_the_table_lacks_for_the_chip_is_refused_naming_what_it_has() -> None:
    with pytest.raises(
        InvalidInput, match=r"no fp64 figure for Google TPU v4 \(its precisions: fp16, bf16, int8\)"
    ):
        check_run(run(chips=[{"chip": "google tpu v4", "quantity": 1, "chip_hours": 1}], precision="fp64"))


def test_every_bad_chip_of_a_run_is_named_at_once() -> None:
    chips = [
        {"chip": "No Such Chip", "quantity": 1, "chip_hours": 1},
        {"chip": "Google TPU v4", "quantity": 1, "chip_hours": 1},
    ]
    with pytest.raises(
        InvalidInput, match=r"unknown chip 'No Such Chip.*; .*no fp8 figure for Google TPU v4"
    ):
        check_run(run(chips=chips, precision="fp8"))


def test_a_run_filling_every_hour_of_its_period_is_accepted() -> None:
    # 30 days inclusive of both dates: 1,000 chips × 720 h
    assert run().chips[0].chip_hours == 720_000
    assert run(ended_on=date(2025, 1, 1), chips=[{"chip": "NVIDIA A100", "quantity": 2, "chip_hours": 48}])


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ended_on": date(2024, 12, 31)}, "ended_on 2024-12-31 is before started_on 2025-01-01"),
        (
            {"chips": [{"chip": "NVIDIA A100", "quantity": 1000, "chip_hours": 720_001}]},
            "720,001 chip-hours of NVIDIA A100 exceed what 1,000 chips can run in 720 hours",
        ),
        ({"utilisation": 0}, "greater than 0"),
        ({"utilisation": 1.2}, "less than or equal to 1"),
        ({"utilisation": math.nan}, "finite number"),
        ({"chips": [{"chip": "NVIDIA A100", "quantity": 0, "chip_hours": 1}]}, "greater than 0"),
        ({"chips": [{"chip": "NVIDIA A100", "quantity": 1, "chip_hours": -5}]}, "greater than 0"),
        ({"chips": []}, "at least 1 item"),
        ({"precision": "fp12"}, "Input should be 'fp64'"),
        ({"gpus": 3}, "Extra inputs are not permitted"),
    ],
)
def test_impossible_declarations_are_refused_with_the_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        run(**changes)


def test_a_chip_use_is_frozen_like_the_run() -> None:
    use = ChipUse(chip="NVIDIA A100", quantity=1, chip_hours=1)
    with pytest.raises(ValidationError):
        use.quantity = 2  # type: ignore[misc]


@cache
def _epoch_rows() -> list[dict[str, str]]:
    with SHIPPED.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_utilisation_range_is_the_5th_to_95th_percentile_of_epochs_declared_utilisations() -> None:
    """Recomputed from the shipped model table as the registry's import reads it (a value above
    1 is a percentage): nearest-rank percentiles, rounded outwards to two decimals."""
    items = parse_epoch(SHIPPED.read_text(encoding="utf-8-sig")).items
    computes = [item.passport.get("compute", {}) for item in items]
    values = sorted(compute["utilisation"] for compute in computes if "utilisation" in compute)
    assert len(values) == 62
    assert all(0 < value <= 1 for value in values)
    low = values[math.ceil(0.05 * len(values)) - 1]
    high = values[math.ceil(0.95 * len(values)) - 1]
    assert (low, high) == (0.1968, 0.5772)
    assert (math.floor(low * 100) / 100, math.ceil(high * 100) / 100) == UTILISATION_RANGE


def test_llama_3_1_405b_is_plausible_under_its_own_declaration_in_epochs_table() -> None:
    """Epoch's row: 16,384 H100 SXM5 for 2,142 hours in BF16 at 40.42% utilisation, 3.8 × 10^25
    FLOP."""
    (row,) = [r for r in _epoch_rows() if r["Model"] == "Llama 3.1-405B"]
    quantity, hours = int(float(row["Hardware quantity"])), float(row["Training time (hours)"])
    published = date.fromisoformat(row["Publication date"])
    declared = TrainingRun(
        model_id="llama-3.1-405b",
        chips=(ChipUse(chip=row["Training hardware"], quantity=quantity, chip_hours=quantity * hours),),
        started_on=published - timedelta(days=math.ceil(hours / 24) + 30),
        ended_on=published - timedelta(days=30),
        precision=Precision(row["Numerical format"].lower()),
        utilisation=float(row["Hardware utilization (MFU)"]),
    )
    found = plausibility(declared, float(row["Training compute (FLOP)"]))
    assert found.plausible is True
    assert found.lower < 3.8e25 < found.upper
    assert found.reasons[0].startswith("3.8 × 10^25 FLOP is within the plausible")
    assert "for 16,384 NVIDIA H100 SXM5 80GB for 35,094,528 chip-hours at bf16" in found.reasons[0]


def test_an_ambiguous_name_suggests_the_chip_most_models_were_trained_on_first() -> None:
    # Epoch's table counts 112 notable models trained on the H100 SXM5, 4 on the PCIe card, 3 on the NVL.
    with pytest.raises(
        InvalidInput, match="close names: NVIDIA H100 SXM5 80GB, NVIDIA H100 PCIe, NVIDIA H100 NVL"
    ):
        check_run(run(chips=[{"chip": "H100", "quantity": 1, "chip_hours": 1}]))
