"""Import → export → import gives the same record, through each standard's real validator."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from custos.passports.cyclonedx import parse_cyclonedx, schema_problems, to_cyclonedx
from custos.passports.records import ImportItem
from custos.passports.spdx import parse_spdx, to_spdx
from tests.strategies import import_item

FORMATS = {"cyclonedx": (to_cyclonedx, parse_cyclonedx), "spdx": (to_spdx, parse_spdx)}


def same(left: ImportItem, right: ImportItem) -> None:
    assert right.organisations == left.organisations
    assert right.model == left.model
    assert right.passport == left.passport
    assert right.base_model_name == left.base_model_name


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=import_item())
def test_export_then_import_gives_the_same_record(fmt: str, item: ImportItem) -> None:
    export, parse = FORMATS[fmt]
    document = json.dumps(export(item))
    parsed = parse(document)
    assert parsed.problems == []
    (back,) = parsed.items
    same(item, back)
    again = parse(json.dumps(export(back)))
    same(back, again.items[0])


@settings(max_examples=30, deadline=None)
@given(item=import_item())
def test_every_cyclonedx_export_passes_the_official_1_6_schema(item: ImportItem) -> None:
    assert schema_problems(json.dumps(to_cyclonedx(item))) == []
