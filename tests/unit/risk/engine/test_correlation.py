"""Correlated failures: the copulas' joint failure frequencies against the bivariate normal and
Student-t distributions (scipy), and the dependency correlation's guarantees."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from custos.risk.engine.correlation import check_correlation, dependency_correlation, dependency_profiles
from custos.risk.engine.plan import compile_plan
from custos.risk.engine.simulate import draw_shocks
from tests.unit.risk.sample import sample_network, scenario

DRAWS = 200_000


def _failures(copula: str) -> np.ndarray:
    text = f"""
correlated_failures:
  copula: {copula}
  degrees_of_freedom: 5
  providers: {{probability: 0.0, overrides: {{cloud-north: 0.1, cloud-south: 0.1}}}}
  correlation:
    nodes: [cloud-north, cloud-south]
    matrix: [[1, 0.6], [0.6, 1]]
"""
    network = sample_network()
    plan = compile_plan(network, scenario(text))
    failed, _ = draw_shocks(plan, network, np.random.default_rng(3), DRAWS)
    return failed


@pytest.mark.parametrize("copula", ["gaussian", "student-t"])
def test_joint_failures_follow_the_copula(copula: str) -> None:
    failed = _failures(copula)
    north, south = failed[0], failed[1]
    if copula == "gaussian":
        threshold = stats.norm.ppf(0.1)
        law = stats.multivariate_normal(mean=[0, 0], cov=[[1, 0.6], [0.6, 1]])
    else:
        threshold = stats.t.ppf(0.1, 5)
        law = stats.multivariate_t(loc=[0, 0], shape=[[1, 0.6], [0.6, 1]], df=5)
    joint = float(law.cdf([threshold, threshold]))
    error = 4 * np.sqrt(joint * (1 - joint) / DRAWS)
    assert abs(north.mean() - 0.1) < 4 * np.sqrt(0.09 / DRAWS)
    assert abs((north & south).mean() - joint) < error
    assert joint > 0.1 * 0.1 * 2  # far from independence, so the test can tell


def test_shared_hosts_and_developers_raise_correlation() -> None:
    network = sample_network()
    matrix = dependency_correlation(dependency_profiles(network), 0.1, 0.5)
    units = list(network.failure_units)
    at = {unit: k for k, unit in enumerate(units)}
    assert matrix[at["cloud-north"], at["cloud-south"]] == pytest.approx(0.1)  # nothing shared
    # advisor-gpt and credit-llm share North Cloud and their developer, fraud-net shares neither
    assert matrix[at["advisor-gpt"], at["credit-llm"]] > matrix[at["advisor-gpt"], at["fraud-net"]]
    assert np.allclose(np.diag(matrix), 1.0)
    check_correlation(matrix, units)  # a valid correlation matrix


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 8),
    st.floats(0, 0.5),
    st.floats(0, 0.5),
    st.integers(0, 2**32 - 1),
)
def test_dependency_correlation_is_always_a_correlation_matrix(
    size: int, base: float, dep: float, seed: int
) -> None:
    profiles = np.random.default_rng(seed).random((size, 4))
    profiles /= np.linalg.norm(profiles, axis=1, keepdims=True)
    check_correlation(dependency_correlation(profiles, base, dep), [f"u{k}" for k in range(size)])
