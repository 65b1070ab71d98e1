"""Every rule of every built-in pack, with the article it cites, on facts that make it apply and
facts that do not. A rule added to a pack without a line here fails the completeness test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from custos.policy.deadlines import next_due
from custos.policy.evaluate import Evaluator
from custos.policy.pack import builtin_packs

PACKS = {pack.document.id: pack for pack in builtin_packs()}
AUGUST_2025 = datetime(2025, 8, 2, tzinfo=UTC)  # Art. 113(b): Chapter V applies from 2 August 2025
MARCH_2024 = datetime(2024, 3, 1, tzinfo=UTC)
JANUARY_2026 = datetime(2026, 1, 1, tzinfo=UTC)  # SB 53 is operative from 1 January 2026
#: A general-purpose model (guidelines C(2025) 5045, section 2.1: above 10^23 FLOP, generating
#: language), placed on the market, not open-source, by a provider outside the Union.
GPAI: dict[str, Any] = {
    "generative": True,
    "training_flop": 2e23,
    "released": True,
    "release_date": AUGUST_2025,
    "accessibility": "api",
    "provider_in_union": False,
}

# (pack, rule, article cited, facts under which it applies, facts under which it does not)
CASES: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "eu-ai-act",
        "general-purpose-model",
        "Section 2.1",
        {**GPAI, "release_date": AUGUST_2025},
        {**GPAI, "release_date": AUGUST_2025 - timedelta(days=1)},  # Art. 111(3): a legacy model
    ),
    (
        "eu-ai-act",
        "general-purpose-model-not-open-source",
        "Art. 53(2)",
        {**GPAI, "release_date": AUGUST_2025},
        {**GPAI, "release_date": AUGUST_2025, "accessibility": "open_weights_unrestricted"},
    ),
    (
        "eu-ai-act",
        "provider-outside-the-union",
        "Art. 54(6)",
        {**GPAI, "released": False},
        {**GPAI, "released": False, "provider_in_union": True},
    ),
    (
        "eu-ai-act",
        "systemic-risk-presumption",
        "Art. 51(1)(a) and (2)",
        {**GPAI, "training_flop": 1.1e25, "released": False},
        {**GPAI, "training_flop": 1e25, "released": False},  # "greater than 10^25"
    ),
    (
        "eu-ai-act",
        "systemic-risk-foreseen",
        "Art. 52(1)",
        {**GPAI, "released": False, "planned_training_flop": 2e25},
        {**GPAI, "released": False, "planned_training_flop": 1e25},
    ),
    (
        "eu-ai-act",
        "general-purpose-model-already-on-the-market",
        "Art. 111(3)",
        {**GPAI, "release_date": MARCH_2024},
        {**GPAI, "release_date": MARCH_2024, "generative": False},
    ),
    (
        "eu-ai-act",
        "general-purpose-model-already-on-the-market-not-open-source",
        "Art. 111(3)",
        {**GPAI, "release_date": MARCH_2024},
        {**GPAI, "release_date": MARCH_2024, "accessibility": "open_weights_unrestricted"},
    ),
    (
        "eu-ai-act",
        "provider-outside-the-union-already-on-the-market",
        "Art. 111(3)",
        {**GPAI, "release_date": MARCH_2024},
        {**GPAI, "release_date": MARCH_2024, "provider_in_union": True},
    ),
    (
        "eu-ai-act",
        "systemic-risk-already-on-the-market",
        "Art. 111(3)",
        {**GPAI, "training_flop": 2e25, "release_date": MARCH_2024},
        {**GPAI, "training_flop": 2e25, "release_date": AUGUST_2025},
    ),
    ("eu-ai-act", "high-risk-deployment", "Annex III", {"annex_iii": True}, {"annex_iii": False}),
    (
        "eu-ai-act",
        "credit-and-insurance-deployment",
        "Art. 27(1)",
        {"annex_iii_uses": ["5(c)"]},
        {"annex_iii_uses": ["4(a)", "5(a)"]},  # high-risk, but not a use Art. 27 names for any deployer
    ),
    (
        "california-sb53",
        "frontier-model",
        "§ 22757.11",
        {"cumulative_training_flop": 1.5e26},
        {"cumulative_training_flop": 1e26},
    ),
    (
        "california-sb53",
        "frontier-model-deployed",
        "§ 22757.12(c)(1)",
        {"cumulative_training_flop": 1.5e26, "released": True, "release_date": JANUARY_2026},
        {
            "cumulative_training_flop": 1.5e26,
            "released": True,
            "release_date": JANUARY_2026 - timedelta(days=1),
        },
    ),
    (
        "california-sb53",
        "large-frontier-developer",
        "§ 22757.11(h) and (j)",
        {"largest_cumulative_training_flop": 2e26, "revenue_usd": 6e8},
        {"largest_cumulative_training_flop": 2e26, "revenue_usd": 5e8},  # "in excess of" USD 500 million
    ),
    (
        "new-york-raise",
        "frontier-model",
        "§ 1420",
        {"cumulative_training_flop": 1.5e26},
        {"cumulative_training_flop": 1e26},
    ),
    (
        "new-york-raise",
        "frontier-model-deployed",
        "§ 1421(3)",
        {"cumulative_training_flop": 1.5e26, "released": False},
        {"cumulative_training_flop": 1.5e26, "released": True, "release_date": JANUARY_2026},
    ),
    (
        "new-york-raise",
        "large-frontier-developer",
        "§ 1420",
        {"largest_cumulative_training_flop": 2e26, "revenue_usd": 6e8},
        {"largest_cumulative_training_flop": 1e26, "revenue_usd": 6e8},  # no frontier model
    ),
    (
        "custos-baseline",
        "licence-by-capability",
        "capability threshold",
        {"training_flop": 2e25},
        {"training_flop": 1e25},
    ),
    ("custos-baseline", "registered-model", "passport for every registered model", {}, None),
    (
        "custos-baseline",
        "systemic-risk-model",
        "systemic-risk models",
        {"training_flop": 2e25},
        {"training_flop": 1e24},
    ),
    (
        "custos-baseline",
        "decision-critical-exposure",
        "decision-critical",
        {"decision_critical": True, "economic_exposure_eur": 2e8},
        {"decision_critical": False, "economic_exposure_eur": 2e8},
    ),
    (
        "custos-baseline",
        "decision-critical-monitoring",
        "Continuous monitoring",
        {"decision_critical": True, "economic_exposure_eur": 100_000_000.01},
        {"decision_critical": True, "economic_exposure_eur": 100_000_000.0},  # strictly above
    ),
    ("custos-baseline", "financial-markets", "finance", {"sector": "finance"}, {"sector": "health"}),
    (
        "custos-baseline",
        "market-linchpin",
        "single points of failure",
        {"dependency_assessed": True, "sole_provider_exposure_share": 0.26},
        {"dependency_assessed": True, "sole_provider_exposure_share": 0.25},  # strictly above
    ),
    *[
        (
            "custos-baseline",
            f"merger-remedy-{kind}",
            "merger remedies",
            {"merger_remedies": [kind]},
            {
                "merger_remedies": [
                    other for other in ("interoperability", "fallback", "escrow") if other != kind
                ]
            },
        )
        for kind in ("interoperability", "fallback", "escrow")
    ],
    # A cent short at the latest run attaches the duty; held exactly what was required does not.
    (
        "custos-baseline",
        "buffer-shortfall",
        "capital or insurance",
        {"buffer_shortfall": 0.01},
        {"buffer_shortfall": 0.0},
    ),
]


def run(pack_id: str, rule_id: str, facts: dict[str, Any]) -> bool | None:
    pack = PACKS[pack_id]
    evaluator = Evaluator([pack])
    (compiled,) = [r for r in pack.rules if r.rule.id == rule_id]
    return evaluator.outcome(
        pack,
        compiled,
        facts,
        {f"param_{k}": float(v) if isinstance(v, int) else v for k, v in pack.document.parameters.items()},
    ).value


@pytest.mark.parametrize(("pack_id", "rule_id", "article", "applies", "exempt"), CASES)
def test_rule_applies_as_its_article_says(
    pack_id: str, rule_id: str, article: str, applies: dict[str, Any], exempt: dict[str, Any] | None
) -> None:
    (rule,) = [r.rule for r in PACKS[pack_id].rules if r.rule.id == rule_id]
    assert article in rule.cite.article
    assert run(pack_id, rule_id, applies) is True
    if exempt is not None:
        assert run(pack_id, rule_id, exempt) is False
        assert run(pack_id, rule_id, {}) is None  # nothing known: unknown, never exempt


def test_every_built_in_rule_has_a_case() -> None:
    assert {(p.document.id, r.rule.id) for p in PACKS.values() for r in p.rules} == {
        (c[0], c[1]) for c in CASES
    }


def test_every_obligation_cites_an_article_of_a_declared_source() -> None:
    for pack in PACKS.values():
        for spec in pack.document.obligations.values():
            assert spec.cite.source in pack.document.sources and spec.cite.article


def test_the_general_purpose_threshold_is_strictly_above_10_to_the_23() -> None:
    """Guidelines C(2025) 5045, section 2.1: training compute "greater than 10^23 FLOP"."""
    assert run("eu-ai-act", "general-purpose-model", {**GPAI, "training_flop": 1e23}) is False
    assert run("eu-ai-act", "general-purpose-model", {**GPAI, "training_flop": 1.01e23}) is True


def test_a_model_that_generates_no_language_is_never_presumed_systemic() -> None:
    """Art. 51 classifies general-purpose models: compute alone (a protein model) is not enough."""
    facts = {**GPAI, "training_flop": 3e25, "generative": False, "released": False}
    assert run("eu-ai-act", "systemic-risk-presumption", facts) is False


def test_the_open_source_exemption_does_not_reach_models_with_systemic_risk() -> None:
    """Art. 53(2), last sentence, and Art. 54(6): "unless ... systemic risks"; and never points (c)
    and (d) of Art. 53(1), which the general-purpose rule attaches whatever the licence."""
    open_source = {**GPAI, "accessibility": "open_weights_unrestricted", "release_date": AUGUST_2025}
    assert run("eu-ai-act", "general-purpose-model-not-open-source", open_source) is False
    assert run("eu-ai-act", "general-purpose-model-not-open-source", {**open_source, "training_flop": 2e25})
    assert run("eu-ai-act", "provider-outside-the-union", {**open_source, "training_flop": 2e25})
    assert run("eu-ai-act", "general-purpose-model", open_source) is True


def test_a_model_not_yet_on_the_market_is_not_a_legacy_one() -> None:
    """Art. 52(1) runs from when the threshold "is met or it becomes known that it will be met",
    before release: a model in training falls under the rules for new models."""
    training = {**GPAI, "training_flop": 2e25, "released": False}
    assert run("eu-ai-act", "systemic-risk-presumption", training) is True
    assert run("eu-ai-act", "systemic-risk-already-on-the-market", training) is False


def test_models_already_on_the_market_owe_every_duty_by_2_august_2027() -> None:
    """Art. 111(3): "shall take the necessary steps in order to comply with the obligations laid
    down in this Regulation by 2 August 2027", those of Art. 55 included."""
    pack = PACKS["eu-ai-act"]
    (legacy,) = [r.rule for r in pack.rules if r.rule.id == "systemic-risk-already-on-the-market"]
    dated = [
        pack.obligation(o).deadline for o in legacy.obligations if not pack.obligation(o).deadline.on_event
    ]
    assert dated and all(d.not_before == date(2027, 8, 2) for d in dated)
    assert {pack.obligation(o).cite.article.split(" and ")[0] for o in legacy.obligations} >= {
        "Art. 52(1)",
        "Art. 55(1)(a)",
        "Art. 55(1)(b)",
        "Art. 55(1)(d)",
    }


def test_deployer_duties_start_with_chapter_iii_as_amended() -> None:
    """Art. 113(c)(i) as amended by Regulation (EU) 2026/1744: Chapter III, Sections 1 to 3, apply
    from 2 December 2027 to systems high-risk under Art. 6(2) and Annex III."""
    pack = PACKS["eu-ai-act"]
    for obligation in (
        "deployer-use-and-oversight",
        "deployer-monitoring-and-logs",
        "fundamental-rights-impact-assessment",
    ):
        assert pack.obligation(obligation).deadline.not_before == date(2027, 12, 2)


def test_technical_documentation_is_not_discharged_by_a_passport() -> None:
    """Art. 53(1)(a) asks for the Annex XI documentation; an imported passport (an Epoch row) is not it."""
    pack = PACKS["eu-ai-act"]
    for obligation in ("technical-documentation", "legacy-technical-documentation"):
        assert "passport.filed" not in pack.obligation(obligation).discharged_by


def test_the_new_york_pack_cites_the_re_enacted_article_44_b() -> None:
    """The 2026 chapter amendment (S8828 / A9449) repealed and re-enacted §§ 1420-1429 before they
    took effect: a frontier AI framework (§ 1421), reports to the office within 72 hours of a
    determination (§ 1422(3)(a)), quarterly internal-use summaries (§ 1422(2)(a)) and a
    disclosure statement (§ 1428), from 1 January 2027; not the superseded safety and security
    protocol of S6953-B."""
    pack = PACKS["new-york-raise"]
    articles = {spec.cite.article for spec in pack.document.obligations.values()}
    assert {
        "Gen. Bus. Law § 1421(1) and (2)",
        "Gen. Bus. Law § 1421(3)",
        "Gen. Bus. Law § 1422(2)(a)",
        "Gen. Bus. Law § 1422(3)(a)",
        "Gen. Bus. Law § 1422(3)(b)",
        "Gen. Bus. Law § 1428(1) and (2)",
    } <= articles
    assert not any("protocol" in spec.title for spec in pack.document.obligations.values())
    assert pack.document.effective.start == date(2027, 1, 1)
    assert pack.obligation("internal-use-summaries").deadline.recurring == "quarterly"
    # § 1428(2): "renewed every two years"
    disclosure = pack.obligation("disclosure-statement").deadline
    assert disclosure.recurring == "every_two_years"
    assert next_due(disclosure, datetime(2027, 1, 1, 23, tzinfo=UTC)) == datetime(2029, 1, 1, 23, tzinfo=UTC)


def test_notification_falls_due_two_weeks_after_the_trigger() -> None:
    spec = PACKS["eu-ai-act"].obligation("notify-commission")
    assert (spec.deadline.within, spec.deadline.unit, spec.deadline.start) == (2, "weeks", "trigger")
    assert spec.cite.article == "Art. 52(1)"


@pytest.mark.parametrize(
    ("pack_id", "obligation", "hours"),
    [
        ("california-sb53", "critical-incident-15-days", 15 * 24),
        ("california-sb53", "critical-incident-24-hours", 24),
        ("new-york-raise", "incident-72-hours", 72),
        ("new-york-raise", "incident-24-hours", 24),
    ],
)
def test_incident_reporting_clocks(pack_id: str, obligation: str, hours: int) -> None:
    """Each runs from the report's discovery (else the incident) on every incident report:
    § 22757.13(c)(1) "within 15 days of discovering", (c)(2) and § 1422(3)(b) "within 24 hours"
    of an imminent risk, § 1422(3)(a) "within seventy-two hours from a determination"."""
    deadline = PACKS[pack_id].obligation(obligation).deadline
    assert deadline.on_event == "incident.reported"
    assert deadline.event_from == ("discovered_at", "occurred_at")
    assert deadline.within * (24 if deadline.unit == "calendar_days" else 1) == hours
    assert (deadline.event_when == {"imminent_risk": True}) is (hours == 24)
