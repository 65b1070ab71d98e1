"""Provider-level differentially private releases and the licence taxonomy.

Truths used here are independent of OpenDP: clipping worked out by hand (a provider with
(3, 4) clipped to norm 1 is (3/7, 4/7) in L1 and (0.6, 0.8) in L2), the Laplace scale
bound/epsilon, the analytic Gaussian mechanism of Balle and Wang (2018, Theorem 8) and the
classical bound sigma = bound * sqrt(2 ln(1.25/delta)) / epsilon, and the quantiles of the
Laplace and normal distributions from scipy. Noise is OpenDP's (its own CSPRNG, not seedable),
so statistical checks use tolerances they exceed only with negligible probability.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from scipy import stats

from custos.core.errors import InvalidInput
from custos.provenance.privacy import (
    LICENCE_FAMILIES,
    OPENDP_MISSING,
    Mechanism,
    Release,
    licence_family,
    release,
)

TIGHT_EPSILON = 10.0
"""The largest epsilon allowed: noise scale bound/10, so clipped totals show through."""


def _values(result: Release) -> dict[str, float]:
    return {cell.cell: cell.value for cell in result.cells}


def _within(value: float, expected: float, result: Release) -> bool:
    """True unless the noise exceeds 30 Laplace scales or 12 sigmas (probability < 1e-13)."""
    width = 30 * result.scale if result.mechanism is Mechanism.LAPLACE else 12 * result.scale
    return abs(value - expected) <= width


# Clipping and cells ------------------------------------------------------------------------------


def test_laplace_clips_each_provider_to_l1_bound() -> None:
    huge = [(f"p{i}", "x", 3e9) for i in range(100)] + [(f"p{i}", "y", 4e9) for i in range(100)]
    small = [(f"q{i}", "x", 0.25) for i in range(40)]
    result = release(huge + small, ["x", "y"], bound=1.0, mechanism=Mechanism.LAPLACE, epsilon=TIGHT_EPSILON)
    values = _values(result)
    # Each huge provider contributes (3/7, 4/7); a small one (0.25, 0) unchanged.
    assert _within(values["x"], 100 * 3 / 7 + 40 * 0.25, result)
    assert _within(values["y"], 100 * 4 / 7, result)


def test_gaussian_clips_each_provider_to_l2_bound() -> None:
    huge = [(f"p{i}", "x", 3e9) for i in range(100)] + [(f"p{i}", "y", 4e9) for i in range(100)]
    result = release(
        huge, ["x", "y"], bound=1.0, mechanism=Mechanism.GAUSSIAN, epsilon=TIGHT_EPSILON, delta=1e-6
    )
    values = _values(result)
    assert _within(values["x"], 100 * 0.6, result)
    assert _within(values["y"], 100 * 0.8, result)


def test_a_provider_within_the_bound_is_not_scaled() -> None:
    rows = [(f"p{i}", cell, 0.2) for i in range(50) for cell in ("x", "y")]
    result = release(rows, ["x", "y"], bound=1.0, mechanism=Mechanism.LAPLACE, epsilon=TIGHT_EPSILON)
    assert all(_within(value, 10.0, result) for value in _values(result).values())


def test_rows_of_one_provider_in_one_cell_add_up_before_clipping() -> None:
    rows = [(f"p{i}", "x", 0.75) for i in range(60)] * 2
    result = release(rows, ["x"], bound=1.0, mechanism=Mechanism.LAPLACE, epsilon=TIGHT_EPSILON)
    # Each provider holds 1.5 in x, clipped to 1: the total is 60, not 90 nor 45.
    assert _within(_values(result)["x"], 60.0, result)


def test_rows_outside_the_cells_are_dropped_and_do_not_count_towards_the_norm() -> None:
    rows = [(f"p{i}", "x", 0.5) for i in range(100)] + [(f"p{i}", "z", 1e9) for i in range(100)]
    result = release(rows, ["x", "y"], bound=1.0, mechanism=Mechanism.LAPLACE, epsilon=TIGHT_EPSILON)
    assert [cell.cell for cell in result.cells] == ["x", "y"]
    values = _values(result)
    # Counted in the norm, z would scale x down to nothing; folded into x, x would reach 100.
    assert _within(values["x"], 50.0, result)
    assert _within(values["y"], 0.0, result)


def test_cells_come_back_in_the_order_given_even_when_empty() -> None:
    cells = ["web", "books", "code", "news"]
    result = release([], cells, bound=2.0, mechanism=Mechanism.GAUSSIAN, epsilon=1.0, delta=1e-6)
    assert [cell.cell for cell in result.cells] == cells
    assert result.mechanism is Mechanism.GAUSSIAN
    assert (result.epsilon, result.delta, result.bound) == (1.0, 1e-6, 2.0)


# Calibration -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("bound", "epsilon"), [(1.0, 1.0), (3.0, 0.7), (7.3, 0.3), (1e6, 0.1), (1e-6, 10.0)])
def test_laplace_scale_is_bound_over_epsilon(bound: float, epsilon: float) -> None:
    result = release([], ["x"], bound=bound, mechanism=Mechanism.LAPLACE, epsilon=epsilon)
    assert result.scale == pytest.approx(bound / epsilon, rel=1e-12)
    assert result.scale >= bound / epsilon
    assert result.cells[0].error_95 == pytest.approx(stats.laplace.ppf(0.975, scale=result.scale), rel=1e-12)


def _analytic_delta(sigma: float, bound: float, epsilon: float) -> float:
    """The exact delta of the Gaussian mechanism at epsilon (Balle and Wang 2018, Theorem 8)."""
    a = bound / (2 * sigma)
    b = epsilon * sigma / bound
    return float(stats.norm.cdf(a - b) - math.exp(epsilon + stats.norm.logcdf(-a - b)))


def _analytic_sigma(bound: float, epsilon: float, delta: float) -> float:
    """The least sigma for (epsilon, delta)-DP, by bisection on the exact delta."""
    low, high = 1e-9 * bound, 1e3 * bound
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (low, middle) if _analytic_delta(middle, bound, epsilon) <= delta else (middle, high)
    return high


@pytest.mark.parametrize(
    ("bound", "epsilon", "delta"),
    [(1.0, 1.0, 1e-6), (2.0, 0.5, 1e-9), (1e5, 0.1, 1e-5), (1.0, 10.0, 1e-12), (0.01, 3.0, 1e-7)],
)
def test_gaussian_sigma_is_private_and_near_optimal(bound: float, epsilon: float, delta: float) -> None:
    result = release([], ["x"], bound=bound, mechanism=Mechanism.GAUSSIAN, epsilon=epsilon, delta=delta)
    sigma = result.scale
    optimal = _analytic_sigma(bound, epsilon, delta)
    # The guarantee holds by the exact analysis, and no mechanism can use less noise.
    assert _analytic_delta(sigma, bound, epsilon) <= delta
    assert sigma >= optimal * (1 - 1e-9)
    # The search finds OpenDP's boundary rather than a loose upper end of the range.
    assert sigma <= 1.5 * optimal
    if epsilon <= 1:
        assert sigma <= bound * math.sqrt(2 * math.log(1.25 / delta)) / epsilon
    assert result.cells[0].error_95 == pytest.approx(stats.norm.ppf(0.975) * sigma, rel=1e-6)


# Spread of the noise ----------------------------------------------------------------------------

DRAWS = 20_000


def _noise(mechanism: Mechanism, delta: float) -> tuple[np.ndarray, Release]:
    result = release(
        [],
        [f"cell-{i}" for i in range(DRAWS)],
        bound=2.0,
        mechanism=mechanism,
        epsilon=0.5,
        delta=delta,
    )
    return np.array([cell.value for cell in result.cells]), result


def _binomial_tolerance() -> float:
    """Eight standard deviations of the share inside error_95 (probability below 1e-14)."""
    return 8 * math.sqrt(0.95 * 0.05 / DRAWS)


def test_laplace_noise_has_the_laplace_spread() -> None:
    noise, result = _noise(Mechanism.LAPLACE, 0.0)
    inside = float(np.mean(np.abs(noise) <= result.cells[0].error_95))
    assert abs(inside - 0.95) <= _binomial_tolerance()
    assert stats.kstest(noise, "laplace", args=(0, result.scale)).pvalue > 1e-9
    assert float(np.var(noise)) == pytest.approx(2 * result.scale**2, rel=0.15)


def test_gaussian_noise_has_the_gaussian_spread() -> None:
    noise, result = _noise(Mechanism.GAUSSIAN, 1e-6)
    inside = float(np.mean(np.abs(noise) <= result.cells[0].error_95))
    assert abs(inside - 0.95) <= _binomial_tolerance()
    assert stats.kstest(noise, "norm", args=(0, result.scale)).pvalue > 1e-9
    assert float(np.std(noise)) == pytest.approx(result.scale, rel=0.05)


# Refusals ---------------------------------------------------------------------------------------

GOOD: dict[str, object] = {"bound": 1.0, "mechanism": "laplace", "epsilon": 1.0, "delta": 0.0}


@pytest.mark.parametrize(
    ("changes", "cells", "rows", "says"),
    [
        ({"epsilon": 0.0}, ["x"], [], "epsilon"),
        ({"epsilon": -1.0}, ["x"], [], "epsilon"),
        ({"epsilon": 10.5}, ["x"], [], "epsilon"),
        ({"epsilon": math.nan}, ["x"], [], "epsilon"),
        ({"bound": 0.0}, ["x"], [], "bound"),
        ({"bound": -2.0}, ["x"], [], "bound"),
        ({"bound": math.inf}, ["x"], [], "bound"),
        ({"delta": 1e-6}, ["x"], [], "delta must be 0"),
        ({"mechanism": "gaussian"}, ["x"], [], "delta in (0, 1)"),
        ({"mechanism": "gaussian", "delta": 1.0}, ["x"], [], "delta in (0, 1)"),
        ({"mechanism": "exponential"}, ["x"], [], "unknown mechanism"),
        ({}, [], [], "at least one cell"),
        ({}, ["x", "y", "x"], [], "repeated: x"),
        ({}, ["x"], [("p", "x", -1.0)], "row 0"),
        ({}, ["x"], [("p", "x", 1.0), ("q", "z", math.nan)], "row 1"),
        ({}, ["x"], [("p", "x", math.inf)], ">= 0"),
    ],
)
def test_bad_parameters_are_refused(
    changes: dict[str, object], cells: list[str], rows: list[tuple[str, str, float]], says: str
) -> None:
    arguments = {**GOOD, **changes}
    with pytest.raises(InvalidInput) as refused:
        release(rows, cells, **arguments)  # type: ignore[arg-type]
    assert says in refused.value.message


def test_without_opendp_a_release_is_refused_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opendp", None)
    monkeypatch.setitem(sys.modules, "opendp.prelude", None)
    with pytest.raises(InvalidInput) as refused:
        release([("p", "x", 1.0)], ["x"], bound=1.0, mechanism=Mechanism.LAPLACE, epsilon=1.0)
    assert refused.value.message == OPENDP_MISSING


# Licence families -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("licence", "family"),
    [
        ("MIT", "permissive"),
        ("mit", "permissive"),
        ("Apache-2.0", "permissive"),
        ("BSD-3-Clause", "permissive"),
        ("ISC", "permissive"),
        ("CC-BY-4.0", "permissive"),
        ("CC-BY-3.0", "permissive"),
        ("GPL-3.0-only", "copyleft"),
        ("GPL-2.0+", "copyleft"),
        ("LGPL-2.1-or-later", "copyleft"),
        ("AGPL-3.0-or-later", "copyleft"),
        ("MPL-2.0", "copyleft"),
        ("CC-BY-SA-4.0", "copyleft"),
        ("ODbL-1.0", "copyleft"),
        ("CC-BY-NC-4.0", "non-commercial"),
        ("CC-BY-NC-SA-4.0", "non-commercial"),
        ("CC-BY-NC-ND-3.0", "non-commercial"),
        ("CC0-1.0", "public-domain"),
        ("PDDL-1.0", "public-domain"),
        ("proprietary", "proprietary"),
        ("LicenseRef-Acme-Data-Terms", "proprietary"),
        ("unknown", "unknown"),
        ("NOASSERTION", "unknown"),
        ("CC-BY-ND-4.0", "unknown"),
        ("Some-Made-Up-Licence", "unknown"),
        # OR: the freest family the user may choose; AND: the most restrictive that applies.
        ("MIT OR GPL-3.0-only", "permissive"),
        ("GPL-3.0-only OR CC0-1.0", "public-domain"),
        ("Apache-2.0 AND CC-BY-NC-4.0", "non-commercial"),
        ("MIT AND unknown", "unknown"),
        ("MIT OR unknown", "permissive"),
        ("MIT AND GPL-2.0 OR proprietary", "copyleft"),
        ("proprietary OR MIT AND GPL-2.0", "copyleft"),
        ("(MIT OR proprietary) AND CC-BY-SA-4.0", "copyleft"),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", "copyleft"),
        ("mit or apache-2.0", "permissive"),
        # Malformed expressions.
        ("(MIT", "unknown"),
        ("MIT AND", "unknown"),
        ("MIT GPL-3.0-only", "unknown"),
        ("MIT WITH", "unknown"),
        (")", "unknown"),
    ],
)
def test_licence_family(licence: str, family: str) -> None:
    assert licence_family(licence) == family


def test_licence_families_are_the_public_taxonomy_in_a_fixed_order() -> None:
    assert LICENCE_FAMILIES == (
        "public-domain",
        "permissive",
        "copyleft",
        "non-commercial",
        "proprietary",
        "unknown",
    )


def test_licence_families_serve_as_release_cells() -> None:
    rows = [(f"p{i}", licence_family("CC-BY-NC-4.0"), 1.0) for i in range(100)]
    result = release(rows, LICENCE_FAMILIES, bound=1.0, mechanism=Mechanism.LAPLACE, epsilon=TIGHT_EPSILON)
    values = _values(result)
    assert _within(values["non-commercial"], 100.0, result)
    assert _within(values["permissive"], 0.0, result)
