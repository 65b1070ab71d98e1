"""What a revealed sample says about the whole manifest: rule violations with an upper bound on
their rate, and whether the declared composition fits the sample.

The sample is drawn without replacement from a finite manifest, so its counts are exactly
hypergeometric. Both tests here treat it as drawn with replacement (binomial counts per rule,
multinomial counts per composition category), and both err on the safe side for it:

- the hypergeometric count has variance smaller than the binomial's by the finite-population
  factor (N − n)/(N − 1), so the Clopper–Pearson upper bound, exact for the binomial, is
  conservative for the manifest: it holds with at least the stated confidence;
- the chi-square statistic of a sample without replacement is that factor times the
  multinomial's, so the test raises fewer false alarms than its nominal rate, never more. An
  audit sample (hundreds of records) is far smaller than a manifest (millions), the factor is
  within a hair of 1, and the multinomial is a fair approximation that costs almost no power.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from scipy import special, stats

from custos.core.errors import InvalidInput
from custos.provenance.records import COMPOSITION_DIMENSIONS, RevealedRecord

#: The confidence of every upper bound on a violation rate: one-sided, 95%.
CONFIDENCE = 0.95
#: A declared composition is implausible when the sample's p-value falls below this.
SIGNIFICANCE = 0.01
#: Cochran's rule for the chi-square approximation: every expected count at least five.
MIN_EXPECTED = 5.0
#: Shares must sum to one within this.
SHARE_TOLERANCE = 1e-6
#: The Monte Carlo multinomial test for samples too small for chi-square: this many draws from a
#: generator with this fixed seed, so the same sample always gets the same p-value.
MONTE_CARLO_DRAWS = 100_000
MONTE_CARLO_SEED = 0

LICENCE_RULE, OPT_OUT_RULE, PII_RULE = "licence-allowed", "opt-out-honoured", "no-pii"

_Licence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SampleRules(BaseModel):
    """The rules a sample is checked against, filed with the request for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed_licences: tuple[_Licence, ...] | None = Field(
        default=None,
        max_length=500,
        description="SPDX licence ids or expressions allowed, compared case-insensitively; "
        "None leaves licences unchecked",
    )
    opt_out_honoured: bool = Field(default=True, description="a record with opt_out true violates it")
    no_pii: bool = Field(default=True, description="a record with pii true violates it")


class RuleFinding(BaseModel):
    """How many sampled records break one rule, and how high the manifest's rate may be."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    violations: int
    sampled: int
    share: float
    upper_bound: float
    confidence: float
    violating_indices: tuple[int, ...]


class CompositionCheck(BaseModel):
    """Whether the sample's mix along one dimension is plausible under the declared shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: str
    declared: dict[str, float]
    observed: dict[str, int]
    method: str
    statistic: float | None
    degrees_of_freedom: int | None
    p_value: float
    plausible: bool
    reason: str


# -- the bound ------------------------------------------------------------------------------


def clopper_pearson_upper(violations: int, sampled: int, confidence: float = CONFIDENCE) -> float:
    """The one-sided exact (Clopper–Pearson) upper bound on a rate seen ``violations`` times in
    ``sampled`` draws: the ``confidence`` quantile of Beta(violations + 1, sampled − violations).

    With no violation it is 1 − (1 − confidence)^(1/sampled), the "rule of three" made exact:
    0 of 300 bounds the rate at 0.99%.
    """
    if sampled <= 0:
        raise InvalidInput(f"an upper bound needs at least one sampled record, got {sampled}")
    if not 0 <= violations <= sampled:
        raise InvalidInput(f"violations must be between 0 and {sampled} (the sample), got {violations}")
    if not 0 < confidence < 1:
        raise InvalidInput(f"confidence must lie strictly between 0 and 1, got {confidence}")
    if violations == sampled:
        return 1.0
    if violations == 0:
        return float(1 - (1 - confidence) ** (1 / sampled))
    return float(stats.beta.ppf(confidence, violations + 1, sampled - violations))


# -- rules ----------------------------------------------------------------------------------


_TOKENS = re.compile(r"\(|\)|[^\s()]+")


def _normalised(expression: str) -> str:
    """An expression's tokens, lower-cased and joined by single spaces, so spacing and case of
    ids and operators never decide a comparison."""
    return " ".join(_TOKENS.findall(expression.lower()))


class _Expression:
    """Whether an SPDX licence expression is allowed, read by SPDX's grammar with its
    precedence (WITH binds tighter than AND, AND than OR; parentheses group).

    An OR is allowed when one side is, an AND when both are; ``id WITH exception`` when the
    whole phrase is listed or the licence id alone is (an exception only adds permissions). The
    whole expression is also allowed when listed as written. An expression that does not parse
    is not allowed: the provider has not shown an allowed licence.
    """

    def __init__(self, expression: str, allowed: frozenset[str]) -> None:
        self.tokens: list[str] = _TOKENS.findall(expression.lower())
        self.position = 0
        self.allowed = allowed

    def allowed_whole(self) -> bool:
        if " ".join(self.tokens) in self.allowed:
            return True
        try:
            verdict = self._any()
        except ValueError:
            return False
        return verdict and self.position == len(self.tokens)

    def _next(self) -> str:
        if self.position >= len(self.tokens):
            raise ValueError("expression ends early")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _any(self) -> bool:
        verdicts = [self._all()]
        while self._peek() == "or":
            self.position += 1
            verdicts.append(self._all())
        return any(verdicts)

    def _all(self) -> bool:
        verdicts = [self._term()]
        while self._peek() == "and":
            self.position += 1
            verdicts.append(self._term())
        return all(verdicts)

    def _term(self) -> bool:
        token = self._next()
        if token == "(":
            verdict = self._any()
            if self._next() != ")":
                raise ValueError("unbalanced parenthesis")
            return verdict
        if token in {")", "and", "or", "with"}:
            raise ValueError(f"unexpected {token!r}")
        if self._peek() == "with":
            self.position += 1
            exception = self._next()
            if exception in {"(", ")", "and", "or", "with"}:
                raise ValueError(f"unexpected {exception!r}")
            return f"{token} with {exception}" in self.allowed or token in self.allowed
        return token in self.allowed


def licence_allowed(licence: str, allowed: Sequence[str]) -> bool:
    """Whether ``licence`` (an SPDX expression, LicenseRef-…, "proprietary" or "unknown") is
    allowed by the ``allowed`` ids or expressions, case-insensitively. "unknown" is allowed only
    when listed, like any other id."""
    return _Expression(licence, frozenset(_normalised(entry) for entry in allowed)).allowed_whole()


def _distinct(revealed: Sequence[RevealedRecord]) -> None:
    """Refuse an empty sample or one naming a record twice: either would misstate a rate."""
    if not revealed:
        raise InvalidInput("a finding needs at least one revealed record")
    repeated = sorted(index for index, times in Counter(r.index for r in revealed).items() if times > 1)
    if repeated:
        raise InvalidInput(f"record index {repeated[0]} is revealed more than once")


def _finding(rule: str, revealed: Sequence[RevealedRecord], violating: list[int]) -> RuleFinding:
    sampled = len(revealed)
    return RuleFinding(
        rule=rule,
        violations=len(violating),
        sampled=sampled,
        share=len(violating) / sampled,
        upper_bound=clopper_pearson_upper(len(violating), sampled),
        confidence=CONFIDENCE,
        violating_indices=tuple(sorted(violating)),
    )


def rule_findings(revealed: Sequence[RevealedRecord], rules: SampleRules) -> list[RuleFinding]:
    """One finding per active rule, in a fixed order: licence-allowed (when licences are listed),
    opt-out-honoured, no-pii."""
    _distinct(revealed)
    findings: list[RuleFinding] = []
    if rules.allowed_licences is not None:
        allowed = rules.allowed_licences
        bad = [r.index for r in revealed if not licence_allowed(r.record.licence, allowed)]
        findings.append(_finding(LICENCE_RULE, revealed, bad))
    if rules.opt_out_honoured:
        findings.append(_finding(OPT_OUT_RULE, revealed, [r.index for r in revealed if r.record.opt_out]))
    if rules.no_pii:
        findings.append(_finding(PII_RULE, revealed, [r.index for r in revealed if r.record.pii]))
    return findings


# -- composition ----------------------------------------------------------------------------


def _words(dimension: str) -> str:
    return dimension.replace("_", " ")


def _checked_shares(dimension: str, shares: Mapping[str, float]) -> dict[str, float]:
    if dimension not in COMPOSITION_DIMENSIONS:
        raise InvalidInput(
            f"unknown dimension {dimension!r}; a composition is by {', '.join(COMPOSITION_DIMENSIONS)}"
        )
    if not shares:
        raise InvalidInput(f"the declared {_words(dimension)} shares are empty")
    for category, share in shares.items():
        if not (math.isfinite(share) and 0 <= share <= 1):
            raise InvalidInput(
                f"the declared {_words(dimension)} share of {category!r} is {share}, not in [0, 1]"
            )
    total = math.fsum(shares.values())
    if abs(total - 1) > SHARE_TOLERANCE:
        raise InvalidInput(f"the declared {_words(dimension)} shares sum to {total:.6g}, not 1")
    return {category: float(share) for category, share in shares.items()}


def _pooled(expected: dict[str, float]) -> list[list[str]] | None:
    """Groups of categories whose expected counts are each at least :data:`MIN_EXPECTED`: the
    smallest categories pooled into one group until it and every category left reach it; None
    when no split into two or more such groups exists."""
    ordered = sorted(expected, key=lambda category: (expected[category], category))
    pool: list[str] = []
    rest = list(ordered)
    while rest and (
        expected[rest[0]] < MIN_EXPECTED or (pool and sum(expected[c] for c in pool) < MIN_EXPECTED)
    ):
        pool.append(rest.pop(0))
    groups = ([pool] if pool else []) + [[category] for category in rest]
    return groups if len(groups) >= 2 else None


def _monte_carlo_p(counts: np.ndarray, shares: np.ndarray) -> float:
    """The multinomial test's p-value: the chance, under the declared shares, of a sample no
    more probable than this one, estimated from seeded draws with the (1 + hits)/(1 + draws)
    estimator, which never reports 0."""
    n = int(counts.sum())
    log_shares = np.log(shares)

    def log_pmf(x: np.ndarray) -> np.ndarray:
        return np.asarray(special.gammaln(n + 1) - special.gammaln(x + 1).sum(axis=-1) + x @ log_shares)

    draws = np.random.default_rng(MONTE_CARLO_SEED).multinomial(n, shares, size=MONTE_CARLO_DRAWS)
    observed = float(log_pmf(counts))
    hits = int(np.count_nonzero(log_pmf(draws) <= observed + 1e-9))
    return (1 + hits) / (1 + MONTE_CARLO_DRAWS)


def _verdict(dimension: str, p_value: float, significance: float, test: str) -> tuple[bool, str]:
    plausible = p_value >= significance
    if plausible:
        return plausible, f"the sample's {_words(dimension)} mix fits the declared shares ({test})"
    return plausible, f"the sample's {_words(dimension)} mix is unlikely under the declared shares ({test})"


def _check(
    dimension: str, shares: dict[str, float], observed: Counter[str], significance: float
) -> CompositionCheck:
    counts = {category: observed.get(category, 0) for category in shares} | dict(observed)
    undeclared = sorted(c for c, k in observed.items() if shares.get(c, 0) == 0)
    common = {"dimension": dimension, "declared": shares, "observed": counts}
    if undeclared:
        named = ", ".join(f"{c!r} ({observed[c]} records)" for c in undeclared)
        return CompositionCheck(
            **common,
            method="support",
            statistic=None,
            degrees_of_freedom=None,
            p_value=0.0,
            plausible=False,
            reason=f"the sample holds {_words(dimension)} {named}, which the declaration lacks or puts at 0",
        )
    n = sum(observed.values())
    total = math.fsum(s for s in shares.values() if s > 0)
    support = {c: s / total for c, s in shares.items() if s > 0}
    groups = _pooled({c: n * s for c, s in support.items()})
    if groups is None:
        categories = sorted(support)
        p_value = _monte_carlo_p(
            np.array([counts[c] for c in categories]), np.array([support[c] for c in categories])
        )
        plausible, reason = _verdict(
            dimension,
            p_value,
            significance,
            f"multinomial test by {MONTE_CARLO_DRAWS:,} seeded draws, as {n} records are too few "
            f"for chi-square, p = {p_value:.4f}",
        )
        return CompositionCheck(
            **common,
            method="multinomial Monte Carlo",
            statistic=None,
            degrees_of_freedom=None,
            p_value=p_value,
            plausible=plausible,
            reason=reason,
        )
    f_obs = np.array([sum(counts[c] for c in group) for group in groups], dtype=float)
    f_exp = np.array([n * sum(support[c] for c in group) for group in groups])
    statistic, p = stats.chisquare(f_obs, f_exp * (n / f_exp.sum()))
    dof = len(groups) - 1
    pooled = [group for group in groups if len(group) > 1]
    pooling = f", {len(pooled[0])} smallest categories pooled" if pooled else ""
    plausible, reason = _verdict(
        dimension,
        float(p),
        significance,
        f"chi-square {float(statistic):.1f}, {dof} degree{'s' if dof != 1 else ''} of freedom"
        f"{pooling}, p = {float(p):.4f}",
    )
    return CompositionCheck(
        **common,
        method="chi-square",
        statistic=float(statistic),
        degrees_of_freedom=dof,
        p_value=float(p),
        plausible=plausible,
        reason=reason,
    )


#: The category a declaration pools its rarest categories into, and how many categories a
#: declaration lists per dimension at most.
OTHER = "other"
MOST_CATEGORIES = 500


def declared_shares(counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, float]]:
    """Each dimension's shares of the records, from a commitment's counts: what a provider
    declares. A dimension with more categories than a declaration lists keeps its most frequent
    ones and pools the rest into :data:`OTHER`, so the declaration still covers every record."""
    shares: dict[str, dict[str, float]] = {}
    for dimension, categories in counts.items():
        total = sum(categories.values())
        if total == 0:
            continue
        ranked = sorted(categories.items(), key=lambda item: (-item[1], item[0]))
        kept = dict(ranked)
        if len(ranked) > MOST_CATEGORIES:
            kept = dict(ranked[: MOST_CATEGORIES - 1])
            kept[OTHER] = kept.get(OTHER, 0) + sum(n for _, n in ranked[MOST_CATEGORIES - 1 :])
        shares[dimension] = {category: n / total for category, n in kept.items()}
    return shares


def _category(value: str, declared: Mapping[str, float]) -> str:
    """The declared category a sampled value falls in: itself, or the pool of the rest."""
    return value if value in declared or OTHER not in declared else OTHER


def composition_checks(
    revealed: Sequence[RevealedRecord],
    declared: Mapping[str, Mapping[str, float]],
    significance: float = SIGNIFICANCE,
) -> list[CompositionCheck]:
    """Test the declared shares of each declared dimension against the sample's counts.

    A sampled category the declaration lacks (or puts at 0) refutes it outright (p-value 0).
    Otherwise a chi-square goodness-of-fit test, the smallest declared categories pooled until
    every expected count is at least five; when no pooling reaches that (a sample of fewer than
    about ten records), a multinomial test estimated from :data:`MONTE_CARLO_DRAWS` draws with
    a fixed seed, so the same sample always gets the same answer. Categories are compared as
    the manifest writes them, as the commitment counts them; when a declaration pools its
    rarest categories into :data:`OTHER` (a dimension with more categories than a filing lists),
    a sampled category it does not name counts as :data:`OTHER`.
    """
    if not 0 < significance < 1:
        raise InvalidInput(f"significance must lie strictly between 0 and 1, got {significance}")
    _distinct(revealed)
    checked = {dimension: _checked_shares(dimension, shares) for dimension, shares in declared.items()}
    return [
        _check(
            dimension,
            checked[dimension],
            Counter(_category(str(getattr(r.record, dimension)), checked[dimension]) for r in revealed),
            significance,
        )
        for dimension in COMPOSITION_DIMENSIONS
        if dimension in checked
    ]
