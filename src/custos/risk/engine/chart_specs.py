"""The run's four charts as Vega-Lite specifications, with their data inlined from the results.

One specification serves both places a chart is shown: the dashboard draws it in the browser
(interactive: tooltips, zoom, a layer filter) and the HTML report embeds the SVG that
``custos.risk.adapters.charts`` renders from it, so the two can never disagree.

Figures follow ``custos.core.units``: tooltips and labels carry text formatted here (EUR 1.77 bn,
99.9%), and money axes print plain figures in the scale their title names ("System loss (EUR m)"),
which Vega's expression language can do on its own, in the browser and in the renderer alike.
Specifications are plain dicts, so they serialise as they are and need no charting library here.

The two distributions read ``Losses``: the run's uniform sample of draws (every draw when it has
at most ``simulate.SAMPLE_SIZE``) and its exact largest losses, so the far end of the exceedance
curve is exact however many draws there were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from custos.core.units import SCALES, count, money, percent

Spec = dict[str, Any]


@dataclass(frozen=True)
class Losses:
    """What the loss distribution and the exceedance curve read of a run's system losses."""

    draws: int  # the run's number of draws
    sample: np.ndarray  # the system loss of each sampled draw (a uniform sample, or every draw)
    largest: np.ndarray  # the exact largest system losses, largest first


SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
CHARTS = ("loss-distribution", "exceedance", "network", "contributors")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
CONFIG: Spec = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": 600, "grid": True},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "columnPadding": 18},
}
ACCENT = "#1d4f91"
VAR_COLOUR = "#a4161a"
ES_COLOUR = "#1b1b1b"

#: Where the key that names the VaR and ES rules stands below the plot, in pixels: its top (below
#: the axis title), the distance between its lines and the start of its second column.
KEY_TOP = 46
RULE_LABEL_LINE = 14
KEY_COLUMN = 220
#: Pixels between two nodes of a layer in the network: more than a label's height, so labels
#: stacked in a column never overlap.
NODE_SPACING = 18
LABEL_FONT_SIZE = 11
#: The network is at least this many nodes high, so a small one is not squashed flat.
MIN_ROWS = 8
#: The widest a node's label may be; longer names end in an ellipsis (the tooltip has them whole).
LABEL_LIMIT = 150
#: Where each layer's column stands and on which side of it its labels go. Gaps between
#: columns exceed the widest label, so labels of neighbouring columns never meet.
COLUMNS = {
    "Compute provider": (190.0, "right"),
    "Model": (410.0, "left"),
    "Institution": (670.0, "left"),
}
LAYERS = list(COLUMNS)
NETWORK_WIDTH = 860
LABEL_GAP = 9


#: Text is measured with the renderer's fonts; a reader's may be wider, so the edges keep room.
PADDING = {"left": 30, "top": 5, "right": 40, "bottom": 5}


def _spec(description: str, **parts: Any) -> Spec:
    return {"$schema": SCHEMA, "description": description, "config": CONFIG, "padding": PADDING, **parts}


def _scale(largest: float) -> tuple[float, str]:
    """The scale a money axis is read in: the largest of units' scales its figures reach."""
    return next(((size, word) for size, word in SCALES if largest >= size), (1.0, ""))


def money_axis(title: str, currency: str, largest: float) -> Spec:
    """An axis of amounts in one scale, named in its title: "System loss (EUR m)", 0, 200, 400."""
    size, word = _scale(abs(largest))
    unit = f"{currency} {word}" if word else currency
    return {
        "title": f"{title} ({unit})",
        "labelExpr": f"format(datum.value / {size:.0f}, ',~r')",
        "labelOverlap": "greedy",
        "labelSeparation": 8,
    }


# Loss distribution -------------------------------------------------------------------------------


def _levels(system: dict[str, Any], currency: str) -> list[dict[str, Any]]:
    """The VaR and ES rules; ``line`` is each one's place in its column of the key, by level."""
    return [
        {
            "kind": name,
            "value": float(value),
            "text": f"{name} {percent(level)}: {money(value, currency)}",
            "line": k,
        }
        for name, key in (("VaR", "value_at_risk"), ("ES", "expected_shortfall"))
        for k, (level, value) in enumerate(sorted(system[key].items(), key=lambda item: float(item[0])))
    ]


def loss_distribution(losses: Losses, system: dict[str, Any], currency: str) -> Spec:
    """A histogram of the system loss, with the value at risk and expected shortfall as rules.

    The bars count the sample's draws, scaled to the run's (the same when the sample is every draw).
    The rules are named in a key below the plot, value at risk in one column and expected
    shortfall in the other, each line in its rule's colour and dash, so no label crosses a rule,
    a bar or anything above the plot.
    """
    draws = losses.sample
    edges = np.histogram_bin_edges(draws, bins=min(80, max(10, int(np.sqrt(draws.size)))))
    counts, _ = np.histogram(draws, edges)
    scale = losses.draws / draws.size
    bins = [
        {
            "start": float(start),
            "end": float(end),
            "draws": round(n * scale),
            "range": f"{money(start, currency)} to {money(end, currency)}",
            "draws_text": count(round(n * scale)),
            "share": percent(n / draws.size),
        }
        for start, end, n in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    levels = _levels(system, currency)
    width, height = 440, 240
    kind = {
        "field": "kind",
        "type": "nominal",
        "scale": {"domain": ["VaR", "ES"], "range": [VAR_COLOUR, ES_COLOUR]},
        "legend": None,
    }
    column = {"VaR": 0, "ES": KEY_COLUMN}
    key = [
        {
            **level,
            "x": column[level["kind"]],
            "x2": column[level["kind"]] + 16,
            "y": height + KEY_TOP + RULE_LABEL_LINE * level["line"],
        }
        for level in levels
    ]
    pixels = {"type": "quantitative", "scale": None}
    return _spec(
        "Histogram of the system loss over the draws (a uniform sample of them in a large run), with "
        "value at risk (dashed) and expected shortfall (solid) at each level.",
        width=width,
        height=height,
        layer=[
            {
                "data": {"values": bins},
                "mark": {"type": "bar", "color": ACCENT, "binSpacing": 0},
                "encoding": {
                    "x": {
                        "field": "start",
                        "type": "quantitative",
                        "axis": money_axis("System loss", currency, max(abs(edges[0]), abs(edges[-1]))),
                    },
                    "x2": {"field": "end"},
                    "y": {
                        "field": "draws",
                        "type": "quantitative",
                        "title": "Draws",
                        "axis": {"format": ",~r"},
                    },
                    "y2": {"datum": 0},
                    "tooltip": [
                        {"field": "range", "title": "System loss"},
                        {"field": "draws_text", "title": "Draws"},
                        {"field": "share", "title": "Share of draws"},
                    ],
                },
            },
            {
                "data": {"values": levels},
                "mark": {"type": "rule", "strokeWidth": 1.5},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "color": kind,
                    "strokeDash": {**kind, "scale": {"domain": ["VaR", "ES"], "range": [[5, 3], [1, 0]]}},
                    "tooltip": [{"field": "text", "title": "Measure"}],
                },
            },
            {
                "data": {"values": key},
                "mark": {"type": "rule", "strokeWidth": 1.5},
                "encoding": {
                    "x": {"field": "x", **pixels},
                    "x2": {"field": "x2"},
                    "y": {"field": "y", **pixels},
                    "color": kind,
                    "strokeDash": {**kind, "scale": {"domain": ["VaR", "ES"], "range": [[5, 3], [1, 0]]}},
                },
            },
            {
                "data": {"values": key},
                "mark": {"type": "text", "fontSize": 11, "align": "left", "baseline": "middle", "dx": 22},
                "encoding": {
                    "x": {"field": "x", **pixels},
                    "y": {"field": "y", **pixels},
                    "text": {"field": "text"},
                    "color": kind,
                },
            },
        ],
        resolve={"scale": {"color": "independent", "strokeDash": "independent"}},
    )


# Exceedance curve --------------------------------------------------------------------------------


def exceedance(losses: Losses, currency: str, points: int = 240) -> Spec:
    """The probability that the system loss reaches each amount, on a logarithmic scale.

    The k-th largest loss is reached with probability k/N; the curve keeps the points spread
    evenly in log-probability, every one of the rarest draws among them. Those within the exact
    largest losses are read there; the rest from the sample, at the same share of its draws.
    """
    total = losses.draws
    sample = np.sort(losses.sample)[::-1]
    ranks = np.unique(np.rint(np.logspace(0, np.log10(total), points)).astype(int))

    def loss(k: int) -> float:
        if k <= losses.largest.size:
            return float(losses.largest[k - 1])
        return float(sample[min(sample.size, -(-k * sample.size // total)) - 1])

    rows = [
        {
            "loss": loss(k),
            "probability": k / total,
            "loss_text": money(loss(k), currency),
            "probability_text": percent(k / total),
        }
        for k in ranks
    ]
    widest = max(abs(losses.largest[0]), float(np.abs(sample).max(initial=0.0)))
    decades = [10.0**-e for e in range(int(np.ceil(np.log10(total))) + 1) if 10.0**-e >= 1 / total]
    return _spec(
        "The probability that the system loss reaches each amount; probabilities on a logarithmic scale.",
        width=440,
        height=240,
        data={"values": rows},
        mark={"type": "line", "interpolate": "step-after", "color": ACCENT, "point": {"size": 14}},
        encoding={
            "x": {
                "field": "loss",
                "type": "quantitative",
                "axis": money_axis("System loss", currency, float(widest)),
            },
            "y": {
                "field": "probability",
                "type": "quantitative",
                "scale": {"type": "log", "domain": [1 / total, 1]},
                "axis": {
                    "title": "Probability of this loss or more",
                    "values": decades,
                    "labelExpr": "format(datum.value, '~%')",
                },
            },
            "tooltip": [
                {"field": "loss_text", "title": "System loss"},
                {"field": "probability_text", "title": "Probability of this loss or more"},
            ],
        },
    )


# Network -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A node placed on the chart, in pixels from the top left of the plot at its initial zoom."""

    id: str
    name: str
    layer: str
    x: float
    y: float
    align: str  # how its label is aligned: "left" starts at the point, "right" ends there
    row: dict[str, Any]


def _ordered(rows: list[dict[str, Any]], key: str, shown: set[str]) -> list[dict[str, Any]]:
    return sorted((row for row in rows if row["id"] in shown), key=lambda row: -(row[key] or 0.0))


def network_layout(metrics: dict[str, Any]) -> tuple[list[Node], float]:
    """Providers, models and institutions in three columns, the most important of each on top,
    ``NODE_SPACING`` apart; returns the nodes and the plot's height."""
    graph = metrics["graph"]
    shown = {node for group, edges in graph.items() if group != "nodes" for edge in edges for node in edge}
    shown |= {node[0] for node in graph.get("nodes", [])}
    units = metrics["providers"]
    key = "expected_shortfall_contribution"
    columns = {
        "Compute provider": _ordered([r for r in units if r["layer"] == "compute"], key, shown),
        "Model": _ordered([r for r in units if r["layer"] == "model"], key, shown),
        "Institution": _ordered(metrics["institutions"], "capital", shown),
    }
    height = NODE_SPACING * max(MIN_ROWS, *(len(rows) for rows in columns.values()))
    nodes = []
    for layer, rows in columns.items():
        x, align = COLUMNS[layer]
        top = (height - NODE_SPACING * len(rows)) / 2 + NODE_SPACING / 2
        nodes += [
            Node(row["id"], row.get("name") or row["id"], layer, x, top + NODE_SPACING * k, align, row)
            for k, row in enumerate(rows)
        ]
    return nodes, height


def _node_row(node: Node, share: float, currency: str) -> dict[str, Any]:
    row = node.row
    unit = node.layer != "Institution"
    return {
        "id": node.id,
        "name": node.name,
        "layer": node.layer,
        "x": node.x,
        "y": node.y,
        "align": node.align,
        "share": share,
        "share_text": percent(share),
        "contribution_text": money(row[_key(node)], currency),
        "detail_text": money(row["expected_loss_given_failure"], currency)
        if unit
        else percent(row["default_probability"]),
        "probability_text": percent(row["failure_probability"] if unit else row["default_probability"]),
    }


def _key(node: Node) -> str:
    """The figure a node is sized and coloured by: its contribution to the expected shortfall
    (for an institution, its capital, which is its Euler contribution to it)."""
    return "capital" if node.layer == "Institution" else "expected_shortfall_contribution"


def _shares(nodes: list[Node], metrics: dict[str, Any]) -> dict[str, float]:
    """Each node's share: of the expected shortfall caused by providers' and models' failures,
    or, for an institution, of the capital all institutions must hold."""
    totals = {
        False: sum(max(0.0, r["expected_shortfall_contribution"] or 0.0) for r in metrics["providers"]),
        True: sum(max(0.0, r["capital"] or 0.0) for r in metrics["institutions"]),
    }
    return {
        node.id: max(0.0, node.row[_key(node)] or 0.0) / (totals[node.layer == "Institution"] or 1.0)
        for node in nodes
    }


def _edges(metrics: dict[str, Any], nodes: list[Node]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Straight edges between columns, and interbank claims as curves bowing left of the
    institutions' column (three points each, smoothed), so they do not hide in the column."""
    at = {node.id: node for node in nodes}
    straight = [
        {
            "x": at[a].x,
            "y": at[a].y,
            "x2": at[b].x,
            "y2": at[b].y,
            "from_layer": at[a].layer,
            "to_layer": at[b].layer,
        }
        for group in ("hosting", "deployment")
        for a, b in metrics["graph"].get(group, [])
        if a in at and b in at
    ]
    curved = []
    for k, (a, b) in enumerate(metrics["graph"].get("interbank", [])):
        if a not in at or b not in at:
            continue
        source, target = at[a], at[b]
        bow = min(60.0, 0.4 * abs(target.y - source.y) + 8)
        middle = (source.x - bow, (source.y + target.y) / 2)
        curved += [
            {
                "edge": k,
                "order": order,
                "x": x,
                "y": y,
                "from_layer": "Institution",
                "to_layer": "Institution",
            }
            for order, (x, y) in enumerate(((source.x, source.y), middle, (target.x, target.y)))
        ]
    return straight, curved


#: Edges are drawn when both their ends' layers are chosen in the legend (or none is chosen).
EDGE_SHOWN = (
    "!length(data('layers_store')) || (vlSelectionTest('layers_store', {layer: datum.from_layer}) "
    "&& vlSelectionTest('layers_store', {layer: datum.to_layer}))"
)


def network(metrics: dict[str, Any], currency: str) -> Spec:
    """The dependency network in three columns, sized and coloured by share of expected shortfall.

    Drag to pan, scroll to zoom (double-click resets); click a layer in the legend to show only it
    (shift-click for more). Every node is labelled; a label longer than ``LABEL_LIMIT`` pixels
    ends in an ellipsis and the tooltip names it in full.
    """
    nodes, height = network_layout(metrics)
    shares = _shares(nodes, metrics)
    rows = [_node_row(node, shares[node.id], currency) for node in nodes]
    straight, curved = _edges(metrics, nodes)
    x = {"field": "x", "type": "quantitative", "axis": None, "scale": {"domain": [0, NETWORK_WIDTH]}}
    y = {
        "field": "y",
        "type": "quantitative",
        "axis": None,
        "scale": {"domain": [0, height], "reverse": True, "zero": False, "nice": False},
    }
    chosen = {"param": "layers", "empty": True}
    edge_shown = {"filter": EDGE_SHOWN}
    grey = {"color": "#8a8a8a", "opacity": 0.45, "strokeWidth": 0.8, "clip": True}
    shape = {
        "field": "layer",
        "type": "nominal",
        "title": "Layer (click to filter)",
        "scale": {"domain": LAYERS, "range": ["square", "circle", "triangle-up"]},
        "legend": {"orient": "top", "symbolFillColor": "#4a4a4a"},
    }
    unit_tooltip = [
        {"field": "name", "title": "Name"},
        {"field": "layer", "title": "Layer"},
        {"field": "share_text", "title": "Share of expected shortfall"},
        {"field": "contribution_text", "title": "Contribution to expected shortfall"},
        {"field": "detail_text", "title": "Loss given failure"},
        {"field": "probability_text", "title": "Failure probability"},
    ]
    institution_tooltip = [
        {"field": "name", "title": "Name"},
        {"field": "layer", "title": "Layer"},
        {"field": "share_text", "title": "Share of capital"},
        {"field": "contribution_text", "title": "Capital (contribution to expected shortfall)"},
        {"field": "probability_text", "title": "Default probability"},
    ]
    points = {
        "type": "point",
        "filled": True,
        "stroke": "#1b1b1b",
        "strokeWidth": 0.8,
        "clip": True,
        "cursor": "pointer",
    }
    top_share = max(shares.values(), default=0.0) or 1.0

    def nodes_of(institutions: bool, params: list[Spec] | None = None) -> Spec:
        layer: Spec = {
            "data": {"values": [row for row in rows if (row["layer"] == "Institution") is institutions]},
            "mark": points,
            "encoding": {
                "x": x,
                "y": y,
                "shape": shape,
                "color": {
                    "field": "share",
                    "type": "quantitative",
                    "title": "Share of expected shortfall",
                    "scale": {"scheme": "viridis", "reverse": True, "domain": [0, top_share]},
                    "legend": {"format": "~%", "orient": "top", "titleLimit": 300},
                },
                "size": {
                    "field": "share",
                    "type": "quantitative",
                    "scale": {"domain": [0, top_share], "range": [30, 300]},
                },
                "opacity": {"condition": {**chosen, "value": 1}, "value": 0.12},
                "tooltip": institution_tooltip if institutions else unit_tooltip,
            },
        }
        if params:
            layer["params"] = params
        return layer

    def labels(align: str) -> Spec:
        return {
            "data": {"values": [row for row in rows if row["align"] == align]},
            "transform": [{"filter": chosen}],
            "mark": {
                "type": "text",
                "align": align,
                "baseline": "middle",
                "dx": LABEL_GAP if align == "left" else -LABEL_GAP,
                "fontSize": LABEL_FONT_SIZE,
                "limit": LABEL_LIMIT,
                "clip": True,
                "color": "#1b1b1b",
            },
            "encoding": {"x": x, "y": y, "text": {"field": "name"}, "tooltip": unit_tooltip[:2]},
        }

    return _spec(
        "The dependency network: compute providers, models and financial institutions in three "
        "columns, the most important at the top; size and colour show each one's share of "
        "expected shortfall.",
        width=NETWORK_WIDTH,
        height=height,
        layer=[
            {
                "data": {"values": straight},
                "transform": [edge_shown],
                "mark": {"type": "rule", **grey},
                "encoding": {"x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"}},
            },
            {
                "data": {"values": curved},
                "transform": [edge_shown],
                "mark": {"type": "line", "interpolate": "basis", "strokeDash": [3, 2], **grey},
                "encoding": {"x": x, "y": y, "detail": {"field": "edge"}, "order": {"field": "order"}},
            },
            nodes_of(
                False,
                [
                    {"name": "zoom", "select": "interval", "bind": "scales"},
                    {"name": "layers", "select": {"type": "point", "fields": ["layer"]}, "bind": "legend"},
                ],
            ),
            nodes_of(True),
            labels("left"),
            labels("right"),
        ],
    )


# Top contributors --------------------------------------------------------------------------------


def _bars(rows: list[dict[str, Any]], title: str, axis: str, currency: str, colour: Spec | str) -> Spec:
    largest = max((row["value"] for row in rows), default=0.0)
    value = {
        "field": "value",
        "type": "quantitative",
        "axis": money_axis(axis, currency, largest),
        "scale": {"domainMax": largest * 1.3 or 1},
    }
    name = {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": 170}}
    tooltip = [
        {"field": "name", "title": "Name"},
        {"field": "layer", "title": "Layer"},
        {"field": "value_text", "title": axis},
    ]
    bar_colour = colour if isinstance(colour, dict) else {"value": colour}
    return {
        "title": {"text": title, "anchor": "start", "fontSize": 12},
        "width": 260,
        "height": {"step": 20},
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "bar"},
                "encoding": {"y": name, "x": value, "color": bar_colour, "tooltip": tooltip},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10},
                "encoding": {"y": name, "x": value, "text": {"field": "value_text"}},
            },
        ],
    }


def _ranked(
    rows: list[dict[str, Any]], key: str, layer: Any, currency: str, top: int
) -> list[dict[str, Any]]:
    ordered = sorted(rows, key=lambda row: -(row[key] or 0.0))[:top]
    names = [row.get("name") or row["id"] for row in ordered]
    return [
        {
            "label": name if names.count(name) == 1 else f"{name} ({row['id']})",
            "name": name,
            "layer": layer(row),
            "value": float(row[key] or 0.0),
            "value_text": money(row[key], currency),
        }
        for name, row in zip(names, ordered, strict=True)
    ]


def contributors(metrics: dict[str, Any], currency: str, top: int = 10) -> Spec:
    """The largest contributions to expected shortfall: providers and models (coloured by layer)
    beside institutions' capital."""
    units = _ranked(
        metrics["providers"],
        "expected_shortfall_contribution",
        lambda row: "Compute provider" if row["layer"] == "compute" else "Model",
        currency,
        top,
    )
    institutions = _ranked(metrics["institutions"], "capital", lambda _: "Institution", currency, top)
    layer_colour = {
        "field": "layer",
        "type": "nominal",
        "title": "Layer",
        "scale": {"domain": LAYERS[:2], "range": [ACCENT, "#6a8fc4"]},
        "legend": {"orient": "bottom"},
    }
    return _spec(
        "The largest contributions to expected shortfall: providers and models, and institutions' capital.",
        hconcat=[
            _bars(
                units, "Providers and models", "Contribution to expected shortfall", currency, layer_colour
            ),
            _bars(institutions, "Institutions", "Capital", currency, "#3d6b2a"),
        ],
        spacing=30,
    )


def chart(name: str, metrics: dict[str, Any], losses: Losses | None) -> Spec:
    """The named chart of a run (one of ``CHARTS``); the two distributions need its losses."""
    currency = metrics["network"]["currency"]
    if name == "network":
        return network(metrics, currency)
    if name == "contributors":
        return contributors(metrics, currency)
    if losses is None:
        raise ValueError(f"the {name} chart needs the run's losses")
    if name == "loss-distribution":
        return loss_distribution(losses, metrics["system"], currency)
    return exceedance(losses, currency)
