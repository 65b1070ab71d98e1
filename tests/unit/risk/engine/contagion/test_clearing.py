"""Clearing: published and hand-derived cases, properties on random networks, refused input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.risk.engine.contagion import (
    NotConverged,
    clearing_batched,
    clearing_exact,
    clearing_picard_scipy,
)

# FinNetValu's replication of Rogers and Veraart's three-bank example (Eisenberg–Noe clearing).
THREE_BANKS = np.array([[0.0, 0.1, 0.7], [2.0, 0.0, 10.5], [0.0, 8.4, 0.0]])
PUBLISHED = [([1.0, 1.0, 1.0], [0.8, 9.5, 8.4]), ([0.0, 0.0, 0.1], [0.8, 5.625, 5.525])]

# Two banks that owe each other: L = [[0, 4], [2, 0]], bank 1 also owes 3 outside, so
# pbar = (4, 5) and Pi = [[0, 1], [0.4, 0]]; external assets e = (1, 0.5).
# With everyone paying in full, bank 0 has 1 + 0.4 * 5 = 3 < 4 and bank 1 has 0.5 + 4 = 4.5 < 5:
# both default. Rogers–Veraart with alpha = beta = 1/2 then solves
#   p0 = 0.5 * 1 + 0.5 * 0.4 * p1 = 0.5 + 0.2 p1,   p1 = 0.5 * 0.5 + 0.5 * p0 = 0.25 + 0.5 p0,
# so p0 = 0.55 + 0.1 p0, p0 = 11/18 and p1 = 0.25 + 11/36 = 5/9; both still short, so it clears.
# Eisenberg–Noe (alpha = beta = 1) solves p0 = 1 + 0.4 p1, p1 = 0.5 + p0: p0 = 2, p1 = 2.5.
MUTUAL = np.array([[0.0, 4.0], [2.0, 0.0]])
MUTUAL_EXTERNAL = np.array([0.0, 3.0])
MUTUAL_ASSETS = np.array([1.0, 0.5])


@st.composite
def networks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    """A random sparse network with positive external liabilities (so clearing is unique and the
    iteration contracts), and the generator to draw scenarios from."""
    n = draw(st.integers(min_value=2, max_value=30))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    density = draw(st.floats(min_value=0.05, max_value=0.6))
    mask = rng.random((n, n)) < density
    np.fill_diagonal(mask, False)
    liabilities = np.where(mask, rng.lognormal(0.0, 1.0, (n, n)), 0.0)
    external = liabilities.sum(axis=1) * rng.uniform(0.2, 1.0, n) + rng.uniform(0.1, 2.0, n)
    return liabilities, external, rng


def scenarios(
    liabilities: np.ndarray, external: np.ndarray, rng: np.random.Generator, count: int
) -> np.ndarray:
    """External assets around the level that leaves each bank just solvent, so some default."""
    need = liabilities.sum(axis=1) + external - liabilities.sum(axis=0)
    return np.maximum(0.0, need)[:, None] * rng.uniform(0.3, 1.5, (need.size, count)) + rng.uniform(
        0.0, 0.5, (need.size, count)
    )


rates = st.tuples(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0))


@pytest.mark.parametrize(("assets", "expected"), PUBLISHED)
def test_the_published_three_bank_example_clears_exactly(assets: list[float], expected: list[float]) -> None:
    result = clearing_exact(THREE_BANKS, assets)
    np.testing.assert_allclose(result.payments, expected, rtol=0, atol=1e-12)
    reference = clearing_picard_scipy(THREE_BANKS, assets)
    np.testing.assert_allclose(reference.payments, expected, rtol=0, atol=1e-9)


def test_the_published_three_bank_example_clears_in_a_batch() -> None:
    assets = np.array([case[0] for case in PUBLISHED]).T
    result = clearing_batched(sp.csr_array(THREE_BANKS), assets)
    np.testing.assert_allclose(result.payments, np.array([case[1] for case in PUBLISHED]).T, atol=1e-9)
    np.testing.assert_array_equal(result.defaulted, [[False, False], [True, True], [False, True]])
    assert result.residual <= result.tolerance
    assert result.iterations > 1


def test_equity_and_external_payments_follow_the_balance_sheet() -> None:
    # Bank 0: 1 + 0.16 * 9.5 - 0.8 = 1.72; bank 1 defaults; bank 2: 1 + 0.875 * 0.8 + 0.84 * 9.5 - 8.4.
    result = clearing_exact(THREE_BANKS, [1.0, 1.0, 1.0], external_liabilities=[0.0, 0.0, 0.0])
    np.testing.assert_allclose(result.equity, [1.72, 0.0, 1.28], atol=1e-12)
    np.testing.assert_array_equal(result.defaulted, [False, True, False])
    np.testing.assert_array_equal(result.external_paid, [0.0, 0.0, 0.0])
    assert result.rounds == 1


def test_rogers_veraart_matches_the_hand_derivation() -> None:
    rv = clearing_exact(MUTUAL, MUTUAL_ASSETS, MUTUAL_EXTERNAL, alpha=0.5, beta=0.5)
    np.testing.assert_allclose(rv.payments, [11 / 18, 5 / 9], atol=1e-12)
    en = clearing_exact(MUTUAL, MUTUAL_ASSETS, MUTUAL_EXTERNAL)
    np.testing.assert_allclose(en.payments, [2.0, 2.5], atol=1e-12)
    # Bank 1 pays 5/9 of 5, of which 3/5 goes outside.
    np.testing.assert_allclose(rv.external_paid, [0.0, 5 / 9 * 3 / 5], atol=1e-12)
    batched = clearing_batched(MUTUAL, np.column_stack([MUTUAL_ASSETS]), MUTUAL_EXTERNAL, alpha=0.5, beta=0.5)
    np.testing.assert_allclose(batched.payments[:, 0], [11 / 18, 5 / 9], atol=1e-9)


def test_default_costs_can_fail_a_bank_that_eisenberg_noe_keeps_solvent() -> None:
    # Bank 0 owes bank 1 two and holds 1.8; bank 1 owes 1.5 outside and holds nothing else.
    # Eisenberg–Noe: bank 0 pays 1.8 >= 1.5, bank 1 survives. Rogers–Veraart with alpha = 1/2:
    # bank 0 pays 0.9 < 1.5, so bank 1 defaults too and passes on beta * 0.9 = 0.9.
    liabilities = np.array([[0.0, 2.0], [0.0, 0.0]])
    assets, external = [1.8, 0.0], [0.0, 1.5]
    en = clearing_exact(liabilities, assets, external)
    rv = clearing_exact(liabilities, assets, external, alpha=0.5, beta=1.0)
    np.testing.assert_allclose(en.payments, [1.8, 1.5])
    np.testing.assert_array_equal(en.defaulted, [True, False])
    np.testing.assert_allclose(rv.payments, [0.9, 0.9])
    np.testing.assert_array_equal(rv.defaulted, [True, True])


@settings(max_examples=60, deadline=None)
@given(networks(), rates, st.integers(min_value=1, max_value=40))
def test_batched_clearing_agrees_with_the_exact_method(
    network: tuple[np.ndarray, np.ndarray, np.random.Generator], rate: tuple[float, float], count: int
) -> None:
    liabilities, external, rng = network
    assets = scenarios(liabilities, external, rng, count)
    alpha, beta = rate
    batched = clearing_batched(sp.csr_matrix(liabilities), assets, external, alpha=alpha, beta=beta)
    for column in range(count):
        exact = clearing_exact(liabilities, assets[:, column], external, alpha=alpha, beta=beta)
        np.testing.assert_allclose(batched.payments[:, column], exact.payments, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(batched.defaulted[:, column], exact.defaulted)


@settings(max_examples=60, deadline=None)
@given(networks(), rates)
def test_payments_stay_between_nothing_and_the_obligations(
    network: tuple[np.ndarray, np.ndarray, np.random.Generator], rate: tuple[float, float]
) -> None:
    liabilities, external, rng = network
    assets = scenarios(liabilities, external, rng, 3)
    owed = (liabilities.sum(axis=1) + external) * (1 + 1e-15)  # one rounding of the sum's order
    batched = clearing_batched(liabilities, assets, external, alpha=rate[0], beta=rate[1])
    assert (batched.payments >= 0).all()
    assert (batched.payments <= owed[:, None]).all()
    exact = clearing_exact(liabilities, assets[:, 0], external, alpha=rate[0], beta=rate[1])
    assert (exact.payments >= 0).all()
    assert (exact.payments <= owed).all()
    np.testing.assert_allclose(exact.payments[~exact.defaulted], owed[~exact.defaulted], rtol=1e-14)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_eisenberg_noe_conserves_value(network: tuple[np.ndarray, np.ndarray, np.random.Generator]) -> None:
    liabilities, external, rng = network
    assets = scenarios(liabilities, external, rng, 1)[:, 0]
    result = clearing_exact(liabilities, assets, external)
    assert math.isclose(result.equity.sum() + result.external_paid.sum(), assets.sum(), rel_tol=1e-9)


@settings(max_examples=60, deadline=None)
@given(networks(), rates)
def test_rogers_veraart_never_pays_more_than_eisenberg_noe(
    network: tuple[np.ndarray, np.ndarray, np.random.Generator], rate: tuple[float, float]
) -> None:
    liabilities, external, rng = network
    assets = scenarios(liabilities, external, rng, 1)[:, 0]
    en = clearing_exact(liabilities, assets, external)
    rv = clearing_exact(liabilities, assets, external, alpha=rate[0], beta=rate[1])
    assert (rv.payments <= en.payments + 1e-9).all()
    assert (rv.defaulted >= en.defaulted).all()


@settings(max_examples=60, deadline=None)
@given(networks(), st.sampled_from([(1.0, 1.0), (0.5, 0.9), (0.0, 0.3)]))
def test_a_larger_shock_never_gives_fewer_defaults_or_larger_payments(
    network: tuple[np.ndarray, np.ndarray, np.random.Generator], rate: tuple[float, float]
) -> None:
    liabilities, external, rng = network
    assets = scenarios(liabilities, external, rng, 1)[:, 0]
    shocked = assets * rng.uniform(0.0, 1.0, assets.size)
    alpha, beta = rate
    before = clearing_exact(liabilities, assets, external, alpha=alpha, beta=beta)
    after = clearing_exact(liabilities, shocked, external, alpha=alpha, beta=beta)
    assert (after.defaulted >= before.defaulted).all()
    assert (after.payments <= before.payments + 1e-9).all()
    both = clearing_batched(liabilities, np.column_stack([assets, shocked]), external, alpha=alpha, beta=beta)
    assert (both.defaulted[:, 1] >= both.defaulted[:, 0]).all()
    assert (both.payments[:, 1] <= both.payments[:, 0] + 1e-9).all()


def test_the_batched_kernel_reports_its_residual_when_it_runs_out_of_iterations() -> None:
    with pytest.raises(NotConverged) as caught:
        clearing_batched(THREE_BANKS, np.array([[0.0], [0.0], [0.1]]), max_iterations=3)
    evidence = caught.value.evidence
    assert evidence["iterations"] == 3
    assert evidence["residual"] > evidence["tolerance"] > 0
    assert caught.value.status == 422


def test_the_reference_loop_reports_its_residual_when_it_runs_out_of_iterations() -> None:
    with pytest.raises(NotConverged) as caught:
        clearing_picard_scipy(THREE_BANKS, [0.0, 0.0, 0.1], max_iterations=2)
    assert caught.value.evidence["residual"] > caught.value.evidence["tolerance"]


@pytest.mark.parametrize(
    ("liabilities", "evidence"),
    [
        (np.zeros((3, 2)), {"shape": (3, 2)}),
        (np.zeros(3), {"shape": (3,)}),
        (np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]]), {"entry": "L[2,0]", "value": -1.0}),
        (sp.csr_matrix(np.array([[0.0, 2.0], [0.0, 3.0]])), {"entry": "L[1,1]", "value": 3.0}),
        (sp.csr_array(np.array([[0.0, 0.0], [-0.5, 0.0]])), {"entry": "L[1,0]", "value": -0.5}),
    ],
)
def test_a_malformed_liabilities_matrix_is_refused_by_entry(
    liabilities: object, evidence: dict[str, object]
) -> None:
    for method in (clearing_exact, clearing_batched):
        assets = np.ones((3, 1)) if method is clearing_batched else np.ones(3)
        with pytest.raises(InvalidInput) as caught:
            method(liabilities, assets)
        assert caught.value.evidence == evidence


def test_a_nan_is_refused_by_entry() -> None:
    liabilities = THREE_BANKS.copy()
    liabilities[0, 1] = np.nan
    with pytest.raises(InvalidInput) as caught:
        clearing_exact(liabilities, [1.0, 1.0, 1.0])
    assert caught.value.evidence["entry"] == "L[0,1]"
    assert math.isnan(caught.value.evidence["value"])
    assets = np.ones((3, 2))
    assets[1, 1] = np.nan
    with pytest.raises(InvalidInput) as caught:
        clearing_batched(THREE_BANKS, assets)
    assert caught.value.evidence["entry"] == "external_assets[1,1]"


@pytest.mark.parametrize(
    ("assets", "external", "evidence"),
    [
        (np.ones(2), None, {"shape": (2,), "institutions": 3}),
        (np.ones(3), [1.0, 1.0], {"shape": (2,), "institutions": 3}),
        (np.array([1.0, -2.0, 1.0]), None, {"entry": "external_assets[1]", "value": -2.0}),
    ],
)
def test_vectors_of_the_wrong_shape_or_sign_are_refused(
    assets: np.ndarray, external: list[float] | None, evidence: dict[str, object]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        clearing_exact(THREE_BANKS, assets, external)
    assert caught.value.evidence == evidence


def test_batched_scenarios_must_be_columns_of_one_row_per_institution() -> None:
    with pytest.raises(InvalidInput) as caught:
        clearing_batched(THREE_BANKS, np.ones(3))
    assert caught.value.evidence == {"shape": (3,), "institutions": 3}
    with pytest.raises(InvalidInput):
        clearing_batched(THREE_BANKS, np.ones((3, 0)))


@pytest.mark.parametrize(
    ("alpha", "beta", "name", "value"), [(1.5, 1.0, "alpha", 1.5), (1.0, -0.1, "beta", -0.1)]
)
def test_recovery_rates_outside_the_unit_interval_are_refused(
    alpha: float, beta: float, name: str, value: float
) -> None:
    for method in (clearing_exact, clearing_picard_scipy):
        with pytest.raises(InvalidInput) as caught:
            method(THREE_BANKS, [1.0, 1.0, 1.0], alpha=alpha, beta=beta)
        assert caught.value.evidence == {"entry": name, "value": value}
    with pytest.raises(InvalidInput):
        clearing_batched(THREE_BANKS, np.ones((3, 1)), alpha=alpha, beta=beta)


@pytest.mark.parametrize(("tol", "max_iterations"), [(0.0, 10), (math.nan, 10), (1e-9, 0)])
def test_iteration_limits_must_make_sense(tol: float, max_iterations: int) -> None:
    with pytest.raises(InvalidInput):
        clearing_batched(THREE_BANKS, np.ones((3, 1)), tol=tol, max_iterations=max_iterations)
