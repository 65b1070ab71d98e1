"""Subjects' facts from the registry: how a model's compute figure is resolved, and what a
deployment reads of its model.

Pinned from src/custos/policy/subjects.py and docs/policy.md ("Compute estimates"): a declared
``training_flop`` is used as is; without one Custos estimates it (operation counting, 6·N·D, for
language and multimodal models, else hardware, with the bounds calibrated on Epoch's table) and
marks it estimated and speculative, with its method; declared bounds stand; a declared or
estimated upper bound makes
the "upper_bound" figure set read it as ``training_flop``, otherwise both sets are alike; a
deployment's ``model_training_flop`` is its model's central figure; a model counts its
deployments. Every expected figure is worked out by hand.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from custos.passports.model import Passport
from custos.policy.compute_estimate import (
    ASSUMED_UTILISATION_FACTORS,
    DECLARED_UTILISATION_FACTORS,
    OPERATION_COUNT_FACTORS,
)
from custos.policy.facts import COMPUTE_FACTS
from custos.policy.subjects import Computes, Subject, deployment_subjects, model_subjects
from custos.registry.model import DeploymentRegistration, ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.registry.world import Parties

#: NVIDIA H100 SXM5 80GB's peak at 16-bit tensor precision in Epoch's hardware table, FLOP/s.
H100_PEAK = 9.894e14


@pytest.fixture
def lm(store: Store, world: Parties) -> Parties:
    """The world with a language model in place of its model: operation counting applies."""
    registered = RegistryService(store).register_model(
        ModelRegistration.model_validate(
            {"name": "Talker", "provider_id": world.provider, "domain": "Language"}
        ),
        by=world.supervisor,
    )
    return replace(world, model=registered.id)


def passport(store: Store, world: Parties, compute: dict[str, Any]) -> None:
    RegistryService(store).file_passport(
        world.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": compute}),
        by=world.supervisor,
    )


def model(store: Store, world: Parties) -> Subject:
    with store.read() as conn:
        (found,) = model_subjects(conn, [world.model])
    return found


def figures(store: Store, world: Parties) -> dict[str, dict[str, Any]]:
    with store.read() as conn:
        computes = Computes(conn)
        computes.load([world.model])
        return computes.of(world.model)


def deploy(store: Store, world: Parties, name: str) -> str:
    return str(
        RegistryService(store)
        .register_deployment(
            DeploymentRegistration.model_validate(
                {
                    "name": name,
                    "deployer_id": world.deployer,
                    "model_id": world.model,
                    "jurisdictions": ["DE"],
                    "sector": "finance",
                    "start_date": "2026-06-01",
                }
            ),
            by=world.supervisor,
        )
        .id
    )


# --- compute ------------------------------------------------------------------------------


def test_a_declared_figure_is_used_as_is(store: Store, world: Parties) -> None:
    """Parameters and data that would give 6·7e10·1.5e12 = 6.3e23 are ignored: 3e25 is declared."""
    passport(
        store,
        world,
        {
            "training_flop": 3e25,
            "confidence": "likely",
            "parameters": 7e10,
            "training_dataset_size_datapoints": 1.5e12,
        },
    )
    subject = model(store, world)
    for figure in ("central", "upper_bound"):
        facts = subject.facts[figure]
        assert facts["training_flop"] == 3e25
        assert facts["training_flop_estimated"] is False
        assert facts["compute_confidence"] == "likely"
        assert facts["parameters"] == 7e10


def test_without_a_figure_operation_counting_estimates_one_marked_speculative(
    store: Store, lm: Parties
) -> None:
    """6 × 7e10 parameters × 1.5e12 tokens = 6.3e23, bounded by 6.3e23 / 3.5 = 1.8e23 and
    6.3e23 × 26 = 1.638e25 (the calibrated factors)."""
    assert OPERATION_COUNT_FACTORS == (3.5, 26.0)
    passport(store, lm, {"parameters": 7e10, "training_dataset_size_datapoints": 1.5e12})
    central = figures(store, lm)["central"]
    assert central["training_flop"] == pytest.approx(6.3e23)
    assert central["training_flop_lower"] == pytest.approx(1.8e23)
    assert central["training_flop_upper"] == pytest.approx(1.638e25)
    assert (central["estimated"], central["confidence"], central["estimation_method"]) == (
        True,
        "speculative",
        "operation counting (6ND)",
    )
    subject = model(store, lm)
    assert subject.facts["central"]["training_flop"] == pytest.approx(6.3e23)
    assert subject.facts["central"]["training_flop_estimated"] is True
    assert subject.facts["central"]["compute_confidence"] == "speculative"
    assert subject.facts["upper_bound"]["training_flop"] == pytest.approx(1.638e25)
    assert subject.facts["upper_bound"]["training_flop_estimated"] is True


HARDWARE_RUN = {
    "hardware_type": "NVIDIA H100 SXM5 80GB",
    "hardware_quantity": 1000,
    "training_time_hours": 2000,
    "parameters": 7e10,
    "training_dataset_size_datapoints": 1.5e12,
}


def test_a_language_model_is_counted_before_its_hardware(store: Store, lm: Parties) -> None:
    """Epoch's order: 6·N·D = 6.3e23 is used although the hardware is declared too."""
    passport(store, lm, HARDWARE_RUN)
    assert figures(store, lm)["central"]["training_flop"] == pytest.approx(6.3e23)


def test_other_models_are_estimated_from_hardware_at_utilisation_0_4(store: Store, world: Parties) -> None:
    """A model of no language domain: 1,000 H100 SXM5 for 2,000 hours = 1000 × 2000 × 3600 ×
    9.894e14 = 7.12368e24 chip-FLOP; at 0.4, 2.849472e24, bounded by /4.5 and ×1.9. 6·N·D is
    not used: it does not hold outside transformers on tokens."""
    assert ASSUMED_UTILISATION_FACTORS == (4.5, 1.9)
    passport(store, world, HARDWARE_RUN)
    chip_flop = 1000 * 2000 * 3600 * H100_PEAK
    central = figures(store, world)["central"]
    assert central["training_flop"] == pytest.approx(chip_flop * 0.4)
    assert (central["training_flop_lower"], central["training_flop_upper"]) == (
        pytest.approx(chip_flop * 0.4 / 4.5),
        pytest.approx(chip_flop * 0.4 * 1.9),
    )
    assert central["estimation_method"] == "hardware (chips × time × peak × utilisation)"
    assert central["confidence"] == "speculative"
    facts = model(store, world).facts
    assert facts["central"]["training_flop"] == pytest.approx(2.849472e24)
    assert facts["upper_bound"]["training_flop"] == pytest.approx(2.849472e24 * 1.9)


def test_a_declared_utilisation_narrows_the_spread(store: Store, world: Parties) -> None:
    """At a declared 0.5 the estimate is 3.56184e24, bounded by /1.8 and ×1.2."""
    assert DECLARED_UTILISATION_FACTORS == (1.8, 1.2)
    passport(store, world, {**HARDWARE_RUN, "utilisation": 0.5})
    facts = model(store, world).facts
    assert facts["central"]["training_flop"] == pytest.approx(3.56184e24)
    assert facts["upper_bound"]["training_flop"] == pytest.approx(3.56184e24 * 1.2)


def test_declared_bounds_stand_when_no_central_figure_is_declared(store: Store, lm: Parties) -> None:
    """Bounds 1e23–2e24 declared, no central figure: the estimate 6.3e23 fills the centre only;
    its own bounds (1.8e23, 1.638e25) do not replace the provider's."""
    bounds = {"training_flop_lower": 1e23, "training_flop_upper": 2e24}
    passport(store, lm, {**bounds, "parameters": 7e10, "training_dataset_size_datapoints": 1.5e12})
    central = figures(store, lm)["central"]
    assert (central["training_flop_lower"], central["training_flop"], central["training_flop_upper"]) == (
        1e23,
        pytest.approx(6.3e23),
        2e24,
    )
    assert model(store, lm).facts["upper_bound"]["training_flop"] == 2e24


def test_an_estimate_outside_the_declared_bounds_is_held_to_them(store: Store, lm: Parties) -> None:
    """6.3e23 estimated against a declared ceiling of 1e23: the central figure is the ceiling."""
    passport(
        store,
        lm,
        {"training_flop_upper": 1e23, "parameters": 7e10, "training_dataset_size_datapoints": 1.5e12},
    )
    central = figures(store, lm)["central"]
    assert (central["training_flop_lower"], central["training_flop"], central["training_flop_upper"]) == (
        1e23,
        1e23,
        1e23,
    )


def test_a_declared_upper_bound_is_the_upper_bound_figure(store: Store, world: Parties) -> None:
    passport(store, world, {"training_flop": 3e25, "training_flop_upper": 9e25, "confidence": "likely"})
    facts = model(store, world).facts
    assert facts["central"]["training_flop"] == 3e25
    assert facts["upper_bound"]["training_flop"] == 9e25
    assert figures(store, world)["upper_bound"]["training_flop"] == 9e25
    assert facts["upper_bound"]["cumulative_training_flop"] == 9e25
    # facts other than compute are the same under either figure
    assert {k: v for k, v in facts["upper_bound"].items() if k not in COMPUTE_FACTS} == {
        k: v for k, v in facts["central"].items() if k not in COMPUTE_FACTS
    }


def test_without_a_declaration_or_an_estimate_the_figure_is_absent(store: Store, world: Parties) -> None:
    """Neither a passport nor anything to estimate from: ``training_flop`` is unknown, never 0."""
    facts = model(store, world).facts
    assert "training_flop" not in facts["central"]
    assert "training_flop_estimated" not in facts["central"]
    passport(store, world, {"parameters": 7e10})  # no data size: nothing to count
    assert "training_flop" not in model(store, world).facts["central"]


# --- deployments ------------------------------------------------------------------------------


def test_a_deployment_reads_its_models_central_figure(store: Store, world: Parties) -> None:
    passport(store, world, {"training_flop": 3e25, "training_flop_upper": 9e25})
    deployment = deploy(store, world, "Credit scoring")
    with store.read() as conn:
        (subject,) = deployment_subjects(conn, [deployment])
    assert (subject.id, subject.kind.value, subject.owner) == (deployment, "deployment", world.deployer)
    assert subject.facts["central"]["model_training_flop"] == 3e25
    assert subject.facts["upper_bound"]["model_training_flop"] == 3e25
    assert subject.facts["central"]["sector"] == "finance"
    assert subject.dates == {"start_date": "2026-06-01"}


def test_a_deployment_of_an_estimated_model_reads_the_estimate(store: Store, lm: Parties) -> None:
    passport(store, lm, {"parameters": 7e10, "training_dataset_size_datapoints": 1.5e12})
    deployment = deploy(store, lm, "Chat")
    with store.read() as conn:
        (subject,) = deployment_subjects(conn, [deployment])
    assert subject.facts["central"]["model_training_flop"] == pytest.approx(6.3e23)


def test_a_model_counts_its_deployments(store: Store, world: Parties) -> None:
    assert model(store, world).facts["central"]["deployment_count"] == 0.0
    deploy(store, world, "One")
    deploy(store, world, "Two")
    subject = model(store, world)
    assert subject.facts["central"]["deployment_count"] == 2.0
    assert subject.facts["upper_bound"]["deployment_count"] == 2.0
    assert (subject.owner, subject.kind.value) == (world.provider, "model")


def test_only_the_facts_asked_for_are_derived(store: Store, world: Parties) -> None:
    passport(store, world, {"training_flop": 3e25})
    with store.read() as conn:
        (subject,) = model_subjects(conn, [world.model], {"training_flop"})
    assert subject.facts["central"] == {"training_flop": 3e25}
