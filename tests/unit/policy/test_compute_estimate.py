"""Compute estimates against independent figures: the worked examples of the Commission's
guidelines (C(2025) 5045, Annex A.2), NVIDIA's datasheets, and Epoch AI's own training-compute
figures in the shipped table, on which the bounds are calibrated (the coverage test below
recomputes it, so the constants in ``compute_estimate`` cannot drift from what they claim)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest

from custos.passports.epoch import SHIPPED, parse_epoch
from custos.passports.records import ImportItem
from custos.policy.compute_estimate import (
    ASSUMED_UTILISATION_FACTORS,
    COVERAGE,
    DECLARED_UTILISATION_FACTORS,
    OPERATION_COUNT_FACTORS,
    Estimate,
    by_hardware,
    by_operation_count,
    estimate,
    is_language,
    peak_flops,
)

H100 = "NVIDIA H100 SXM5 80GB"


# --- the guidelines' worked examples ----------------------------------------------------------


def test_guidelines_operation_count_example() -> None:
    """3.8 billion parameters on 3.3 trillion tokens: 6 × 3.8e9 × 3.3e12 = 7.524e22 ≈ 7.5·10^22."""
    found = by_operation_count(3.8e9, 3.3e12)
    assert found is not None
    assert found.central == pytest.approx(7.524e22)
    assert found.central == pytest.approx(7.5e22, rel=0.01)


def test_guidelines_language_model_hardware_example_implies_utilisation_about_half() -> None:
    """370,000 H100-hours at 989 TFLOP/s peak ≈ 6.5·10^23: 370,000 × 3600 × 9.89e14 =
    1.317e24 chip-FLOP, so the guidelines assume a utilisation of 6.5e23 / 1.317e24 ≈ 0.49."""
    chip_operations = 370_000 * 3600 * 989e12
    implied = 6.5e23 / chip_operations
    assert implied == pytest.approx(0.4934, abs=1e-3)
    found = by_hardware(H100, 370_000, 1, implied)
    assert found is not None
    assert found.central == pytest.approx(6.5e23, rel=0.001)  # Epoch's peak 989.4 vs 989


def test_guidelines_diffusion_hardware_example() -> None:
    """200,000 A100-hours at 300 TFLOP/s and 50% ≈ 10^23 (200,000 × 3600 × 3e14 × 0.5 = 1.08e23).
    Epoch's table gives the A100 312 TFLOP/s, so Custos finds 1.1232e23, within the guidelines'
    30% margin of theirs."""
    found = by_hardware("NVIDIA A100", 200_000, 1, 0.5)
    assert found is not None
    assert found.central == pytest.approx(200_000 * 3600 * 312e12 * 0.5)
    assert found.central == pytest.approx(1.08e23, rel=0.3)


def test_peak_figures_come_from_epochs_table() -> None:
    # NVIDIA's datasheet: H100 SXM5, 989.4 dense BF16 TFLOP/s; A100, 312.
    assert peak_flops()["nvidia h100 sxm5 80gb"] == pytest.approx(989.4e12)
    assert peak_flops()["nvidia a100"] == pytest.approx(312e12)


# --- order, epochs, mixtures of experts, utilisation --------------------------------------------

RUN: dict[str, object] = {
    "hardware_type": "NVIDIA A100",
    "hardware_quantity": 8,
    "training_time_hours": 10,
    "parameters": 1e9,
    "training_dataset_size_datapoints": 1e10,
}


def _method(found: Estimate | None) -> str:
    assert found is not None
    return found.method


def test_operation_counting_first_for_language_then_hardware_else_nothing() -> None:
    assert _method(estimate(RUN, "Language")).startswith("operation")
    assert _method(estimate(RUN, "Multimodal,Language,Vision")).startswith("operation")
    assert _method(estimate(RUN, "Vision")).startswith("hardware")
    assert _method(estimate(RUN)).startswith("hardware")
    assert estimate({"parameters": 1e9, "training_dataset_size_datapoints": 1e10}, "Games") is None
    assert estimate({"hardware_type": "Abacus", "hardware_quantity": 8, "training_time_hours": 10}) is None


def test_epochs_multiply_the_operation_count() -> None:
    """GPT-2-like: 1.5e9 parameters, 1e10 tokens, 20 epochs = 6 × 1.5e9 × 1e10 × 20 = 1.8e21."""
    found = estimate(
        {"parameters": 1.5e9, "training_dataset_size_datapoints": 1e10, "epochs": 20}, "Language"
    )
    assert found is not None and found.central == pytest.approx(1.8e21)


@pytest.mark.parametrize(("domain", "utilisation"), [("Language", 0.3), ("Multimodal", 0.3), ("Vision", 0.4)])
def test_default_utilisation_follows_epochs_guidance_by_domain(domain: str, utilisation: float) -> None:
    found = estimate({k: v for k, v in RUN.items() if k.startswith(("hardware", "training_time"))}, domain)
    assert found is not None
    assert found.central == pytest.approx(8 * 10 * 3600 * 312e12 * utilisation)
    low, high = ASSUMED_UTILISATION_FACTORS
    assert (found.lower, found.upper) == (
        pytest.approx(found.central / low),
        pytest.approx(found.central * high),
    )


def test_a_declared_utilisation_is_used_with_narrower_bounds() -> None:
    found = by_hardware("NVIDIA A100", 1000, 100, 0.5)
    assert found is not None and found.central == pytest.approx(1000 * 100 * 3600 * 312e12 * 0.5)
    low, high = DECLARED_UTILISATION_FACTORS
    assert (found.lower, found.upper) == (
        pytest.approx(found.central / low),
        pytest.approx(found.central * high),
    )


def test_is_language_reads_epochs_comma_separated_domains() -> None:
    assert is_language("Vision, Language") and not is_language("Vision") and not is_language(None)


# --- calibration on the shipped table ----------------------------------------------------------


@dataclass(frozen=True)
class Row:
    epoch_figure: float
    compute: dict[str, object]
    domain: str | None


@cache
def calibration_rows() -> tuple[Row, ...]:
    """Rows with Epoch's own training compute, fine-tunes left out (Epoch's figure for those adds
    the base model's compute, which the row's inputs do not describe)."""
    items: list[ImportItem] = parse_epoch(SHIPPED.read_text(encoding="utf-8-sig")).items
    return tuple(
        Row(item.passport["compute"]["training_flop"], item.passport["compute"], item.model.get("domain"))
        for item in items
        if item.passport.get("compute", {}).get("training_flop") and not item.base_model_name
    )


def _hardware(row: Row) -> Estimate | None:
    inputs = ("parameters", "active_parameters", "training_dataset_size_datapoints")
    return estimate({k: v for k, v in row.compute.items() if k not in inputs}, row.domain)


def _counted(row: Row) -> Estimate | None:
    if not is_language(row.domain):
        return None
    found = estimate({k: v for k, v in row.compute.items() if not k.startswith("hardware")}, row.domain)
    return found if found is not None and found.method.startswith("operation") else None


METHODS = {
    # method: (estimator, which rows, factors, rows in the shipped table, share within ×3)
    "operation counting": (_counted, lambda row: True, OPERATION_COUNT_FACTORS, 403, 0.84),
    "hardware, assumed utilisation": (
        _hardware,
        lambda row: "utilisation" not in row.compute,
        ASSUMED_UTILISATION_FACTORS,
        184,
        0.86,
    ),
    "hardware, declared utilisation": (
        _hardware,
        lambda row: "utilisation" in row.compute,
        DECLARED_UTILISATION_FACTORS,
        38,
        1.0,
    ),
}


@pytest.mark.parametrize("method", METHODS)
def test_bounds_hold_the_stated_share_of_epochs_figures(method: str) -> None:
    """The interval [central / low, central × high] holds at least COVERAGE of Epoch's figures,
    on exactly the rows the module's comment counts; and a factor of three would not."""
    estimator, which, factors, expected_rows, within_three = METHODS[method]
    pairs = [
        (found, row.epoch_figure)
        for row in calibration_rows()
        if which(row) and (found := estimator(row)) is not None
    ]
    assert len(pairs) == expected_rows
    inside = sum(found.lower <= figure <= found.upper for found, figure in pairs) / len(pairs)
    assert inside >= COVERAGE
    three = sum(found.central / 3 <= figure <= found.central * 3 for found, figure in pairs) / len(pairs)
    assert three == pytest.approx(within_three, abs=0.005)
    # rounded outwards by no more than needed: a tenth tighter on either side loses coverage
    low, high = factors
    tighter = sum(
        found.central / (low * 0.9) <= figure <= found.central * (1 + (high - 1) * 0.9)
        for found, figure in pairs
    )
    assert tighter / len(pairs) < COVERAGE


def test_qmoe_is_a_mixture_of_experts_and_not_counted_on_its_total() -> None:
    """QMoE compresses Switch-C (1.571e12 parameters, 5.76e11 tokens): 6·N·D on the total gave
    5.4e24, with an upper bound of 1.6e25 at a factor of three (1.4e26 at the calibrated
    factor), where Epoch puts Switch at 8.2e22. The row
    names no active-parameter count, so nothing is counted and no estimate crosses 10^25: the
    compute stays unknown, and rules over it undetermined, until someone states it."""
    items = parse_epoch(SHIPPED.read_text(encoding="utf-8-sig")).items
    (qmoe,) = [i for i in items if i.model["name"].startswith("QMoE")]
    compute = qmoe.passport["compute"]
    assert (compute["parameters"], compute["mixture_of_experts"]) == (1.571e12, True)
    assert "active_parameters" not in compute
    assert estimate(compute, qmoe.model.get("domain")) is None
    (switch,) = [i for i in items if i.model["name"] == "Switch"]
    assert switch.passport["compute"]["training_flop"] == 8.22e22


def test_mixtral_rows_are_counted_on_their_active_parameters_as_epoch_counts_them() -> None:
    """Epoch's own notes: 6 × 12.9e9 active × 1e13 tokens = 7.74e23 for Mixtral 8x7B; the row
    gives no token count, so the active figure is checked and the sum worked here."""
    items = {i.model["name"]: i for i in parse_epoch(SHIPPED.read_text(encoding="utf-8-sig")).items}
    compute = items["Mixtral 8x7B"].passport["compute"]
    assert (compute["parameters"], compute["active_parameters"]) == (46.7e9, 12.9e9)
    found = estimate({**compute, "training_dataset_size_datapoints": 1e13}, "Language")
    assert found is not None and found.central == pytest.approx(compute["training_flop"])
