from __future__ import annotations

import json

import pytest

from custos.core import InvalidInput, canonical_json


def test_numbers_are_serialised_as_rfc_8785_section_3_2_2_shows() -> None:
    value = {"numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001]}
    assert canonical_json(value) == b'{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}'


def test_keys_are_sorted_by_utf16_code_units_as_rfc_8785_section_3_2_3_shows() -> None:
    # The emoji (a surrogate pair in UTF-16) sorts before U+FB33, though its code point is larger.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_json(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(InvalidInput):
        canonical_json({"x": float("nan")})
