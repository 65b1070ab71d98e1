"""Findings on a revealed sample: the Clopper–Pearson bound against closed forms and SciPy's
exact binomial test, licence expressions, and the composition test against textbook values,
exact enumeration and its false alarm rate."""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from custos.core.errors import InvalidInput
from custos.provenance.findings import (
    CONFIDENCE,
    MONTE_CARLO_DRAWS,
    MOST_CATEGORIES,
    OTHER,
    SampleRules,
    clopper_pearson_upper,
    composition_checks,
    declared_shares,
    licence_allowed,
    rule_findings,
)
from custos.provenance.records import ManifestRecord, RevealedRecord


def revealed(index: int, **fields: object) -> RevealedRecord:
    content: dict[str, object] = {
        "id": f"doc-{index}",
        "source": f"https://example.org/{index}",
        "source_type": "web",
        "licence": "MIT",
        "language": "en",
        "collected_on": date(2025, 3, 1),
        "pii": False,
        "opt_out": False,
        "content_hash": "sha256:" + hashlib.sha256(str(index).encode()).hexdigest(),
    }
    content.update(fields)
    return RevealedRecord(index=index, record=ManifestRecord(**content), salt="0" * 32, proof=())  # type: ignore[arg-type]


def sample_of(counts: Mapping[str, int], dimension: str = "source_type") -> list[RevealedRecord]:
    """A sample with ``counts[c]`` records of category ``c`` along ``dimension``."""
    categories = [c for c, n in counts.items() for _ in range(n)]
    return [revealed(i, **{dimension: c}) for i, c in enumerate(categories)]


# -- the bound ------------------------------------------------------------------------------


@pytest.mark.parametrize("sampled", [1, 10, 59, 300, 10_000])
def test_no_violation_has_the_closed_form(sampled: int) -> None:
    assert clopper_pearson_upper(0, sampled) == pytest.approx(1 - 0.05 ** (1 / sampled), rel=1e-12)


def test_zero_of_three_hundred_bounds_the_rate_at_one_per_cent() -> None:
    assert round(clopper_pearson_upper(0, 300), 5) == 0.00994


@pytest.mark.parametrize(("violations", "sampled"), [(1, 10), (3, 50), (5, 20), (12, 300), (40, 41)])
def test_bound_equals_scipys_exact_one_sided_interval(violations: int, sampled: int) -> None:
    exact = stats.binomtest(violations, sampled, alternative="less").proportion_ci(0.95, method="exact")
    assert clopper_pearson_upper(violations, sampled) == pytest.approx(exact.high, rel=1e-9)


@pytest.mark.parametrize(("violations", "sampled"), [(1, 10), (7, 100), (150, 300)])
def test_bound_is_the_rate_at_which_so_few_violations_become_five_per_cent_likely(
    violations: int, sampled: int
) -> None:
    """The defining property: at the bound, seeing at most this many violations has probability
    1 − confidence."""
    upper = clopper_pearson_upper(violations, sampled)
    assert stats.binom.cdf(violations, sampled, upper) == pytest.approx(1 - CONFIDENCE, rel=1e-7)


def test_tabulated_value_one_of_ten() -> None:
    """One-sided 95% upper limit for 1 event in 10 trials, as printed in binomial tables: 0.394."""
    assert round(clopper_pearson_upper(1, 10), 3) == 0.394


def test_all_violating_bounds_at_one() -> None:
    assert clopper_pearson_upper(25, 25) == 1.0


@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_bound_grows_with_violations_and_shrinks_with_the_sample(pair: tuple[int, int]) -> None:
    violations, sampled = pair
    bound = clopper_pearson_upper(violations, sampled)
    assert violations / sampled < bound < 1
    assert clopper_pearson_upper(violations + 1, sampled) > bound
    assert clopper_pearson_upper(violations, sampled + 1) < bound
    assert clopper_pearson_upper(violations, sampled, 0.99) > bound


@pytest.mark.parametrize(
    ("violations", "sampled", "confidence"),
    [
        (0, 0, 0.95),
        (1, -1, 0.95),
        (-1, 10, 0.95),
        (11, 10, 0.95),
        (1, 10, 0.0),
        (1, 10, 1.0),
        (1, 10, math.nan),
    ],
)
def test_bound_refuses_impossible_arguments(violations: int, sampled: int, confidence: float) -> None:
    with pytest.raises(InvalidInput):
        clopper_pearson_upper(violations, sampled, confidence)


# -- licences -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("licence", "allowed", "expected"),
    [
        ("MIT", ["mit"], True),
        ("mit", ["MIT"], True),
        ("GPL-3.0-only", ["MIT", "Apache-2.0"], False),
        ("MIT OR GPL-3.0-only", ["MIT"], True),
        ("MIT AND GPL-3.0-only", ["MIT"], False),
        ("MIT AND Apache-2.0", ["mit", "apache-2.0"], True),
        ("(MIT OR GPL-3.0-only) AND Apache-2.0", ["MIT", "Apache-2.0"], True),
        ("(MIT OR GPL-3.0-only) AND Apache-2.0", ["MIT"], False),
        # AND binds tighter than OR: (GPL AND MIT) OR Apache
        ("GPL-3.0-only AND MIT OR Apache-2.0", ["Apache-2.0"], True),
        ("GPL-3.0-only AND MIT OR Apache-2.0", ["MIT"], False),
        ("GPL-2.0-only WITH Classpath-exception-2.0", ["GPL-2.0-only"], True),
        ("GPL-2.0-only WITH Classpath-exception-2.0", ["gpl-2.0-only with classpath-exception-2.0"], True),
        ("GPL-2.0-only WITH Classpath-exception-2.0", ["Classpath-exception-2.0"], False),
        ("unknown", ["MIT", "Apache-2.0"], False),
        ("unknown", ["unknown"], True),
        ("LicenseRef-Corpus-Terms", ["licenseref-corpus-terms"], True),
        ("proprietary", ["MIT"], False),
        ("MIT AND", ["MIT"], False),
        ("(MIT", ["MIT"], False),
        ("MIT)", ["MIT"], False),
        ("MIT  OR  CC0-1.0", ["mit or cc0-1.0"], True),
    ],
)
def test_licence_expressions(licence: str, allowed: list[str], expected: bool) -> None:
    assert licence_allowed(licence, allowed) is expected


# -- rules ----------------------------------------------------------------------------------


def test_each_active_rule_in_order_with_its_violations() -> None:
    sample = [revealed(i) for i in range(300)]
    sample[7] = revealed(7, opt_out=True)
    sample[42] = revealed(42, opt_out=True, licence="unknown")
    sample[99] = revealed(99, pii=True)
    licence, opt_out, pii = rule_findings(sample, SampleRules(allowed_licences=("MIT",)))
    assert [licence.rule, opt_out.rule, pii.rule] == ["licence-allowed", "opt-out-honoured", "no-pii"]
    assert (licence.violations, licence.violating_indices) == (1, (42,))
    assert (opt_out.violations, opt_out.violating_indices) == (2, (7, 42))
    assert (pii.violations, pii.violating_indices, pii.sampled) == (1, (99,), 300)
    assert opt_out.share == pytest.approx(2 / 300)
    assert opt_out.upper_bound == pytest.approx(stats.beta.ppf(0.95, 3, 298))
    assert pii.confidence == 0.95


def test_a_clean_sample_of_three_hundred_bounds_every_rate_at_one_per_cent() -> None:
    findings = rule_findings([revealed(i) for i in range(300)], SampleRules())
    assert [f.rule for f in findings] == ["opt-out-honoured", "no-pii"]
    assert all(f.violations == 0 and round(f.upper_bound, 3) == 0.010 for f in findings)


def test_inactive_rules_give_no_findings() -> None:
    rules = SampleRules(opt_out_honoured=False, no_pii=False)
    assert rule_findings([revealed(0, pii=True, opt_out=True)], rules) == []


def test_empty_or_repeated_samples_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one"):
        rule_findings([], SampleRules())
    with pytest.raises(InvalidInput, match="index 3"):
        rule_findings([revealed(3), revealed(3)], SampleRules())


# -- composition ----------------------------------------------------------------------------


def test_scipy_documentation_example() -> None:
    """scipy.stats.chisquare's example: observed [16, 18, 16, 14, 12, 12] against expected
    [16, 16, 16, 16, 16, 8] gives 3.5 and p = 0.62338762774958223 on 5 degrees of freedom."""
    observed = dict(zip("abcdef", [16, 18, 16, 14, 12, 12], strict=True))
    declared = {c: e / 88 for c, e in zip("abcdef", [16, 16, 16, 16, 16, 8], strict=True)}
    (check,) = composition_checks(sample_of(observed), {"source_type": declared})
    assert check.method == "chi-square"
    assert check.statistic == pytest.approx(3.5)
    assert check.degrees_of_freedom == 5
    assert check.p_value == pytest.approx(0.62338762774958223)
    assert check.plausible
    assert check.observed == observed
    assert check.reason == (
        "the sample's source type mix fits the declared shares "
        "(chi-square 3.5, 5 degrees of freedom, p = 0.6234)"
    )


def test_smallest_categories_are_pooled_until_every_expected_count_reaches_five() -> None:
    """Expected 50, 30, 10, 4, 3, 3: the last three pool into one group of 10, leaving 3
    degrees of freedom and a statistic of (48 − 50)²/50 + (12 − 10)²/10 = 0.48."""
    declared = {"a": 0.5, "b": 0.3, "c": 0.1, "d": 0.04, "e": 0.03, "f": 0.03}
    observed = {"a": 48, "b": 30, "c": 12, "d": 2, "e": 5, "f": 3}
    (check,) = composition_checks(sample_of(observed), {"source_type": declared})
    assert check.degrees_of_freedom == 3
    assert check.statistic == pytest.approx(0.48)
    # the chi-square survival function on three degrees of freedom, in closed form
    x = 0.48
    assert check.p_value == pytest.approx(
        math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
    )
    assert "3 smallest categories pooled" in check.reason


def test_a_clearly_different_mix_is_implausible() -> None:
    declared = {"web": 0.6, "books": 0.25, "code": 0.1, "news": 0.05}
    observed = {"web": 90, "books": 90, "code": 60, "news": 60}
    (check,) = composition_checks(sample_of(observed), {"source_type": declared})
    assert not check.plausible
    assert check.p_value < 1e-10
    assert check.reason.startswith(
        "the sample's source type mix is unlikely under the declared shares (chi-square "
    )
    assert check.reason.endswith("3 degrees of freedom, p = 0.0000)")


@pytest.mark.parametrize("declared", [{"web": 0.7, "books": 0.3}, {"web": 0.7, "books": 0.3, "social": 0.0}])
def test_a_sampled_category_the_declaration_lacks_is_implausible_at_once(declared: dict[str, float]) -> None:
    (check,) = composition_checks(
        sample_of({"web": 200, "books": 99, "social": 1}), {"source_type": declared}
    )
    assert (check.plausible, check.p_value, check.method) == (False, 0.0, "support")
    assert "'social' (1 records)" in check.reason


@pytest.mark.parametrize(
    ("declared", "reason"),
    [
        ({"source_type": {"web": 0.5, "books": 0.4}}, "sum to 0.9"),
        ({"source_type": {"web": 1.2, "books": -0.2}}, "not in \\[0, 1\\]"),
        ({"source_type": {"web": math.nan, "books": 1.0}}, "not in \\[0, 1\\]"),
        ({"source_type": {}}, "empty"),
        ({"colour": {"red": 1.0}}, "unknown dimension 'colour'"),
    ],
)
def test_bad_shares_are_refused(declared: dict[str, dict[str, float]], reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        composition_checks(sample_of({"web": 10}), declared)


def test_shares_summing_to_one_within_a_millionth_are_accepted() -> None:
    (check,) = composition_checks(
        sample_of({"web": 60, "books": 40}), {"source_type": {"web": 0.6, "books": 0.4000005}}
    )
    assert check.plausible


def test_dimensions_are_checked_in_a_fixed_order_each_on_its_own_field() -> None:
    sample = [revealed(i, licence="MIT" if i % 2 else "Apache-2.0", language="fr") for i in range(100)]
    checks = composition_checks(
        sample,
        {"language": {"fr": 1.0}, "licence": {"MIT": 0.5, "Apache-2.0": 0.5}},
    )
    assert [c.dimension for c in checks] == ["licence", "language"]
    assert checks[0].observed == {"MIT": 50, "Apache-2.0": 50}
    assert checks[0].statistic == pytest.approx(0.0)


def _exact_multinomial_p(observed: list[int], shares: list[float]) -> float:
    """The exact multinomial test by enumerating every sample of the same size."""
    n = sum(observed)
    outcomes = [c for c in itertools.product(range(n + 1), repeat=len(shares)) if sum(c) == n]
    pmf = stats.multinomial(n, shares).pmf
    threshold = pmf(observed) * (1 + 1e-9)
    return min(1.0, float(sum(pmf(c) for c in outcomes if pmf(c) <= threshold)))


@pytest.mark.parametrize(("observed", "expected_plausible"), [([2, 2, 2], True), ([0, 0, 6], False)])
def test_samples_too_small_for_chi_square_get_a_seeded_multinomial_test(
    observed: list[int], expected_plausible: bool
) -> None:
    declared = {"web": 0.5, "books": 0.3, "code": 0.2}
    counts = dict(zip(["books", "code", "web"], [observed[1], observed[2], observed[0]], strict=True))
    sample = sample_of({c: n for c, n in counts.items() if n})
    (check,) = composition_checks(sample, {"source_type": declared})
    exact = _exact_multinomial_p(observed, [0.5, 0.3, 0.2])
    tolerance = 4 * math.sqrt(exact * (1 - exact) / MONTE_CARLO_DRAWS) + 2 / MONTE_CARLO_DRAWS
    assert check.method == "multinomial Monte Carlo"
    assert check.p_value == pytest.approx(exact, abs=tolerance)
    assert check.plausible is expected_plausible
    assert composition_checks(sample, {"source_type": declared}) == [check]


@pytest.mark.parametrize(
    "declared",
    [
        {"web": 0.6, "books": 0.25, "code": 0.1, "news": 0.05},
        # small categories that must be pooled
        {"web": 0.9, "books": 0.06, "code": 0.02, "news": 0.01, "social": 0.01},
    ],
)
def test_samples_drawn_from_the_declared_shares_raise_alarms_at_about_the_stated_rate(
    declared: dict[str, float],
) -> None:
    """Over 1,000 seeded samples of 200 from the declared shares, about 1% are flagged: the
    count is binomial(1000, 0.01) if the test holds its size, so 10 ± 3; a test that never or
    too often fires lands outside [2, 22]."""
    rng = np.random.default_rng(20250301)
    categories = list(declared)
    pool = {c: revealed(0, source_type=c).record for c in categories}
    alarms = 0
    for _ in range(1000):
        counts = rng.multinomial(200, [declared[c] for c in categories])
        records = [pool[c] for c, k in zip(categories, counts, strict=True) for _ in range(k)]
        sample = [RevealedRecord(index=i, record=r, salt="0" * 32, proof=()) for i, r in enumerate(records)]
        (check,) = composition_checks(sample, {"source_type": declared})
        alarms += not check.plausible
    assert 2 <= alarms <= 22


def test_a_dimension_with_too_many_categories_pools_the_rarest_into_other() -> None:
    counts = {f"lang-{i:04d}": 1000 - i for i in range(MOST_CATEGORIES + 5)}
    declared = declared_shares({"language": counts, "licence": {"MIT": 3, "other": 1}})
    total = sum(counts.values())
    kept = sorted(counts, key=lambda category: -counts[category])[: MOST_CATEGORIES - 1]
    assert len(declared["language"]) == MOST_CATEGORIES
    assert declared["language"]["other"] == pytest.approx(
        sum(n for category, n in counts.items() if category not in kept) / total
    )
    assert sum(declared["language"].values()) == pytest.approx(1)
    assert declared["licence"] == {"MIT": 0.75, "other": 0.25}  # few categories are kept as they are


def test_a_sampled_category_a_pooled_declaration_does_not_name_counts_as_other() -> None:
    declared = {"language": {"en": 0.5, OTHER: 0.5}}
    rare = ("fi", "et", "lv", "lt", "mt")  # languages beyond those a long declaration lists
    records = [revealed(i, language="en" if i % 2 else rare[i % 5]) for i in range(40)]
    (check,) = composition_checks(records, declared)
    assert check.observed == {"en": 20, OTHER: 20} and check.plausible
    (refuted,) = composition_checks(records, {"language": {"en": 1.0}})
    assert not refuted.plausible and refuted.p_value == 0
