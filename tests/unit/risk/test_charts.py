"""The charts' specifications: valid Vega-Lite, rendered to clean SVG with units on every axis,
and a network whose labels never overlap.

``data/vega-lite-6.4.1.schema.json.gz`` is the JSON Schema shipped in the npm package of the
Vega-Lite release vendored for the pages (``build/vega-lite-schema.json``).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from itertools import combinations
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from custos.risk import chart_specs, charts
from custos.risk.chart_specs import COLUMNS, LABEL_FONT_SIZE, LABEL_GAP, LABEL_LIMIT, NODE_SPACING, Losses
from custos.risk.engine import run_stress_test
from custos.risk.report import render_report
from tests.unit.risk.sample import sample_network, scenario

SCHEMA = Path(__file__).parent / "data" / "vega-lite-6.4.1.schema.json.gz"
RANDOM = """
draws: 3000
chunk_size: 1000
outages: [{provider: cloud-north, loss_rate: 0.15}]
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
"""


@functools.cache
def _run() -> tuple[dict[str, Any], Losses]:
    result = run_stress_test(sample_network(), scenario(RANDOM))
    run = result.aggregate
    return result.metrics, Losses(run.draws, run.sample.system, run.tail_losses)


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(gzip.decompress(SCHEMA.read_bytes())))


def _large_metrics(per_layer: int = 25) -> dict[str, Any]:
    """A network as wide as a chart shows, with long names that must be cut short."""
    name = "A rather long name for a systemically important node number {}"
    units = [
        {
            "id": f"{layer}-{k}",
            "name": name.format(k),
            "layer": layer,
            "failure_probability": 0.01,
            "expected_loss_given_failure": 2.5e9 * (k + 1),
            "expected_shortfall_contribution": 1.0e8 * (per_layer - k),
            "uninsurable_linchpin": False,
        }
        for layer in ("compute", "model")
        for k in range(per_layer)
    ]
    institutions = [
        {"id": f"bank-{k}", "name": name.format(k), "capital": 5.0e8 * (k + 1), "default_probability": 0.002}
        for k in range(per_layer)
    ]
    ids = [row["id"] for row in [*units, *institutions]]
    return {
        "network": {"currency": "EUR"},
        "providers": units,
        "institutions": institutions,
        "graph": {
            "nodes": [[node] for node in ids],
            "hosting": [[f"compute-{k}", f"model-{k}"] for k in range(per_layer)],
            "deployment": [[f"model-{k}", f"bank-{k}"] for k in range(per_layer)],
            "interbank": [[f"bank-{k}", f"bank-{(k + 3) % per_layer}"] for k in range(per_layer)],
        },
    }


@pytest.mark.parametrize("name", [*chart_specs.CHARTS, "large network"])
def test_every_chart_is_valid_vega_lite_and_renders(name: str) -> None:
    if name == "large network":
        spec = chart_specs.network(_large_metrics(), "EUR")
    else:
        spec = chart_specs.chart(name, *_run())
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in _validator().iter_errors(spec)]
    assert not errors, errors[:5]
    json.dumps(spec, allow_nan=False)  # plain JSON: no numpy values, no NaN
    image = charts.svg(spec)
    assert image.startswith("<svg") and "<text" in image


def test_the_report_embeds_clean_svg_with_units_on_its_axes() -> None:
    metrics, draws = _run()
    report = render_report(metrics, draws, "EUR", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    images = re.findall(r"<svg.*?</svg>", report, flags=re.DOTALL)
    assert len(images) == 4
    for image in images:
        assert "mathdefault" not in image and "$" not in image
    text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", report))
    assert text.count("System loss (EUR)") == 2
    assert "Contribution to expected shortfall (EUR)" in text and "Capital (EUR)" in text
    assert "Probability of this loss or more" in text and re.search(r"\b10%", text)
    assert re.search(r"VaR 99%: EUR [\d,.]+", text) and re.search(r"ES 99\.9%: EUR [\d,.]+", text)
    assert "VaR 99%" in report and "EUR " in report  # headline tiles through custos.core.units
    # Several images in one page: their clip paths must not share ids.
    ids = re.findall(r'id="([^"]+)"', report)
    assert len(ids) == len(set(ids))


def test_money_axes_name_their_scale() -> None:
    assert chart_specs.money_axis("System loss", "EUR", 7.5e8)["title"] == "System loss (EUR m)"
    assert chart_specs.money_axis("System loss", "EUR", 2.1e9)["title"] == "System loss (EUR bn)"
    assert chart_specs.money_axis("Capital", "USD", 950.0)["title"] == "Capital (USD)"
    image = charts.svg(chart_specs.contributors(_large_metrics(), "EUR"))
    assert "Contribution to expected shortfall (EUR bn)" in image and "Capital (EUR bn)" in image


def _label_box(node: chart_specs.Node) -> tuple[float, float, float, float]:
    """The most a label can cover: ``LABEL_LIMIT`` wide (Vega cuts longer text), a line high."""
    start = node.x + LABEL_GAP if node.align == "left" else node.x - LABEL_GAP - LABEL_LIMIT
    return (start, node.y - LABEL_FONT_SIZE / 2, start + LABEL_LIMIT, node.y + LABEL_FONT_SIZE / 2)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("per_layer", [1, 5, 25])
def test_network_labels_never_overlap_each_other_or_the_nodes(per_layer: int) -> None:
    nodes, height = chart_specs.network_layout(_large_metrics(per_layer))
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
    spec = chart_specs.network(_large_metrics(3), "EUR")
    rows = [row for layer in spec["layer"] for row in layer["data"]["values"] if "name" in row]
    first = next(row for row in rows if row["id"] == "compute-0")
    assert first["layer"] == "Compute provider"
    assert first["contribution_text"] == "EUR 300 m" and first["detail_text"] == "EUR 2.5 bn"
    assert first["share_text"] == "25%"  # 3 of (3 + 2 + 1) × 2, providers and models together
    params = {param["name"]: param for layer in spec["layer"] for param in layer.get("params", [])}
    assert params["zoom"]["bind"] == "scales" and params["layers"]["bind"] == "legend"
