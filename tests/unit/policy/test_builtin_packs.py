"""Every rule of every built-in pack, with the article it cites, on facts that make it apply and
facts that do not. A rule added to a pack without a line here fails the completeness test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custos.policy.evaluate import Evaluator
from custos.policy.pack import builtin_packs

PACKS = {pack.document.id: pack for pack in builtin_packs()}
AUGUST_2025 = datetime(2025, 8, 2, tzinfo=UTC)  # Art. 113(b): Chapter V applies from 2 August 2025

# (pack, rule, article cited, facts under which it applies, facts under which it does not)
CASES: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "eu-ai-act",
        "general-purpose-model",
        "Section 2.1",
        {"training_flop": 2e23, "generative": True, "release_date": AUGUST_2025},
        {"training_flop": 2e23, "generative": True, "release_date": AUGUST_2025 - timedelta(days=1)},
    ),
    (
        "eu-ai-act",
        "general-purpose-model-already-on-the-market",
        "Art. 111(3)",
        {"training_flop": 2e23, "generative": True, "release_date": datetime(2024, 3, 1, tzinfo=UTC)},
        {"training_flop": 2e23, "generative": False, "release_date": datetime(2024, 3, 1, tzinfo=UTC)},
    ),
    (
        "eu-ai-act",
        "systemic-risk-presumption",
        "Art. 51(2)",
        {"training_flop": 1.1e25},
        {"training_flop": 1e25},
    ),
    ("eu-ai-act", "high-risk-deployment", "Annex III", {"annex_iii": True}, {"annex_iii": False}),
    ("california-sb53", "frontier-model", "§ 22757.11", {"training_flop": 1.5e26}, {"training_flop": 1e26}),
    (
        "california-sb53",
        "large-frontier-developer",
        "§ 22757.11",
        {"training_flop": 2e26, "provider_revenue_usd": 6e8},
        {"training_flop": 2e26, "provider_revenue_usd": 5e8},
    ),
    ("new-york-raise", "frontier-model", "§ 1420", {"training_flop": 1.5e26}, {"training_flop": 1e26}),
    (
        "new-york-raise",
        "large-developer",
        "§ 1420",
        {"training_flop": 2e26, "provider_revenue_usd": 6e8},
        {"training_flop": 2e26, "provider_revenue_usd": 4e8},
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
    ("custos-baseline", "financial-markets", "finance", {"sector": "finance"}, {"sector": "health"}),
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


def test_notification_falls_due_two_weeks_after_the_trigger() -> None:
    spec = PACKS["eu-ai-act"].obligation("notify-commission")
    assert (spec.deadline.within, spec.deadline.unit, spec.deadline.start) == (14, "calendar_days", "trigger")
    assert spec.cite.article == "Art. 52(1)"


@pytest.mark.parametrize(
    ("pack_id", "obligation", "hours"),
    [
        ("california-sb53", "critical-incident-15-days", 15 * 24),
        ("california-sb53", "critical-incident-24-hours", 24),
        ("new-york-raise", "incident-72-hours", 72),
    ],
)
def test_incident_reporting_clocks(pack_id: str, obligation: str, hours: int) -> None:
    deadline = PACKS[pack_id].obligation(obligation).deadline
    assert deadline.on_event is not None
    assert deadline.within * (24 if deadline.unit == "calendar_days" else 1) == hours
