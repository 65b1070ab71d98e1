"""The labour report: one well-formed, self-contained page whose figures carry their units, whose
fan chart has one point per year on each edge, and whose bars are in proportion to the figures.

The run is written by hand with round figures, so each printed figure is known in advance."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import pairwise
from typing import ClassVar

import pytest

from custos.labor.filings import DistributionRowResult, LevyShare, RunResults, YearlyPercentiles
from custos.labor.occupations import Measure
from custos.labor.report import render_report
from custos.labor.views import ExposureRowView, ExposureView, HeadlineMeasureView, HeadlineView, RunView

SVG = "{http://www.w3.org/2000/svg}"
YEARS = [2025, 2026, 2027, 2028]


def yearly(p5: list[float], p50: list[float], p95: list[float]) -> YearlyPercentiles:
    return YearlyPercentiles(p5=p5, p50=p50, p95=p95)


def row(key: str, label: str) -> DistributionRowResult:
    return DistributionRowResult(
        key=key,
        label=label,
        workers=26_000_000,
        exposure_weighted_workers=7_500_000,
        displaced_median_workers=250_000,
        wage_loss_median_usd=4.2e9,
        benefits_median_usd=1.5e9,
        net_loss_median_usd=2.6e9,
    )


def run_view(deployer: str = "Acme Lending") -> RunView:
    cost = yearly([1e9, 1.1e9, 1.2e9, 1.3e9], [1.5e9, 1.6e9, 1.8e9, 2e9], [2e9, 2.2e9, 2.4e9, 2.6e9])
    results = RunResults(
        years=YEARS,
        displaced_workers=yearly([50_000] * 4, [100_000] * 4, [150_000] * 4),
        cumulative_displaced_workers=yearly(
            [50_000, 100_000, 150_000, 200_000],
            [100_000, 200_000, 300_000, 400_000],
            [150_000, 300_000, 450_000, 600_000],
        ),
        still_out_workers=yearly([20_000] * 4, [40_000] * 4, [60_000] * 4),
        wage_loss_usd=yearly([1e9, 2e9, 3e9, 4e9], [2e9, 4e9, 6e9, 8e9], [3e9, 6e9, 9e9, 1.2e10]),
        programme_cost_usd={
            "unemployment_insurance": yearly([5e8] * 4, [8e8] * 4, [1e9] * 4),
            "wage_insurance": yearly([2e8] * 4, [4e8] * 4, [6e8] * 4),
            "retraining": yearly([3e8] * 4, [3e8] * 4, [4e8] * 4),
        },
        total_cost_usd=cost,
        horizon_displaced_workers_p50=400_000,
        horizon_total_cost_usd_p50=6.9e9,
        allocation_share={"budget": 0.5, "deployer_levy": 0.4, "liability_pool": 0.1},
        allocation_usd={
            "budget": [7.5e8, 8e8, 9e8, 1e9],
            "deployer_levy": [6e8, 6.4e8, 7.2e8, 8e8],
            "liability_pool": [1.5e8, 1.6e8, 1.8e8, 2e8],
        },
        levy=[
            LevyShare(
                organisation_id="org-1",
                name=deployer,
                deployments=3,
                exposure_weight=1_200_000,
                share=0.75,
                levy_usd=[4.5e8, 4.8e8, 5.4e8, 6e8],
            )
        ],
        by_quintile=[row(f"Q{n}", f"wage quintile {n} of 5") for n in range(1, 6)],
        by_group=[row("15-0000", "Computer and Mathematical Occupations")],
    )
    return RunView(
        run_id="01RUN",
        filing_id="01FILING",
        filed_at=datetime(2026, 12, 4, 22, 0, tzinfo=UTC),
        filed_by="Supervisor on duty",
        scenario="gradual",
        programmes="us-baseline",
        measure=Measure.HUMAN_BETA,
        draws=10_000,
        seed=7,
        registry=True,
        horizon_displaced_workers_p50=400_000,
        horizon_total_cost_usd_p50=6.9e9,
        scenario_yaml="name: gradual\n",
        scenario_digest="sha256:aa",
        programmes_yaml="name: us-baseline\n",
        programmes_digest="sha256:bb",
        data_digests={"gpts_occ_exposure.csv": "sha256:cc"},
        deployments_per_sector={"finance": 12, "other": 40},
        what_if={"health": 5},
        multipliers={"15-0000": 0.5},
        results=results,
        programmes_in_design=["unemployment_insurance", "wage_insurance", "retraining"],
    )


def exposure_view() -> ExposureView:
    groups = [
        ("43-0000", "Office and Administrative Support Occupations", 18_000_000, 9_000_000),
        ("15-0000", "Computer and Mathematical Occupations", 4_500_000, 3_000_000),
        ("47-0000", "Construction and Extraction Occupations", 6_000_000, 300_000),
    ]
    rows = [
        ExposureRowView(
            code=code,
            title=title,
            workers=total,
            wage_bill_usd=total * 50_000,
            exposed_workers=part,
            exposed_wage_bill_usd=part * 50_000,
            exposed_share=part / total,
        )
        for code, title, total, part in groups
    ]
    return ExposureView(
        measure=Measure.HUMAN_BETA,
        level="group",
        rows=rows,
        workers=28_500_000,
        wage_bill_usd=28_500_000 * 50_000,
        exposed_workers=12_300_000,
        exposed_wage_bill_usd=12_300_000 * 50_000,
        note="Exposure-weighted workers are full workloads of exposed tasks.",
        attribution="Exposure: Eloundou et al. (MIT). Employment and wages: BLS OEWS May 2021.",
    )


def headline_view() -> HeadlineView:
    found = HeadlineMeasureView(
        measure=Measure.HUMAN_BETA,
        workers=130_565_970,
        at_least_tenth_share=0.8028,
        over_half_share=0.2005,
        at_least_half_share=0.2397,
        paper_at_least_tenth_share=0.80,
        paper_over_half_share=0.19,
        difference_at_least_tenth_share=0.0028,
        difference_over_half_share=0.0105,
        agrees=True,
    )
    return HeadlineView(
        measure=Measure.HUMAN_BETA, tolerance_share=0.015, agrees=True, measures=[found], note="Beta, people."
    )


class Balance(HTMLParser):
    """Every element closed in the order opened (void elements aside)."""

    VOID: ClassVar[set[str]] = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open[-3:], tag)
        self.open.pop()


def page(deployer: str = "Acme Lending") -> str:
    return render_report(run_view(deployer), exposure_view(), headline_view())


def parsed(html: str) -> ET.Element:
    return ET.fromstring(html.split("\n", 1)[1])  # after the doctype


def points(text: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in text.split())]


def test_the_page_is_well_formed_and_self_contained() -> None:
    html = page()
    assert html.startswith("<!DOCTYPE html>")
    balance = Balance()
    balance.feed(html)
    balance.close()
    assert balance.open == []
    root = parsed(html)
    assert len(root.findall(f".//{SVG}svg")) == 3
    assert "<script" not in html and "src=" not in html and "url(" not in html
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"] * 3


def test_names_are_escaped_and_the_page_still_parses() -> None:
    html = page("<Acme & Sons>")
    assert "&lt;Acme &amp; Sons&gt;" in html
    parsed(html)


def test_figures_carry_units_and_a_readable_scale() -> None:
    html = page()
    text = " ".join(parsed(html).itertext())
    assert "400,000 workers" in text  # displaced over the horizon
    assert "USD 6.9 bn" in text  # the cost over the horizon
    assert "USD 2 bn 5–95%: 1.3 bn–2.6 bn" in text  # the last year's total cost
    assert "USD 8 bn 5–95%: 4 bn–12 bn" in text  # the last year's earnings lost
    assert "400,000 5–95%: 200,000–600,000" in text  # displaced since the start, 2028, in the table
    assert "400,000 workers 5–95%: 200,000–600,000" in text  # the same, as a headline figure
    assert "USD 3.45 bn" in text  # the budget's sum of yearly medians: 0.75 + 0.8 + 0.9 + 1
    assert "USD 2.07 bn" in text  # Acme's levy: 0.45 + 0.48 + 0.54 + 0.6
    assert "75%" in text and "Exposure weight (millions)" in text and " 1.2 " in text
    assert "80.3%" in text and "20.1%" in text and "agree within 1.5 percentage points" in text
    assert "health +5" in text and "finance 12" in text
    assert "USD 4.2 bn" in text and "USD 2.6 bn" in text  # the distribution tables
    assert len(re.findall(r"wage quintile \d of 5", text)) == 5


def test_the_fan_has_one_point_per_year_on_each_edge_and_the_median_within() -> None:
    root = parsed(page())
    (band,) = root.findall(f".//{SVG}polygon[@class='band']")
    (median,) = root.findall(f".//{SVG}polyline[@class='median']")
    edge, line = points(band.attrib["points"]), points(median.attrib["points"])
    assert len(edge) == 2 * len(YEARS) and len(line) == len(YEARS)
    upper, lower = edge[: len(YEARS)], edge[len(YEARS) :][::-1]
    assert [x for x, _ in upper] == [x for x, _ in lower] == [x for x, _ in line]
    assert all(x0 < x1 for x0, x1 in pairwise(x for x, _ in line))
    # SVG's y grows downwards: the 95th percentile is drawn above the median, the 5th below.
    assert all(hi[1] < mid[1] < lo[1] for hi, mid, lo in zip(upper, line, lower, strict=True))
    # Linear in the figure: 600,000 at the top of a 0-600,000 axis, 2028's median of 400,000 at
    # two thirds of the way up; 2025's band of 50,000-150,000 puts 0 half a band below its foot.
    bottom, top = lower[0][1] + (lower[0][1] - upper[0][1]) / 2, upper[-1][1]
    assert line[-1][1] == pytest.approx(bottom + (top - bottom) * 2 / 3, abs=0.2)


def test_exposure_bars_are_in_proportion_and_cost_bars_have_whiskers() -> None:
    root = parsed(page())
    exposed = root.findall(f".//{SVG}rect[@class='exposed']")
    total = root.findall(f".//{SVG}rect[@class='workers']")
    widths = [
        (float(a.attrib["width"]), float(b.attrib["width"])) for a, b in zip(exposed, total, strict=True)
    ]
    # Sorted by exposure-weighted workers: office (9 of 18 m), computer (3 of 4.5 m), construction.
    assert [part / whole for part, whole in widths] == pytest.approx([0.5, 2 / 3, 0.05], abs=0.01)
    assert widths[1][1] / widths[0][1] == pytest.approx(4.5 / 18, abs=0.01)
    assert len(root.findall(f".//{SVG}rect[@class='median']")) == 3 * len(YEARS)
    assert len(root.findall(f".//{SVG}path[@class='interval']")) == 3 * len(YEARS)
