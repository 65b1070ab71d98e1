"""Readable figures: custos.core.units and the pages' format.js agree on one set of vectors.

The vectors are written by hand as a person would print each figure, so they are the truth both
implementations answer to; hypothesis adds that a figure and its readable scale never disagree.
"""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custos.core import units
from tests import prerequisites

VECTORS: dict[str, list[list[Any]]] = json.loads(
    (Path(__file__).with_name("units_vectors.json")).read_text(encoding="utf-8")
)
FORMAT_JS = Path(__file__).resolve().parents[3] / "src/custos/dashboard/static/js/format.js"
CASES = [(name, args, expected) for name, cases in VECTORS.items() for args, expected in cases]


@pytest.mark.parametrize(("name", "args", "expected"), CASES, ids=[f"{n}{a}" for n, a, _ in CASES])
def test_python_prints_each_vector(name: str, args: list[Any], expected: str) -> None:
    assert getattr(units, name)(*args) == expected


def test_format_js_prints_each_vector() -> None:
    node = prerequisites.node()
    driver = (
        f"import * as format from {json.dumps(FORMAT_JS.as_uri())};\n"
        f"const vectors = {json.dumps(VECTORS)};\n"
        "const out = {};\n"
        "for (const [name, cases] of Object.entries(vectors))\n"
        "  out[name] = cases.map(([args]) => format[name](...args));\n"
        "console.log(JSON.stringify(out));\n"
    )
    completed = subprocess.run(
        [node, "--input-type=module", "-e", driver], capture_output=True, text=True, timeout=60, check=True
    )
    printed = json.loads(completed.stdout)
    for name, cases in VECTORS.items():
        assert printed[name] == [expected for _, expected in cases], name


@given(st.floats(min_value=1e6, max_value=1e15, allow_nan=False))
def test_scaled_money_reads_back_within_its_rounding(amount: float) -> None:
    text = units.money(amount, "EUR")
    match = re.fullmatch(r"EUR ([\d,.]+) (m|bn|tn)", text)
    assert match, text
    scale = {"m": 1e6, "bn": 1e9, "tn": 1e12}[match.group(2)]
    read = float(match.group(1).replace(",", "")) * scale
    assert abs(read - amount) <= 0.005 * amount


@given(st.floats(min_value=1e-30, max_value=1e40, allow_nan=False))
def test_scientific_keeps_three_significant_digits(value: float) -> None:
    text = units.scientific(value)
    match = re.fullmatch(r"([\d.]+) × 10\^(-?\d+)", text)
    read = float(match.group(1)) * 10 ** int(match.group(2)) if match else float(text.replace(",", ""))
    assert abs(read - value) <= 0.005 * value


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False, allow_infinity=False))
def test_cents_reads_back_as_the_exact_amount(amount: Decimal) -> None:
    text = units.cents(amount, "EUR")
    match = re.fullmatch(r"EUR (-?)(\d{1,3}(?:,\d{3})*)\.(\d\d)", text)
    assert match, text
    sign, whole, hundredths = match.groups()
    assert Decimal(f"{sign}{whole.replace(',', '')}.{hundredths}") == amount
