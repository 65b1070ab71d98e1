"""What a caller asks the policy service, validated where it is read (the API's body, the command
line's ``--set`` values through ``custos.filings.parse``): a what-if names at least one fact, and
each value is of a type a rule compares (a number, a flag, a text or a list of texts)."""

from __future__ import annotations

import pytest

from custos.core.errors import InvalidInput
from custos.filings import parse
from custos.policy.requests import WhatIf


def test_a_whatif_keeps_each_value_as_its_type() -> None:
    supposed = parse(
        WhatIf, {"subject": "m1", "facts": {"training_flop": 2e25, "open_weights": True}}, "what-if"
    )
    assert supposed.facts == {"training_flop": 2e25, "open_weights": True}
    assert isinstance(supposed.facts["open_weights"], bool)


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({}, "facts"),
        ({"training_flop": {"value": 1}}, "facts.training_flop"),
        ({"countries": [1.5]}, "facts.countries"),
    ],
)
def test_a_whatif_is_refused_naming_the_field(facts: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput, match=rf"invalid what-if: {field}[.:]"):
        parse(WhatIf, {"subject": "m1", "facts": facts}, "what-if")


def test_a_whatif_names_its_subject() -> None:
    with pytest.raises(InvalidInput, match="subject: Field required"):
        parse(WhatIf, {"facts": {"training_flop": 1.0}}, "what-if")
