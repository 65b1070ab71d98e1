"""Importers fed random and mutated documents return records or problems, never a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custos.passports.cyclonedx import parse_cyclonedx, to_cyclonedx
from custos.passports.epoch import parse_epoch
from custos.passports.huggingface import parse_model_card
from custos.passports.records import Parsed
from custos.passports.spdx import parse_spdx, to_spdx
from tests.strategies import import_item

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


def mutate(document: Any, draw: st.DrawFn) -> Any:
    """Replace, delete or retype one value somewhere in a JSON document."""
    if isinstance(document, dict) and document:
        key = draw(st.sampled_from(sorted(document)))
        action = draw(st.sampled_from(["replace", "delete", "descend"]))
        copy = dict(document)
        if action == "delete":
            del copy[key]
        elif action == "replace":
            copy[key] = draw(json_values)
        else:
            copy[key] = mutate(copy[key], draw)
        return copy
    if isinstance(document, list) and document:
        index = draw(st.integers(0, len(document) - 1))
        copy = list(document)
        copy[index] = mutate(copy[index], draw) if draw(st.booleans()) else draw(json_values)
        return copy
    return draw(json_values)


def well_formed(parsed: Parsed) -> None:
    assert isinstance(parsed, Parsed)
    for problem in parsed.problems:
        assert problem.label and problem.path and problem.reason


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=import_item(), data=st.data())
def test_mutated_cyclonedx_documents(item, data) -> None:  # type: ignore[no-untyped-def]
    document = to_cyclonedx(item)
    for _ in range(data.draw(st.integers(1, 3))):
        document = mutate(document, data.draw)
    well_formed(parse_cyclonedx(json.dumps(document)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=import_item(), data=st.data())
def test_mutated_spdx_documents(item, data) -> None:  # type: ignore[no-untyped-def]
    document = to_spdx(item)
    for _ in range(data.draw(st.integers(1, 3))):
        document = mutate(document, data.draw)
    well_formed(parse_spdx(json.dumps(document)))


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=300))
def test_random_text_in_every_format(text: str) -> None:
    for parse in (parse_cyclonedx, parse_spdx, parse_epoch, parse_model_card):
        parsed = parse(text)
        well_formed(parsed)
        assert parsed.items == [] or parse in (parse_epoch, parse_model_card)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "Model",
                "Organization",
                "Publication date",
                "Training compute (FLOP)",
                "Confidence",
                "Parameters",
                "Hardware utilization (MFU)",
                "Country (of organization)",
                "Model accessibility",
            ]
        ),
        st.text(max_size=12),
        min_size=5,
    )
)
def test_random_epoch_rows(row: dict[str, str]) -> None:
    columns = ["Model", "Organization", "Publication date", "Training compute (FLOP)", "Confidence"]
    header = sorted(set(columns) | set(row))
    lines = [",".join(header), ",".join('"' + row.get(c, "").replace('"', '""') + '"' for c in header)]
    parsed = parse_epoch("\n".join(lines) + "\n")
    well_formed(parsed)
    assert len(parsed.items) + len({p.label for p in parsed.problems}) == 1


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_random_front_matter(value: Any) -> None:
    import yaml

    card = "---\n" + yaml.safe_dump(value) + "---\n# Model\n"
    well_formed(parse_model_card(card, organisation="Acme"))
