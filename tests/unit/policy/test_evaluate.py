"""Three-valued evaluation, boundaries as the law words them, explanations and distances."""

from __future__ import annotations

import pytest

from custos.policy.evaluate import Evaluator, distances
from custos.policy.pack import load_pack
from tests.unit.policy.test_pack import GOOD

ORS = GOOD.replace(
    "condition: training_flop > params.threshold", "condition: training_flop > params.threshold || generative"
)


def outcome(text: str, facts: dict[str, object]):  # type: ignore[no-untyped-def]
    pack = load_pack(text)
    (result,) = Evaluator([pack]).outcomes("model", {"central": facts, "upper_bound": facts})
    return result


@pytest.mark.parametrize(
    ("flop", "applies"),
    [(1e25, False), (1.0000000000000002e25, True), (9.999999999999999e24, False), (2e26, True)],
)
def test_greater_than_means_strictly_greater(flop: float, applies: bool) -> None:
    assert outcome(GOOD, {"training_flop": flop}).value is applies


def test_at_least_includes_the_boundary() -> None:
    at_least = GOOD.replace("training_flop > params.threshold", "training_flop >= params.threshold")
    assert outcome(at_least, {"training_flop": 1e25}).value is True


def test_a_missing_fact_is_unknown_and_named_never_false() -> None:
    result = outcome(GOOD, {})
    assert result.value is None
    assert result.missing == ("training_flop",)
    assert result.explanation()["outcome"] == "unknown"


def test_a_missing_fact_that_cannot_change_the_result_does_not_matter() -> None:
    result = outcome(ORS, {"generative": True})
    assert result.value is True
    assert result.missing == ("training_flop",)
    clauses = result.explanation()["clauses"]
    assert clauses == [
        {"clause": "training_flop > params.threshold", "outcome": None},
        {"clause": "generative", "outcome": True},
    ]
    assert outcome(ORS, {"generative": False}).value is None


def test_the_explanation_names_the_clause_that_held_with_the_facts() -> None:
    explanation = outcome(ORS, {"training_flop": 3e25, "generative": False}).explanation()
    assert explanation["facts"] == {"training_flop": 3e25, "generative": False}
    assert [c["outcome"] for c in explanation["clauses"]] == [True, False]
    assert explanation["cite"] == {"document": "The Test Act", "article": "Art. 2"}


def test_distance_to_a_compute_threshold_is_in_orders_of_magnitude() -> None:
    (distance,) = distances(outcome(GOOD, {"training_flop": 1e23}))
    assert distance["threshold"] == 1e25
    assert distance["orders_of_magnitude"] == pytest.approx(2.0)


def test_memoised_outcomes_equal_fresh_ones() -> None:
    pack = load_pack(ORS)
    evaluator = Evaluator([pack])
    for facts in (
        {"training_flop": 1e26},
        {"generative": True},
        {},
        {"training_flop": 1.0, "generative": False},
    ) * 2:
        (memo,) = evaluator.outcomes("model", {"central": facts, "upper_bound": facts})
        (fresh,) = Evaluator([pack]).outcomes("model", {"central": facts, "upper_bound": facts})
        assert (memo.value, memo.missing, memo.clauses) == (fresh.value, fresh.missing, fresh.clauses)


@pytest.mark.parametrize(
    "condition",
    [
        "training_flop > params.threshold || generative",
        "training_flop >= 1e24 && training_flop < params.threshold",
        "generative && training_flop > 5e24",
        "training_flop * 2.0 > params.threshold",  # arithmetic: exact values count
    ],
)
def test_outcomes_remembered_by_threshold_side_equal_fresh_evaluations(condition: str) -> None:
    pack = load_pack(GOOD.replace("condition: training_flop > params.threshold", f"condition: {condition}"))
    remembered = Evaluator([pack])
    samples = [{}, {"generative": True}, {"generative": False}] + [
        {"training_flop": flop, "generative": flag}
        for flop in (1e23, 1e24, 5e24, 6e24, 1e25, 2e25, 1e26)
        for flag in (True, False)
    ]
    for facts in samples * 2:
        (memo,) = remembered.outcomes("model", {"central": facts, "upper_bound": facts})
        (fresh,) = Evaluator([pack]).outcomes("model", {"central": facts, "upper_bound": facts})
        assert memo.value == fresh.value, facts


@pytest.mark.parametrize(
    ("flop", "side", "text"),
    [
        (3.1e25, "above", "training_flop 3.1 × 10^25 FLOP is above 1 × 10^25 FLOP by 2.1 × 10^25 FLOP"),
        (1e23, "below", "training_flop 1 × 10^23 FLOP is below 1 × 10^25 FLOP by 9.9 × 10^24 FLOP"),
        (1e25, "at", "training_flop 1 × 10^25 FLOP is at the threshold 1 × 10^25 FLOP"),
    ],
)
def test_a_distance_reads_as_people_write_it_signed_above_or_below(flop: float, side: str, text: str) -> None:
    (distance,) = distances(outcome(GOOD, {"training_flop": flop}))
    assert (distance["side"], distance["text"]) == (side, text)
    assert distance["difference"] == 1e25 - flop  # the figure itself stays exact, threshold - value


def test_a_float_sum_reads_at_its_scale_not_its_last_digits() -> None:
    """The issue's figure: 2.1000000999999995e+26 is 2.1 × 10^26 to a reader (SB 53's 10^26)."""
    at_sb53 = GOOD.replace("threshold: 1e25", "threshold: 1e26")
    (distance,) = distances(outcome(at_sb53, {"training_flop": 2.1000000999999995e26}))
    assert distance["text"] == "training_flop 2.1 × 10^26 FLOP is above 1 × 10^26 FLOP by 1.1 × 10^26 FLOP"


def test_a_revenue_distance_reads_in_its_currency() -> None:
    """SB 53's large frontier developer: annual gross revenue above USD 500 million (§ 22757.11)."""
    revenue = GOOD.replace("facts: [training_flop, generative]", "facts: [provider_revenue_usd]").replace(
        "condition: training_flop > params.threshold", "condition: provider_revenue_usd > 500000000.0"
    )
    (distance,) = distances(outcome(revenue, {"provider_revenue_usd": 1.2e9}))
    assert distance["text"] == "provider_revenue_usd USD 1.2 bn is above USD 500 m by USD 700 m"


def test_a_distance_to_an_unknown_figure_says_so() -> None:
    (distance,) = distances(outcome(GOOD, {}))
    assert "side" not in distance
    assert distance["text"] == "training_flop is unknown; the threshold is 1 × 10^25 FLOP"
