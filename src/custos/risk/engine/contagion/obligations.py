"""What each institution owes in all, and the shares in which its payments go to each creditor.

Eisenberg and Noe's model pays creditors pro rata: whatever ``i`` pays is split over its creditors
in the proportions ``Pi[i, j] = L[i, j] / pbar[i]``, the rows of the relative liabilities matrix.
Both the exact and the batched clearing methods start from these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from custos.risk.engine.contagion.validation import FloatArray, MatrixLike, Sparse, amounts, square_matrix


@dataclass(frozen=True)
class Obligations:
    """A validated liabilities network.

    ``total`` is ``pbar`` (interbank plus external obligations), ``relative`` is ``Pi`` as a
    ``csr_array`` (a zero row where ``pbar`` is zero) and ``external`` the external liabilities.
    """

    total: FloatArray
    relative: Sparse
    external: FloatArray


def obligations(liabilities: MatrixLike, external_liabilities: npt.ArrayLike | None = None) -> Obligations:
    """Check ``L`` (``L[i, j]``: what ``i`` owes ``j``) and the external liabilities, and derive
    ``pbar`` and ``Pi``."""
    matrix = square_matrix(liabilities, "L", zero_diagonal=True)
    n = matrix.shape[0]
    external = (
        np.zeros(n)
        if external_liabilities is None
        else amounts(external_liabilities, "external_liabilities", n, columns=False)
    )
    total = np.asarray(matrix.sum(axis=1)).ravel() + external
    inverse = np.divide(1.0, total, out=np.zeros(n), where=total > 0)
    relative = sp.csr_array(
        (matrix.data * np.repeat(inverse, np.diff(matrix.indptr)), matrix.indices, matrix.indptr),
        shape=matrix.shape,
    )
    return Obligations(total=total, relative=relative, external=external)
