"""The HTML report: four clean SVG charts inline, with units on their axes, whatever the names."""

from __future__ import annotations

import re
from pathlib import Path

from custos.risk.adapters.network_files import load_network
from custos.risk.adapters.report import render_report
from custos.risk.engine.chart_specs import Losses
from custos.risk.engine.stress_test import run_stress_test
from tests.unit.risk.sample import charted_run, copy_sample, scenario

RUN_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def test_the_report_embeds_clean_svg_with_units_on_its_axes() -> None:
    metrics, draws = charted_run()
    report = render_report(metrics, draws, "EUR", RUN_ID)
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


def test_names_with_dollar_signs_are_text_in_the_charts(tmp_path: Path) -> None:
    directory = copy_sample(tmp_path)
    table = directory / "providers.csv"
    table.write_text(table.read_text().replace("North Cloud", "US$ Cloud $\\x$"))
    outage = "draws: 1\noutages: [{provider: cloud-north, loss_rate: 0.15}]\n"
    result = run_stress_test(load_network(directory), scenario(outage))
    run = result.aggregate
    losses = Losses(run.draws, run.sample.system, run.tail_losses)
    assert "<svg" in render_report(result.metrics, losses, "EUR", RUN_ID)
