"""The markets page in a real browser: concentration over time with the guidelines' levels, the
single points of failure and the dominator tree (supervisors), the linchpins on file (everyone),
and a merger review's change in concentration with its bands.

The seeded installation (``conftest.site``) holds the synthetic world's deployments, a filed
dependency assessment and a review of Microsoft acquiring Oracle. Expected figures are worked
out here from the concentration the API serves (shares, not the page's or the review's own
indices) and written with ``custos.core.units``, whose rules the page's formatting follows.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from custos.core import units
from custos.demo.markets import ACQUIRER, TARGET
from custos.markets.concentration import EU_CITATION_21, LEVELS, US_CITATION
from custos.markets.layers import TITLES
from tests.browser.conftest import Site, received, shoot, sign_in, visit
from tests.browser.test_shell import WIDER_THAN_THE_PAGE

REGISTRY_MARKETS = list(TITLES.values())


def _get(page: Page, site: Site, path: str, role: str) -> Any:
    headers = {"Authorization": f"Bearer {site.tokens[role]}"} if role != "public" else {}
    answer = page.request.get(f"{site.url}{path}", headers=headers)
    assert answer.ok, answer.status
    return answer.json()


def _hhi(shares: list[dict[str, Any]]) -> float:
    """The textbook HHI from the firms' shares, aggregates of many small firms counted as nothing."""
    return math.fsum((100 * row["share"]) ** 2 for row in shares if not row.get("aggregate"))


def _open(page: Page, site: Site, role: str, query: str = "") -> None:
    """The markets page as ``role``: the public on the portal, others signed in."""
    if role == "public":
        visit(page, f"{site.url}/portal#/markets{query}", "markets")
    else:
        sign_in(page, site, role)
        visit(page, f"{site.url}/#/markets{query}", "markets")


def test_the_public_sees_the_compute_market_and_is_told_which_markets_are_withheld(
    page: Page, site: Site
) -> None:
    responses = received(page)
    _open(page, site, "public")
    compute = _get(page, site, "/v1/markets/concentration?layer=compute", "public")
    (market,) = compute["markets"]
    latest = market["points"][-1]

    sections = page.locator("section.market")
    expect(sections).to_have_count(1)
    expect(sections.locator("h3")).to_have_text("AI compute by owner")
    expect(page.locator("#market-0-hhi .figure")).to_contain_text(units.count(_hhi(latest["shares"])))
    largest = latest["shares"][0]
    firms = page.get_by_role("table", name=re.compile("^AI compute by owner: the largest firms"))
    first = firms.locator("tbody tr").first.locator("td")
    expect(first.nth(0)).to_have_text(largest["name"])
    expect(first.nth(1)).to_have_text(units.percent(largest["share"]))
    expect(first.nth(2)).to_have_text(re.compile(r"^\d+\.\d million H100e$"))
    # The chart: the HHI line with its band, and the guidelines' levels.
    chart = page.locator("#market-chart-0 svg")
    expect(chart).to_have_count(1)
    for _, level, _ in LEVELS:
        expect(chart.get_by_text(level)).to_have_count(1)
    us = page.locator("section.market .bands .badge").first
    expect(us).to_have_text(f"US: {latest['indices']['us']['label']}")
    expect(us).to_have_attribute("title", re.compile(re.escape(US_CITATION)))

    withheld = page.locator("#markets-withheld")
    for title in REGISTRY_MARKETS:
        expect(withheld).to_contain_text(title)
    # Single points of failure are for supervisors: not drawn, not even asked for.
    expect(page.get_by_role("table", name=re.compile("^Providers by"))).to_have_count(0)
    expect(page.locator("#dominator-tree")).to_have_count(0)
    assert not [r.url for r in responses if "/v1/markets/dependencies" in r.url]
    assert [r.status for r in responses if r.status >= 400] == []
    # The linchpins on file are public.
    filed = _get(page, site, "/v1/markets/assessments/latest", "public")
    assert filed["linchpin_names"], "the seeded assessment finds a linchpin"
    expect(page.locator("#linchpin-list li")).to_have_text(filed["linchpin_names"])
    assert "providers" not in filed or filed["providers"] == []
    expect(page.get_by_role("table", name=re.compile("^Merger reviews"))).to_have_count(0)
    expect(page.locator("main")).to_contain_text(
        "Merger reviews are shown to supervisors and to the merging parties."
    )


def test_a_supervisor_sees_each_layers_charts_and_the_providers_table(page: Page, site: Site) -> None:
    _open(page, site, "supervisor", "?layer=deployments")
    sections = page.locator("section.market")
    expect(sections.locator("h3")).to_have_text(
        ["Deployments by hosting provider", "Hosts named by deployments, primary or fallback"]
    )
    expect(page.locator("#main .chart svg")).to_have_count(2)
    expect(page.locator("#markets-withheld")).to_have_count(0)
    hosts = _get(page, site, "/v1/markets/concentration?layer=deployments", "supervisor")["markets"][0]
    latest = hosts["points"][-1]
    expect(page.locator("#market-0-hhi .figure")).to_have_text(units.count(_hhi(latest["shares"])))
    expect(page.locator("#market-0-cr1 .figure")).to_have_text(units.percent(latest["shares"][0]["share"]))
    top = page.get_by_role("table", name=re.compile("^Deployments by hosting provider: the largest"))
    expect(top.locator("tbody tr").first.locator("td").nth(2)).to_have_text(
        f"{units.count(latest['shares'][0]['size'])} deployments"
    )

    found = _get(page, site, "/v1/markets/dependencies", "supervisor")
    providers = page.get_by_role(
        "table", name=f"Providers by the exposure their failure alone cuts off ({len(found['providers'])})"
    )
    rows = providers.locator("tbody tr")
    expect(rows).to_have_count(len(found["providers"]))
    first, cells = found["providers"][0], rows.first.locator("td")
    expect(cells.nth(0)).to_have_text(first["name"])
    expect(cells.nth(1)).to_have_text(
        f"{units.count(first['deployments'])} deployments{units.percent(first['deployment_share'])}"
    )
    expect(cells.nth(3)).to_have_text(
        f"{units.money(first['exposure_eur'], 'EUR')}{units.percent(first['exposure_share'])}"
    )
    flags = providers.locator(".badge", has_text="linchpin")
    expect(flags).to_have_count(len(found["linchpins"]))
    threshold = f"Above {units.percent(found['threshold'])} of the exposure"
    expect(flags.first).to_have_attribute(
        "title", f"{threshold}, the threshold of {found['threshold_source']}"
    )
    # The dominator tree: providers under the root, deployments collapsed until opened.
    tree = page.locator("#dominator-tree")
    expect(tree.locator('li[data-node="provider"]')).to_have_count(
        sum(1 for node in found["dominators"] if node["layer"] == "provider")
    )
    hidden = tree.locator("details:not([open]) li").first
    expect(hidden).to_be_hidden()
    tree.locator("details summary").first.click()
    expect(tree.locator("details[open] li").first).to_be_visible()
    shoot(page, "supervisor-markets-deployments")


def test_a_supervisor_switches_layer_and_narrows_to_a_sector(page: Page, site: Site) -> None:
    _open(page, site, "supervisor")
    expect(page.locator("section.market h3")).to_have_text(
        ["AI compute by owner", "Economic exposure by declared host"]
    )
    page.get_by_role("navigation", name="Layers").get_by_role("link", name="Models").click()
    expect(page.locator('#main[data-route="markets"] section.market h3').first).to_have_text(
        "Training compute of large-scale models released in the year, by developer"
    )
    page.get_by_label("Sector", exact=True).select_option("finance")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("section.market .market-terms").nth(1)).to_contain_text("sector Finance")
    page.get_by_label("Jurisdiction", exact=True).fill("E-U")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".field[data-invalid]")).to_contain_text("Letters only")


def test_a_merger_review_shows_its_change_in_concentration_with_the_guidelines_bands(
    page: Page, site: Site
) -> None:
    _open(page, site, "supervisor")
    page.get_by_role("link", name=f"{ACQUIRER} acquires {TARGET}").click()
    expect(page.locator('#main[data-route="merger"] h1')).to_have_text(
        f"Merger review: {ACQUIRER} acquires {TARGET}"
    )

    market = _get(page, site, "/v1/markets/concentration?layer=compute", "supervisor")["markets"][0]
    shares = {row["name"]: row["share"] for row in market["points"][-1]["shares"]}
    delta = 10_000 * 2 * shares[ACQUIRER] * shares[TARGET]
    changes = page.get_by_role("table", name=re.compile("^Change in concentration per market"))
    row = changes.locator("tbody tr", has_text="AI compute by owner").locator("td")
    expect(row.nth(5)).to_have_text(f"+{units.count(delta)}")
    expect(row.nth(6)).to_have_text(units.percent(shares[ACQUIRER] + shares[TARGET]))
    expect(row.nth(4)).to_have_text(units.count(_hhi(market["points"][-1]["shares"]) + delta))
    expect(row.nth(7).locator(".badge")).to_have_attribute("title", re.compile(re.escape(US_CITATION)))
    expect(row.nth(8).locator(".badge")).to_have_text("EU: Above the initial indicators")
    expect(row.nth(8).locator(".badge")).to_have_attribute("title", re.compile(re.escape(EU_CITATION_21)))

    stress = page.locator("#stress-change")
    expect(stress).to_contain_text(re.compile(r"EUR \d+(\.\d+)? (bn|m)"))
    expect(page.locator("#linchpin-change")).to_contain_text("Before")
    remedies = page.get_by_role("table", name="Remedies imposed (1)")
    expect(remedies.locator("tbody td").first).to_have_text("Fallback")
    shoot(page, "supervisor-merger-review")


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    phone: Page, site: Site, role: str
) -> None:
    _open(phone, site, role)
    shoot(phone, f"{role}-markets-phone")
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
