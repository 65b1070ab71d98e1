from __future__ import annotations

import pytest

from custos.core import InvalidInput, jurisdiction


@pytest.mark.parametrize(
    ("code", "name"), [("EU", "European Union"), ("de", "Germany"), ("US-CA", "California")]
)
def test_known_jurisdictions(code: str, name: str) -> None:
    assert jurisdiction(code).name == name


def test_a_subdivision_knows_its_country() -> None:
    assert jurisdiction("US-NY").parent == "US"


@pytest.mark.parametrize("code", ["XX", "US-CAL", "", "Europe"])
def test_unknown_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput, match="unknown jurisdiction"):
        jurisdiction(code)
