"""Who bears each euro of a firm's simulated losses: its capital, its insurance, the pool, or the
firm itself beyond its capital; and what each layer must hold, from the same simulated losses.

Sized separately, capital, premium and pool could count one euro more than once, and a pool shared
in proportion to capital would charge a firm for its capital again. Here each euro of a loss goes
to exactly one layer, and a firm's part of the pool is what its own losses put on the pool beyond
its capital and its insurance (``buffer_metrics`` sizes every layer this way).

**Absorption.** Firm ``i`` loses ``L[d, i] ≥ 0`` in draw ``d``. It holds capital ``Cᵢ`` and may be
insured by an excess-of-loss layer with attachment point ``Aᵢ`` and limit ``Mᵢ``. The layers are
the standard tower, stacked from the first euro up:

- capital takes ``min(L, Cᵢ)``, the first loss;
- the firm's own retention beyond its capital, the gap ``(Cᵢ, Aᵢ]`` when the policy attaches
  above the capital, is **uncovered**: ``max(min(L, Eᵢ) − Cᵢ, 0)``. The firm bears it without a
  buffer; it is reported, never handed to the pool, which stands behind the insurance, not in
  front of it;
- insurance pays ``min(max(L − Eᵢ, 0), Mᵢ)``, the layer ``(Eᵢ, Eᵢ + Mᵢ]``;
- the pool pays the rest, ``max(L − Eᵢ − Mᵢ, 0)``;

where ``Eᵢ = max(Aᵢ, Cᵢ)`` is the effective attachment. Without a declared attachment the policy
attaches where the capital ends (``Aᵢ = Cᵢ``), the usual case. A declared attachment below the
capital would have the insurer pay euros the capital is already held to absorb; counting both
would double count, so the layer is raised to start at the capital, and the firm is flagged
(``Absorbed.attachment_raised``) so the declaration can be corrected. The pool's part is the same
under either reading (what exceeds ``max(Aᵢ, Cᵢ) + Mᵢ``); only the split between capital and
insurance moves. An infinite capital, attachment or limit is allowed: an infinite capital absorbs
everything, an infinite attachment leaves all beyond the capital uncovered, and an infinite limit
leaves nothing to the pool.

Each layer is a non-decreasing function of the loss and the four add up to it. By hand, two
firms and four draws; firm 0 holds 10 and is insured for 20 above it, firm 1 holds 5 and has no
insurance (limit 0)::

    draw  loss      capital   insurance  pool     uncovered
    0     (4, 3)    (4, 3)    (0, 0)     (0, 0)   (0, 0)
    1     (15, 5)   (10, 5)   (5, 0)     (0, 0)   (0, 0)
    2     (30, 9)   (10, 5)   (20, 0)    (0, 4)   (0, 0)
    3     (45, 12)  (10, 5)   (20, 0)    (15, 7)  (0, 0)

With firm 0's attachment declared at 15 instead, draw 3 splits as capital 10, uncovered 5,
insurance 20 and pool 10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from custos.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Absorbed:
    """What each layer bears of each loss (draws × firms), and which firms' declared attachment
    lay below their capital and was raised to it (one flag per firm)."""

    capital: FloatArray
    insurance: FloatArray
    pool: FloatArray
    uncovered: FloatArray
    attachment_raised: BoolArray

    def total(self) -> FloatArray:
        """The losses the layers were given back, to float precision."""
        return self.capital + self.uncovered + self.insurance + self.pool


def absorb(
    losses: npt.ArrayLike,
    capital: npt.ArrayLike,
    limit: npt.ArrayLike,
    *,
    attachment: npt.ArrayLike | None = None,
) -> Absorbed:
    """Share every loss (draws × firms) among the firm's capital, the gap it bears itself, its
    insurance layer and the pool. Without ``attachment`` each policy attaches at the capital."""
    table = _losses(losses, "losses")
    firms = table.shape[1]
    held = _per_firm(capital, "capital", firms)
    cover = _per_firm(limit, "limit", firms)
    declared = held if attachment is None else _per_firm(attachment, "attachment", firms)
    start = np.maximum(declared, held)
    return Absorbed(
        capital=np.minimum(table, held),
        insurance=np.minimum(np.maximum(table - start, 0.0), cover),
        pool=np.maximum(table - start - cover, 0.0),
        uncovered=np.maximum(np.minimum(table, start) - held, 0.0),
        attachment_raised=declared < held,
    )


def _floats(values: npt.ArrayLike, name: str) -> FloatArray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"{name} must be an array of numbers", evidence={"entry": name}) from error


def _refuse_first(name: str, array: FloatArray, bad: BoolArray, rule: str) -> None:
    if bad.any():
        index = tuple(int(position) for position in np.unravel_index(int(np.argmax(bad)), bad.shape))
        entry = f"{name}[{','.join(map(str, index))}]"
        raise InvalidInput(f"{name} must be {rule}", evidence={"entry": entry, "value": float(array[index])})


def _losses(values: npt.ArrayLike, name: str) -> FloatArray:
    """Finite, non-negative losses, one row per draw and one column per firm."""
    array = _floats(values, name)
    if array.ndim != 2:
        raise InvalidInput(f"{name} must be a table of draws × firms", evidence={"shape": array.shape})
    _refuse_first(name, array, ~(np.isfinite(array) & (array >= 0.0)), "finite and not negative")
    return array


def _per_firm(values: npt.ArrayLike, name: str, firms: int) -> FloatArray:
    """One amount per firm, not negative; infinity allowed (no bound), NaN not."""
    array = _floats(values, name)
    if array.shape != (firms,):
        raise InvalidInput(
            f"{name} must hold one amount per firm", evidence={"shape": array.shape, "firms": firms}
        )
    _refuse_first(name, array, ~(array >= 0.0), "a number, not negative (infinity allowed)")
    return array
