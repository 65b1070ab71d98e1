"""Asset shocks joint with failures: they move only in the draws where one of their units failed,
and adding one changes nothing in the draws where none did."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.simulate import draw_shocks, propagate
from custos.risk.engine.stress_test import run_stress_test
from tests.unit.risk.sample import sample_network, scenario

CREDIT_CRASH = "{sector: banking, mean: -0.08, volatility: 0.03, on_failure_of: [%s]}"


def _moves(text: str, draws: int = 200, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    network = sample_network()
    plan = compile_plan(network, scenario(text))
    return draw_shocks(plan, network, np.random.default_rng(seed), draws)


def _banking() -> np.ndarray:
    network = sample_network()
    return np.asarray([network.sectors[s] == "banking" for s in network.institution_sector])


def test_a_unit_that_always_fails_always_moves_the_assets() -> None:
    _, moves = _moves(
        "draws: 1\ncompromises: [{model: credit-llm, loss_rate: 0.2}]\n"
        "asset_shocks: [" + CREDIT_CRASH % "Credit LLM" + "]\n"  # by name
    )
    banks = _banking()
    assert np.all(moves[~banks] == 0)
    assert np.all(moves[banks] != 0)
    assert moves[banks][0].mean() == pytest.approx(-0.08, abs=4 * 0.03 / np.sqrt(200))


def test_a_unit_that_never_fails_never_moves_them() -> None:
    failed, moves = _moves(
        "draws: 1\ncorrelated_failures: {providers: {probability: 0.3}}\n"
        "asset_shocks: [" + CREDIT_CRASH % "credit-llm" + "]\n"
    )
    assert failed[:3].any()  # providers fail, the model does not
    assert not moves.any()


def test_per_failure_scales_the_move_by_how_many_failed() -> None:
    text = (
        "draws: 1\noutages: [{provider: cloud-north}, {provider: cloud-south}]\n"
        "asset_shocks: [{sector: all, mean: -0.05, on_failure_of: [cloud-north, cloud-south, gpu-east]%s}]\n"
    )
    _, once = _moves(text % "")
    _, twice = _moves(text % ", per_failure: true")
    assert np.all(once == -0.05) and np.all(twice == -0.1)


def test_a_joint_shock_moves_the_losses_of_its_draws_only() -> None:
    base = "draws: 400\ncorrelated_failures: {models: {probability: 0.2, loss_rate: 0.3}}\n"
    joint = base + "asset_shocks: [" + CREDIT_CRASH % "credit-llm" + "]\n"
    plain, shocked = (
        run_stress_test(sample_network(), scenario(base)),
        run_stress_test(sample_network(), scenario(joint)),
    )
    network = sample_network()
    plan = compile_plan(network, scenario(joint))
    credit = len(network.providers) + network.models.index["credit-llm"]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(plan.seed).spawn(1)[0]))
    failed, _ = draw_shocks(plan, network, rng, 400)
    hit = failed[credit]
    assert 0 < hit.sum() < 400
    same = shocked.aggregate.sample.system[~hit] == plain.aggregate.sample.system[~hit]
    assert same.all()
    assert np.all(shocked.aggregate.sample.system[hit] > plain.aggregate.sample.system[hit])


def test_an_unknown_unit_is_refused_with_its_entry() -> None:
    text = (
        "draws: 1\nasset_shocks: [{sector: all, mean: -0.01}, " + CREDIT_CRASH % "credit-llm, skynet" + "]\n"
    )
    with pytest.raises(InvalidInput, match="unknown node") as refused:
        compile_plan(sample_network(), scenario(text))
    assert refused.value.evidence == {"entry": "asset_shocks[1].on_failure_of[1]", "value": "skynet"}


@pytest.mark.parametrize(
    "shock",
    [
        "{sector: all, mean: -0.1, per_failure: true}",
        "{sector: all, mean: -0.1, on_failure_of: [a, a]}",
    ],
)
def test_the_schema_refuses_a_joint_shock_that_cannot_mean_anything(shock: str) -> None:
    with pytest.raises(InvalidInput):
        scenario(f"draws: 1\nasset_shocks: [{shock}]\n")


UNITS = ["cloud-north", "cloud-south", "gpu-east", "credit-llm", "fraud-net", "advisor-gpt", "claims-vision"]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    named=st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True),
    first=st.booleans(),
    mean=st.floats(-0.5, 0.5),
    volatility=st.floats(0, 0.2),
    per_failure=st.booleans(),
)
def test_draws_where_no_named_unit_failed_are_as_without_the_joint_shock(
    seed: int, named: list[str], first: bool, mean: float, volatility: float, per_failure: bool
) -> None:
    base = (
        "draws: 1\ncorrelated_failures: {providers: {probability: 0.1, loss_rate: 0.4}, "
        "models: {probability: 0.1, loss_rate: 0.3}}\n"
    )
    plain = "{sector: all, mean: -0.01, volatility: 0.02}"
    joint = (
        f"{{sector: banking, mean: {mean!r}, volatility: {volatility!r}, "
        f"on_failure_of: [{', '.join(named)}], per_failure: {str(per_failure).lower()}}}"
    )
    shocks = [joint, plain] if first else [plain, joint]
    network = sample_network()
    without = compile_plan(network, scenario(base + f"asset_shocks: [{plain}]\n"))
    with_joint = compile_plan(network, scenario(base + f"asset_shocks: [{', '.join(shocks)}]\n"))
    failed_a, moves_a = draw_shocks(without, network, np.random.default_rng(seed), 60)
    failed_b, moves_b = draw_shocks(with_joint, network, np.random.default_rng(seed), 60)
    assert np.array_equal(failed_a, failed_b)
    units = [len(network.providers) + network.models.index[u] if u in network.models.index else
             network.providers.index[u] for u in named]  # fmt: skip
    quiet = ~failed_a[units].any(axis=0)
    assert np.array_equal(moves_a[:, quiet], moves_b[:, quiet])
    system_a = propagate(without, network, failed_a[:, quiet], moves_a[:, quiet]).system
    system_b = propagate(with_joint, network, failed_b[:, quiet], moves_b[:, quiet]).system
    assert np.array_equal(system_a, system_b)
