"""Input checks shared by the contagion kernels.

The kernels are compiled loops that would turn a NaN or a negative claim into a silently wrong
clearing vector, so every entry point checks its arrays here first and refuses the first bad entry
by name (``L[2,0]``, ``external_assets[3,1]``), with its value or the offending shape as evidence.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from custos.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Sparse = sp.csr_array[np.float64, tuple[int, int]]
#: What the kernels accept as a matrix: anything numpy turns into a 2-D array, or scipy sparse.
MatrixLike = npt.ArrayLike | sp.sparray | sp.spmatrix


def _entry(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{','.join(str(int(position)) for position in index)}]"


def _refuse(name: str, index: tuple[int, ...], value: float, message: str) -> InvalidInput:
    return InvalidInput(message, evidence={"entry": _entry(name, index), "value": value})


def _floats(values: npt.ArrayLike, name: str) -> FloatArray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"{name} must be an array of numbers", evidence={"entry": name}) from error


def square_matrix(matrix: MatrixLike, name: str, *, zero_diagonal: bool) -> Sparse:
    """A finite, non-negative, non-empty square matrix as a canonical ``csr_array`` (a copy).

    Accepts a dense array or any scipy sparse matrix or array; duplicate entries are summed, so
    the rows come out with sorted column indices, which the kernels' summation order relies on.
    """
    if isinstance(matrix, sp.sparray | sp.spmatrix):
        # The stubs type no conversion from the abstract sparse bases; every concrete format has one.
        checked: Sparse = sp.csr_array(cast(Any, matrix), dtype=np.float64, copy=True)
    else:
        dense = _floats(matrix, name)
        if dense.ndim != 2:
            raise InvalidInput(f"{name} must be a square matrix", evidence={"shape": dense.shape})
        checked = sp.csr_array(dense)
    rows, columns = checked.shape
    if rows != columns or rows == 0:
        raise InvalidInput(f"{name} must be a non-empty square matrix", evidence={"shape": (rows, columns)})
    checked.sum_duplicates()
    bad = ~np.isfinite(checked.data) | (checked.data < 0)
    if bad.any():
        first = int(np.argmax(bad))
        row = int(np.searchsorted(checked.indptr, first, side="right") - 1)
        raise _refuse(
            name,
            (row, int(checked.indices[first])),
            float(checked.data[first]),
            f"{name} must be finite and not negative",
        )
    diagonal = checked.diagonal()
    if zero_diagonal and diagonal.any():
        first = int(np.flatnonzero(diagonal)[0])
        raise _refuse(name, (first, first), float(diagonal[first]), f"{name} must have a zero diagonal")
    return checked


def amounts(
    values: npt.ArrayLike, name: str, rows: int, *, columns: bool, upper: float = math.inf
) -> FloatArray:
    """Finite amounts in ``[0, upper]``: a vector of ``rows`` or, with ``columns``, a C-contiguous
    ``(rows, S)`` array of scenarios, one scenario per column. Not copied when already float64 and
    C-contiguous: the kernels only read it."""
    array = np.ascontiguousarray(_floats(values, name))
    expected = 2 if columns else 1
    if array.ndim != expected or array.shape[0] != rows or array.size == 0:
        raise InvalidInput(
            f"{name} must have one {'row' if columns else 'entry'} per institution"
            + (" and at least one scenario column" if columns else ""),
            evidence={"shape": array.shape, "institutions": rows},
        )
    # Two reductions and no temporaries on the common path; a NaN fails every comparison.
    lowest, highest = array.min(), array.max()
    if not (lowest >= 0.0 and highest <= upper and highest < math.inf):
        bad = ~np.isfinite(array) | (array < 0) | (array > upper)
        index = tuple(int(position) for position in np.unravel_index(int(np.argmax(bad)), bad.shape))
        bounds = "not negative" if upper == math.inf else f"in [0, {upper:g}]"
        raise _refuse(name, index, float(array[index]), f"{name} must be finite and {bounds}")
    return array


def fraction(value: float, name: str) -> float:
    """A rate such as a recovery or loss-given-default share, which must lie in ``[0, 1]``."""
    checked = float(value)
    if not 0.0 <= checked <= 1.0:
        raise InvalidInput(f"{name} must lie in [0, 1]", evidence={"entry": name, "value": checked})
    return checked


def iteration_limits(tol: float, max_iterations: int) -> tuple[float, int]:
    """A positive, finite tolerance and an iteration cap of at least one."""
    if not 0.0 < float(tol) < math.inf:
        raise InvalidInput("tol must be positive and finite", evidence={"entry": "tol", "value": float(tol)})
    if int(max_iterations) < 1:
        raise InvalidInput(
            "max_iterations must be at least 1",
            evidence={"entry": "max_iterations", "value": int(max_iterations)},
        )
    return float(tol), int(max_iterations)
