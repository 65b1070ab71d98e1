"""Plain CSV matrices and vectors for the analysts' single-shot tools.

A matrix is rows of comma-separated numbers; a vector is one number per line or one row of
numbers. A value that is not a number is refused with its file, line and column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from custos.core.errors import InvalidInput


def _rows(path: Path) -> list[list[float]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            "cannot read the file", evidence={"file": str(path), "reason": exc.strerror}
        ) from exc
    rows: list[list[float]] = []
    for line, cells in enumerate(csv.reader(text.splitlines()), start=1):
        if not cells or all(not cell.strip() for cell in cells):
            continue
        row = []
        for column, cell in enumerate(cells, start=1):
            try:
                row.append(float(cell))
            except ValueError:
                raise InvalidInput(
                    "not a number",
                    evidence={"file": path.name, "line": line, "column": column, "value": cell},
                ) from None
        rows.append(row)
    if not rows:
        raise InvalidInput("the file holds no numbers", evidence={"file": str(path)})
    return rows


def read_matrix(path: Path) -> np.ndarray:
    rows = _rows(path)
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise InvalidInput(
            "every row needs the same number of columns",
            evidence={"file": path.name, "widths": sorted(widths)},
        )
    return np.asarray(rows, dtype=np.float64)


def read_vector(path: Path) -> np.ndarray:
    rows = _rows(path)
    if len(rows) == 1:
        return np.asarray(rows[0], dtype=np.float64)
    if any(len(row) != 1 for row in rows):
        raise InvalidInput(
            "a vector is one number per line or one row of numbers", evidence={"file": path.name}
        )
    return np.asarray([row[0] for row in rows], dtype=np.float64)
