"""The charts rendered to SVG with vl-convert: every one draws, with units on every axis."""

from __future__ import annotations

import pytest

from custos.risk.adapters import charts
from custos.risk.engine import chart_specs
from tests.unit.risk.sample import charted_run, large_metrics


@pytest.mark.parametrize("name", [*chart_specs.CHARTS, "large network"])
def test_every_chart_renders(name: str) -> None:
    if name == "large network":
        spec = chart_specs.network(large_metrics(), "EUR")
    else:
        spec = chart_specs.chart(name, *charted_run())
    image = charts.svg(spec)
    assert image.startswith("<svg") and "<text" in image


def test_money_axes_name_their_scale() -> None:
    assert chart_specs.money_axis("System loss", "EUR", 7.5e8)["title"] == "System loss (EUR m)"
    assert chart_specs.money_axis("System loss", "EUR", 2.1e9)["title"] == "System loss (EUR bn)"
    assert chart_specs.money_axis("Capital", "USD", 950.0)["title"] == "Capital (USD)"
    image = charts.svg(chart_specs.contributors(large_metrics(), "EUR"))
    assert "Contribution to expected shortfall (EUR bn)" in image and "Capital (EUR bn)" in image
