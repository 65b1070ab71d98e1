"""The charts' specifications: valid Vega-Lite as plain JSON, and a network whose labels never
overlap, with formatted figures in its tooltips. Rendering them is the adapters' (test_charts).

``../data/vega-lite-6.4.1.schema.json.gz`` is the JSON Schema shipped in the npm package of the
Vega-Lite release vendored for the pages (``build/vega-lite-schema.json``).
"""

from __future__ import annotations

import functools
import gzip
import json
from itertools import combinations
from pathlib import Path

import jsonschema
import pytest

from custos.risk.engine import chart_specs
from custos.risk.engine.chart_specs import COLUMNS, LABEL_FONT_SIZE, LABEL_GAP, LABEL_LIMIT, NODE_SPACING
from tests.unit.risk.sample import charted_run, large_metrics

SCHEMA = Path(__file__).parents[1] / "data" / "vega-lite-6.4.1.schema.json.gz"


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(gzip.decompress(SCHEMA.read_bytes())))


@pytest.mark.parametrize("name", [*chart_specs.CHARTS, "large network"])
def test_every_chart_is_valid_vega_lite_in_plain_json(name: str) -> None:
    if name == "large network":
        spec = chart_specs.network(large_metrics(), "EUR")
    else:
        spec = chart_specs.chart(name, *charted_run())
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in _validator().iter_errors(spec)]
    assert not errors, errors[:5]
    json.dumps(spec, allow_nan=False)  # plain JSON: no numpy values, no NaN


def _label_box(node: chart_specs.Node) -> tuple[float, float, float, float]:
    """The most a label can cover: ``LABEL_LIMIT`` wide (Vega cuts longer text), a line high."""
    start = node.x + LABEL_GAP if node.align == "left" else node.x - LABEL_GAP - LABEL_LIMIT
    return (start, node.y - LABEL_FONT_SIZE / 2, start + LABEL_LIMIT, node.y + LABEL_FONT_SIZE / 2)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("per_layer", [1, 5, 25])
def test_network_labels_never_overlap_each_other_or_the_nodes(per_layer: int) -> None:
    nodes, height = chart_specs.network_layout(large_metrics(per_layer))
    assert len(nodes) == 3 * per_layer
    boxes = [_label_box(node) for node in nodes]
    assert not [(a, b) for a, b in combinations(range(len(boxes)), 2) if _overlap(boxes[a], boxes[b])]
    points = [(node.x - 6, node.y - 6, node.x + 6, node.y + 6) for node in nodes]
    assert not [(box, point) for box in boxes for point in points if _overlap(box, point)]
    assert all(box[0] >= 0 and box[2] <= chart_specs.NETWORK_WIDTH for box in boxes)
    assert all(0 < node.y < height for node in nodes)
    assert {node.x for node in nodes} == {x for x, _ in COLUMNS.values()}
    assert NODE_SPACING > LABEL_FONT_SIZE


def test_the_network_tooltips_and_filters_carry_formatted_figures() -> None:
    spec = chart_specs.network(large_metrics(3), "EUR")
    rows = [row for layer in spec["layer"] for row in layer["data"]["values"] if "name" in row]
    first = next(row for row in rows if row["id"] == "compute-0")
    assert first["layer"] == "Compute provider"
    assert first["contribution_text"] == "EUR 300 m" and first["detail_text"] == "EUR 2.5 bn"
    assert first["share_text"] == "25%"  # 3 of (3 + 2 + 1) × 2, providers and models together
    params = {param["name"]: param for layer in spec["layer"] for param in layer.get("params", [])}
    assert params["zoom"]["bind"] == "scales" and params["layers"]["bind"] == "legend"
