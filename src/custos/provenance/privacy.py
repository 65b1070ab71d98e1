"""Differentially private aggregates over providers, released with OpenDP.

Supervisors publish totals across providers (records sampled, violations found, chip-hours by
licence family or chip type) without letting the published figures reveal any one provider's
contribution. The privacy unit is a provider: adding or removing one provider's rows changes the
released vector by at most ``bound`` (in the L1 norm for Laplace noise, the L2 norm for Gaussian
noise), because each provider's vector over the public cells is scaled down to that norm before the
sum. OpenDP calibrates and draws the noise; this module only shapes the data and checks parameters.

OpenDP is an optional extra, imported when a release is made, so the rest of the package runs
without it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict

from custos.core.errors import InvalidInput

OPENDP_MISSING = "differentially private releases need OpenDP: pip install 'custos[privacy]'"

MAX_EPSILON = 10.0
"""Beyond this the noise protects no one; a release asking for more is refused."""

_LAPLACE_95 = math.log(20.0)
"""P(|Laplace(b)| > b ln 20) = exp(-ln 20) = 0.05."""

_GAUSSIAN_95 = 1.959964
"""The 97.5% quantile of the standard normal: P(|N(0, s^2)| > 1.959964 s) = 0.05."""


class Mechanism(StrEnum):
    """The noise added to the sum: Laplace for pure DP, Gaussian for approximate DP."""

    LAPLACE = "laplace"
    GAUSSIAN = "gaussian"


class NoisyCell(BaseModel):
    """One published figure and the half-width its noise stays within with 95% probability."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cell: str
    value: float
    error_95: float


@dataclass(frozen=True)
class Release:
    """A noisy vector over the public cells, with the parameters a reader needs to judge it."""

    cells: tuple[NoisyCell, ...]
    mechanism: Mechanism
    epsilon: float
    delta: float
    bound: float
    scale: float


def release(
    rows: Sequence[tuple[str, str, float]],
    cells: Sequence[str],
    *,
    bound: float,
    mechanism: Mechanism,
    epsilon: float,
    delta: float = 0.0,
) -> Release:
    """Release the per-cell sums of ``rows`` (provider_id, cell, value) with provider-level DP.

    Rows naming a cell outside ``cells`` are dropped: the cells are public and fixed by the
    caller, since publishing only the cells that occur would reveal who is present. Each
    provider's vector is clipped to norm ``bound`` by scaling, so one provider moves the sum by at
    most ``bound``. Noisy values are left as drawn (they may be negative), which keeps them
    unbiased.
    """
    mechanism = _mechanism(mechanism)
    _check_parameters(rows, cells, bound=bound, mechanism=mechanism, epsilon=epsilon, delta=delta)
    dp = _opendp()
    totals = _clipped_totals(rows, cells, bound=bound, mechanism=mechanism)
    if mechanism is Mechanism.LAPLACE:
        scale, measurement = _laplace(dp, bound=bound, epsilon=epsilon)
        error_95 = scale * _LAPLACE_95
    else:
        scale, measurement = _gaussian(dp, bound=bound, epsilon=epsilon, delta=delta)
        error_95 = scale * _GAUSSIAN_95
    noisy = measurement(totals)
    return Release(
        cells=tuple(
            NoisyCell(cell=cell, value=float(value), error_95=error_95)
            for cell, value in zip(cells, noisy, strict=True)
        ),
        mechanism=mechanism,
        epsilon=float(epsilon),
        delta=float(delta),
        bound=float(bound),
        scale=scale,
    )


def _mechanism(mechanism: Mechanism | str) -> Mechanism:
    try:
        return Mechanism(mechanism)
    except ValueError:
        known = ", ".join(member.value for member in Mechanism)
        raise InvalidInput(f"unknown mechanism {mechanism!r}: use one of {known}") from None


def _check_parameters(
    rows: Sequence[tuple[str, str, float]],
    cells: Sequence[str],
    *,
    bound: float,
    mechanism: Mechanism,
    epsilon: float,
    delta: float,
) -> None:
    """Refuse parameters under which the guarantee or the sensitivity argument would not hold."""
    if not cells:
        raise InvalidInput("a release needs at least one cell")
    if len(set(cells)) != len(cells):
        repeated = sorted(cell for cell, times in Counter(cells).items() if times > 1)
        raise InvalidInput(f"cells must be distinct; repeated: {', '.join(repeated)}")
    if not (math.isfinite(bound) and bound > 0):
        raise InvalidInput(f"bound must be a positive finite number, got {bound}")
    if not (math.isfinite(epsilon) and 0 < epsilon <= MAX_EPSILON):
        raise InvalidInput(f"epsilon must be in (0, {MAX_EPSILON:g}], got {epsilon}")
    if mechanism is Mechanism.LAPLACE and delta != 0:
        raise InvalidInput(f"the Laplace mechanism is pure DP: delta must be 0, got {delta}")
    if mechanism is Mechanism.GAUSSIAN and not (0 < delta < 1):
        raise InvalidInput(f"the Gaussian mechanism needs delta in (0, 1), got {delta}")
    for number, (provider, cell, value) in enumerate(rows):
        if not (math.isfinite(value) and value >= 0):
            raise InvalidInput(
                f"row {number} (provider {provider!r}, cell {cell!r}): "
                f"value must be finite and >= 0, got {value}"
            )


def _clipped_totals(
    rows: Sequence[tuple[str, str, float]],
    cells: Sequence[str],
    *,
    bound: float,
    mechanism: Mechanism,
) -> list[float]:
    """Sum the providers' vectors over ``cells``, each scaled down to norm ``bound`` first."""
    position = {cell: index for index, cell in enumerate(cells)}
    vectors: dict[str, list[float]] = {}
    for provider, cell, value in rows:
        if cell in position:
            vector = vectors.setdefault(provider, [0.0] * len(cells))
            vector[position[cell]] += float(value)
    totals = [0.0] * len(cells)
    for vector in vectors.values():
        norm = math.fsum(vector) if mechanism is Mechanism.LAPLACE else math.hypot(*vector)
        factor = bound / norm if norm > bound else 1.0
        for index, value in enumerate(vector):
            totals[index] += value * factor
    return totals


def _opendp() -> ModuleType:
    try:
        import opendp.prelude as dp
    except ImportError:
        raise InvalidInput(OPENDP_MISSING) from None
    dp.enable_features("contrib")
    return dp


def _laplace(dp: ModuleType, *, bound: float, epsilon: float) -> tuple[float, Any]:
    """OpenDP's vector Laplace with the least scale it certifies as epsilon-DP at L1 distance ``bound``.

    The analytic scale is bound / epsilon; OpenDP's privacy map rounds outwards, so when that
    scale misses by a rounding error the search moves it up by the few ulps needed.
    """
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)

    def measurement(scale: float) -> Any:
        return dp.m.make_laplace(*space, scale=scale)

    scale = _least_passing(
        lambda scale: bool(measurement(scale).map(bound) <= epsilon),
        start=bound / epsilon,
        upper=2 * bound / epsilon,
        dp=dp,
    )
    return scale, measurement(scale)


def _gaussian(dp: ModuleType, *, bound: float, epsilon: float, delta: float) -> tuple[float, Any]:
    """OpenDP's vector Gaussian with the least sigma it certifies as (epsilon, delta)-DP.

    The mechanism is analysed in zero-concentrated DP and converted to approximate DP at the
    given delta. The classical sigma for (min(epsilon, 1), delta) bounds the search from above:
    OpenDP's conversion is tighter than the classical analysis, and a larger epsilon needs less.
    """
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float)

    def measurement(sigma: float) -> Any:
        zcdp = dp.m.make_gaussian(*space, scale=sigma)
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(zcdp), delta)

    classical = bound * math.sqrt(2 * math.log(1.25 / delta)) / min(epsilon, 1.0)
    sigma = _least_passing(
        lambda sigma: bool(measurement(sigma).check(bound, (epsilon, delta))),
        start=classical * 1e-6,
        upper=2 * classical,
        dp=dp,
    )
    return sigma, measurement(sigma)


def _least_passing(passes: Callable[[float], bool], *, start: float, upper: float, dp: ModuleType) -> float:
    """The least noise scale in [start, upper] that passes OpenDP's privacy check.

    A scale so small that OpenDP's accounting overflows is treated as failing, so the search
    can start well below the boundary.
    """

    def safe(scale: float) -> bool:
        try:
            return passes(scale)
        except dp.OpenDPException:
            return False

    if safe(start):
        return start
    return float(dp.binary_search(safe, bounds=(start, upper)))


# Licence families ------------------------------------------------------------------------------

LICENCE_FAMILIES: tuple[str, ...] = (
    "public-domain",
    "permissive",
    "copyleft",
    "non-commercial",
    "proprietary",
    "unknown",
)
"""The public cells for licences, from the fewest conditions on reuse to the least established.

The order is also the ranking used for SPDX expressions: ``A OR B`` takes the earlier family (the
user may choose the freer licence), ``A AND B`` the later (both sets of terms apply). ``unknown``
ranks last, so a part whose licence is unknown makes a conjunction unknown. Non-commercial ranks
after copyleft since it forbids a use copyleft allows.
"""

_FAMILY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (family, re.compile(pattern))
    for family, pattern in (
        # Dedications to the public domain, with a permissive fallback where that is impossible.
        ("public-domain", r"cc0-1\.0|pddl-1\.0|unlicense"),
        # Creative Commons NC variants and PolyForm Noncommercial forbid commercial use.
        ("non-commercial", r"cc-by-nc(-sa|-nd)?-[0-9.]+|polyform-noncommercial-[0-9.]+"),
        # Share-alike: derivatives must carry the same licence.
        (
            "copyleft",
            r"(a|l)?gpl-[0-9.]+(-only|-or-later)?|mpl-[0-9.]+|epl-[0-9.]+|eupl-[0-9.]+"
            r"|cddl-[0-9.]+|gfdl-[0-9.]+(-only|-or-later)?|osl-[0-9.]+|cc-by-sa-[0-9.]+"
            r"|odbl-1\.0|cdla-sharing-1\.0",
        ),
        # Attribution and notice only.
        (
            "permissive",
            r"mit(-0)?|apache-[0-9.]+|bsd-[0-9a-z-]+|0bsd|isc|zlib|bsl-1\.0|x11|postgresql"
            r"|python-2\.0|psf-2\.0|cc-by-[0-9.]+|odc-by-1\.0|cdla-permissive-[0-9.]+",
        ),
        # Terms private to the provider: the declared "proprietary" and SPDX LicenseRef ids.
        ("proprietary", r"proprietary|(documentref-[^:]+:)?licenseref-.+"),
    )
)
"""SPDX ids (lowercased, any trailing "+" removed) by family; anything else is unknown.

Licences that fit none of the families, such as the no-derivatives CC-BY-ND, are unknown rather
than forced into one: "unknown", "NOASSERTION" and unrecognised ids land there too.
"""

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def licence_family(licence: str) -> str:
    """The family (one of ``LICENCE_FAMILIES``) of an SPDX licence id or expression.

    Ids compare case-insensitively; ``WITH`` exceptions keep the family of the licence they
    modify; ``OR`` takes the freest family, ``AND`` the most restrictive (``AND`` binds tighter
    than ``OR``, as in SPDX). A malformed expression is unknown.
    """
    tokens = [token.lower() for token in _TOKEN.findall(licence)]
    try:
        rank, rest = _or_expression(tokens)
    except _Malformed:
        return "unknown"
    if rest:
        return "unknown"
    return LICENCE_FAMILIES[rank]


class _Malformed(Exception):
    """The expression does not follow the SPDX grammar."""


def _or_expression(tokens: list[str]) -> tuple[int, list[str]]:
    rank, tokens = _and_expression(tokens)
    while tokens[:1] == ["or"]:
        other, tokens = _and_expression(tokens[1:])
        rank = min(rank, other)
    return rank, tokens


def _and_expression(tokens: list[str]) -> tuple[int, list[str]]:
    rank, tokens = _term(tokens)
    while tokens[:1] == ["and"]:
        other, tokens = _term(tokens[1:])
        rank = max(rank, other)
    return rank, tokens


def _term(tokens: list[str]) -> tuple[int, list[str]]:
    if not tokens or tokens[0] in {")", "and", "or", "with"}:
        raise _Malformed
    if tokens[0] == "(":
        rank, rest = _or_expression(tokens[1:])
        if rest[:1] != [")"]:
            raise _Malformed
        rest = rest[1:]
    else:
        rank, rest = _id_rank(tokens[0]), tokens[1:]
    if rest[:1] == ["with"]:
        if len(rest) < 2 or rest[1] in {"(", ")", "and", "or", "with"}:
            raise _Malformed
        rest = rest[2:]
    return rank, rest


def _id_rank(identifier: str) -> int:
    identifier = identifier.removesuffix("+")
    for family, pattern in _FAMILY_PATTERNS:
        if pattern.fullmatch(identifier):
            return LICENCE_FAMILIES.index(family)
    return LICENCE_FAMILIES.index("unknown")
