"""Correlation between failures: from shared dependencies, or checked when given outright.

Two models hosted on the same provider, or built by the same developer, fail together more often
than two unrelated ones. Each failure unit gets a dependency profile (a provider: itself; a
model: its hosting shares and its developer), and the correlation is

    base · 11ᵀ + dependency · cos(profiles) + (1 − base − dependency) · I,

a sum of positive semi-definite matrices with non-negative weights and a unit diagonal, so it is
always a valid correlation matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from custos.core.errors import InvalidInput
from custos.risk.engine.network import Network

#: Eigenvalues down to minus this count as zero (rounding in a matrix typed by hand).
PSD_TOLERANCE = 1e-9


def dependency_profiles(network: Network) -> np.ndarray:
    """One unit-length row per failure unit (providers, then models) over shared dependencies."""
    providers, models = len(network.providers), len(network.models)
    developers = sorted(set(network.model_developers) - {""})
    developer_index = {name: providers + position for position, name in enumerate(developers)}
    profiles = np.zeros((providers + models, providers + len(developers)))
    profiles[:providers, :providers] = np.eye(providers)
    profiles[providers:, :providers] = sp.csr_array(network.hosting_share).toarray()
    for model, developer in enumerate(network.model_developers):
        if developer in developer_index:
            profiles[providers + model, developer_index[developer]] = 1.0
    norms = np.linalg.norm(profiles, axis=1, keepdims=True)
    return np.asarray(
        np.divide(profiles, norms, out=np.zeros_like(profiles), where=norms > 0), dtype=np.float64
    )


def dependency_correlation(profiles: np.ndarray, base: float, dependency: float) -> np.ndarray:
    cosine = profiles @ profiles.T
    np.fill_diagonal(cosine, 1.0)
    size = profiles.shape[0]
    rest = 1.0 - base - dependency
    return np.asarray(
        base * np.ones((size, size)) + dependency * cosine + rest * np.eye(size), dtype=np.float64
    )


def check_correlation(matrix: np.ndarray, names: Sequence[str]) -> None:
    """Refuse a matrix that is not a correlation matrix, naming the offending entry."""
    size = len(names)
    if matrix.shape != (size, size):
        raise InvalidInput(
            "the correlation matrix must be square, one row and column per node",
            evidence={"shape": list(matrix.shape), "nodes": size},
        )
    if not np.all(np.isfinite(matrix)):
        i, j = np.argwhere(~np.isfinite(matrix))[0]
        raise InvalidInput("a correlation must be a number", evidence={"entry": f"({names[i]}, {names[j]})"})
    for i, j in np.argwhere(np.abs(matrix - matrix.T) > PSD_TOLERANCE):
        raise InvalidInput(
            "the correlation matrix must be symmetric",
            evidence={
                "entry": f"({names[i]}, {names[j]})",
                "value": float(matrix[i, j]),
                "mirror": float(matrix[j, i]),
            },
        )
    for i in np.flatnonzero(np.abs(np.diag(matrix) - 1.0) > PSD_TOLERANCE):
        raise InvalidInput(
            "a correlation matrix has ones on its diagonal",
            evidence={"entry": f"({names[int(i)]}, {names[int(i)]})"},
        )
    for i, j in np.argwhere(np.abs(matrix) > 1 + PSD_TOLERANCE):
        raise InvalidInput(
            "a correlation lies between -1 and 1", evidence={"entry": f"({names[i]}, {names[j]})"}
        )
    values, vectors = np.linalg.eigh(matrix)
    if values[0] < -PSD_TOLERANCE:
        weights = np.abs(vectors[:, 0])
        culprits = [names[k] for k in np.argsort(-weights)[:3] if weights[k] > 1e-6]
        raise InvalidInput(
            "the correlation matrix is not positive semi-definite",
            evidence={"smallest_eigenvalue": float(values[0]), "entries_involved": culprits},
        )


def factor(matrix: np.ndarray) -> np.ndarray:
    """A matrix ``A`` with ``A Aᵀ = matrix`` that also works when the matrix is singular."""
    values, vectors = np.linalg.eigh(matrix)
    return np.asarray(vectors * np.sqrt(np.clip(values, 0.0, None)), dtype=np.float64)
