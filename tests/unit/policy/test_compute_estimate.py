from __future__ import annotations

import pytest

from custos.policy.compute_estimate import by_hardware, by_operation_count, estimate, peak_flops


def test_six_n_d() -> None:
    found = by_operation_count(7e9, 2e12)
    assert found is not None
    assert found.central == pytest.approx(8.4e22)
    assert found.lower < found.central < found.upper


def test_peak_figures_come_from_epochs_table() -> None:
    # NVIDIA's datasheet: H100 SXM5, 989.4 dense BF16 TFLOP/s; A100, 312.
    assert peak_flops()["nvidia h100 sxm5 80gb"] == pytest.approx(989.4e12)
    assert peak_flops()["nvidia a100"] == pytest.approx(312e12)


def test_hardware_method_with_and_without_a_declared_utilisation() -> None:
    declared = by_hardware("NVIDIA A100", 1000, 100, 0.5)
    assert declared is not None and declared.central == pytest.approx(1000 * 100 * 3600 * 312e12 * 0.5)
    assumed = by_hardware("NVIDIA A100", 1000, 100, None)
    assert assumed is not None and assumed.lower < assumed.central < assumed.upper


def test_hardware_first_then_operation_counting_else_nothing() -> None:
    both = {
        "hardware_type": "NVIDIA A100",
        "hardware_quantity": 8,
        "training_time_hours": 10,
        "parameters": 1e9,
        "training_dataset_size_datapoints": 1e10,
    }
    assert estimate(both).method.startswith("hardware")  # type: ignore[union-attr]
    assert estimate({"parameters": 1e9, "training_dataset_size_datapoints": 1e10}).method.startswith(
        "operation"
    )  # type: ignore[union-attr]
    assert estimate({"hardware_type": "Abacus", "hardware_quantity": 8, "training_time_hours": 10}) is None
