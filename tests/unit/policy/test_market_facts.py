"""An organisation's market facts, from the context ``policy.subjects`` fills: the latest
dependency assessment's row for it (none when the assessment does not list it), whether any
assessment was filed, and the remedies imposed on it.

What they must say, from src/custos/policy/facts.py and docs/policy.md: before any assessment the
shares and ``linchpin`` are absent (unknown) while ``dependency_assessed`` is false; an assessment
that does not list the organisation gives zero shares and ``linchpin`` false; remedies are a list,
empty when none. The baseline's linchpin rule is then false, not unknown, before any assessment.
"""

from __future__ import annotations

from typing import Any

from custos.policy.evaluate import Evaluator
from custos.policy.facts import SubjectKind, derive_facts
from custos.policy.pack import builtin_packs

MARKET_FACTS = {
    "dependency_assessed",
    "sole_provider_exposure_share",
    "sole_provider_deployment_share",
    "linchpin",
    "merger_remedies",
}


def facts(
    *, assessed: bool, shares: dict[str, Any] | None = None, remedies: list[str] | None = None
) -> dict[str, Any]:
    context = {
        "organisation": {},
        "model_computes": [],
        "market": {"assessed": assessed, "shares": shares, "remedies": remedies or []},
    }
    return derive_facts(SubjectKind.ORGANISATION, context, MARKET_FACTS)


def test_before_any_assessment_only_the_guard_and_the_remedies_are_known() -> None:
    assert facts(assessed=False) == {"dependency_assessed": False, "merger_remedies": []}


def test_a_listed_provider_reads_its_row_of_the_latest_assessment() -> None:
    row = {"exposure_share": 0.4, "deployment_share": 0.125, "institution_share": 0.5, "linchpin": True}
    assert facts(assessed=True, shares=row) == {
        "dependency_assessed": True,
        "sole_provider_exposure_share": 0.4,
        "sole_provider_deployment_share": 0.125,
        "linchpin": True,
        "merger_remedies": [],
    }


def test_an_assessment_that_does_not_list_the_organisation_gives_zero_not_unknown() -> None:
    found = facts(assessed=True, shares=None)
    assert found["sole_provider_exposure_share"] == 0.0
    assert found["sole_provider_deployment_share"] == 0.0
    assert found["linchpin"] is False


def test_shares_are_doubles_whatever_the_row_holds() -> None:
    """CEL compares only like types: a share stored as an integer 1 still compares with 0.25."""
    row = {"exposure_share": 1, "deployment_share": 0, "institution_share": 1, "linchpin": 1}
    found = facts(assessed=True, shares=row)
    assert isinstance(found["sole_provider_exposure_share"], float)
    assert isinstance(found["sole_provider_deployment_share"], float)
    assert found["linchpin"] is True


def test_the_remedies_imposed_are_listed() -> None:
    assert facts(assessed=False, remedies=["escrow", "fallback"])["merger_remedies"] == ["escrow", "fallback"]


def _linchpin_rule(derived: dict[str, Any]) -> bool | None:
    (pack,) = [p for p in builtin_packs() if p.document.id == "custos-baseline"]
    (rule,) = [r for r in pack.rules if r.rule.id == "market-linchpin"]
    params = {
        f"param_{k}": float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in pack.document.parameters.items()
    }
    return Evaluator([pack]).outcome(pack, rule, derived, params).value


def test_the_linchpin_rule_is_false_before_any_assessment_and_strict_at_the_threshold() -> None:
    assert _linchpin_rule(facts(assessed=False)) is False  # not unknown: no organisation undetermined
    at = {"exposure_share": 0.25, "deployment_share": 0.9, "institution_share": 0.9, "linchpin": False}
    assert _linchpin_rule(facts(assessed=True, shares=at)) is False
    above = {**at, "exposure_share": 0.2501}
    assert _linchpin_rule(facts(assessed=True, shares=above)) is True
    assert _linchpin_rule(facts(assessed=True, shares=None)) is False
