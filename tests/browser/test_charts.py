"""The stress-test charts in a real browser: drawn by the vendored Vega under the page's strict
Content-Security-Policy, with tooltips that show formatted figures, a network that zooms and
filters by layer, and a page that says it is loading until the charts are there."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import Site, shoot, sign_in

CHARTS = ("loss-distribution", "exceedance", "network", "contributors")
MONEY = re.compile(r"EUR -?[\d,.]+( m| bn| tn)?")


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Errors the page logs: a CSP violation is reported here, not always thrown."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", keep)
    yield errors
    assert not errors, errors


def _open_a_run(page: Page, site: Site) -> str:
    sign_in(page, site, "supervisor")
    page.goto(f"{site.url}/#/stress")
    link = page.get_by_role("table", name="Stress-test runs, newest first").locator("a").last
    link.click()
    for name in CHARTS:
        expect(page.locator(f"#chart-{name}-view svg")).to_be_visible(timeout=60_000)
    expect(page.locator("#run-results")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#run-state")).not_to_contain_text("loading")
    return page.url.rsplit("/", 1)[-1]


def _network_names(page: Page, site: Site, run_id: str) -> dict[str, set[str]]:
    """The network chart's node names by layer, from the specification the API serves."""
    spec = page.request.get(
        f"{site.url}/v1/risk/runs/{run_id}/charts/network",
        headers={"Authorization": f"Bearer {site.tokens['supervisor']}"},
    ).json()
    names: dict[str, set[str]] = {}
    for layer in spec["layer"]:
        for row in layer["data"]["values"]:
            if "name" in row:
                names.setdefault(row["layer"], set()).add(row["name"])
    return names


def _labels(page: Page) -> set[str]:
    return set(page.locator("#chart-network-view g.mark-text.role-mark text").all_text_contents())


def _labelled(names: set[str], labels: set[str]) -> set[str]:
    """The names the labels show: whole, or cut short with an ellipsis where they are long."""
    cut = [label.removesuffix("…") for label in labels if label.endswith("…")]
    return {name for name in names if name in labels or any(name.startswith(start) for start in cut)}


def test_the_charts_are_drawn_and_answer_the_pointer(
    page: Page, site: Site, console_errors: list[str]
) -> None:
    _open_a_run(page, site)
    tooltip = page.locator("#vg-tooltip-element")
    # The tallest bar of the histogram: its tooltip gives the loss range in money and its draws.
    bars = page.locator("#chart-loss-distribution-view g.mark-rect path")
    heights = bars.evaluate_all("bars => bars.map((bar) => bar.getBoundingClientRect().height)")
    bars.nth(heights.index(max(heights))).hover()
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Share of draws")
    assert MONEY.search(tooltip.inner_text()), tooltip.inner_text()
    # A node of the network: name, layer, its share as a percentage and its loss as money.
    page.locator("#chart-network-view g.mark-symbol path").first.hover()
    expect(tooltip).to_contain_text("Share of expected shortfall")
    text = tooltip.inner_text()
    assert re.search(r"\d%", text) and MONEY.search(text), text
    shoot(page, "stress-run-charts")


def test_the_network_filters_by_layer_and_zooms(page: Page, site: Site, console_errors: list[str]) -> None:
    run_id = _open_a_run(page, site)
    names = _network_names(page, site, run_id)
    assert names["Model"] and names["Compute provider"] and names["Institution"]
    assert _labelled(names["Compute provider"], _labels(page)) == names["Compute provider"]
    page.locator("#chart-network-view g.role-legend-label text", has_text="Model").click()
    page.wait_for_function(
        "names => ![...document.querySelectorAll('#chart-network-view g.mark-text.role-mark text')]"
        ".some((t) => names.includes(t.textContent))",
        arg=sorted(names["Compute provider"] - names["Model"]),
    )
    shown = _labels(page)
    assert shown and len(_labelled(names["Model"], shown)) == len(shown), shown
    node = page.locator("#chart-network-view g.mark-symbol path").first
    before = node.get_attribute("transform")
    box = page.locator("#chart-network-view svg").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    expect(node).not_to_have_attribute("transform", before or "")
