"""The labour page in a real browser: exposure bars by occupation group under a chosen measure,
the paper's headline checked, a filed run's displacement fan chart, and the form that starts a
run, offered only to the roles that may.

The run is filed through the API on the shared installation (``conftest.site``). Expected figures
are computed here from the shipped data with ``custos.labor`` (not from the page or the API's
views) and compared with what the page writes, read back as numbers: the page scales workers as
the money is scaled ("152 million workers"), to three significant digits.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from custos.core import units
from custos.labor import DEFAULT_MEASURE, Measure, by_major_group, headline, load_crosswalk
from tests.browser.conftest import Site, received, shoot, shown, sign_in, visit
from tests.browser.test_shell import WIDER_THAN_THE_PAGE

WORKERS = re.compile(r"^([\d,]+(?:\.\d+)?) (million |billion )?workers?$")
SCALES = {"": 1.0, "million ": 1e6, "billion ": 1e9}
SEEDED = {"scenario": "gradual", "programmes": "us-baseline", "draws": 2_000, "seed": 7}


def _workers(text: str) -> float:
    """A figure of workers as the page writes it, read back as a number."""
    found = WORKERS.match(text.strip())
    assert found, text
    return float(found.group(1).replace(",", "")) * SCALES[found.group(2) or ""]


def _close(shown: float, truth: float) -> bool:
    """Whether ``shown`` is ``truth`` written to three significant digits (or to the worker)."""
    return abs(shown - truth) <= max(0.5, 0.005 * abs(truth))


def _api(site: Site, method: str, path: str, role: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {site.tokens[role]}"} if role != "public" else {}
    answer = httpx.request(method, f"{site.url}{path}", headers=headers, timeout=60, **kwargs)
    assert answer.is_success, (answer.status_code, answer.text)
    return answer.json()


@pytest.fixture(scope="module")
def seeded(site: Site) -> dict[str, Any]:
    """A labour run filed by a supervisor before any page is opened."""
    run: dict[str, Any] = _api(site, "POST", "/v1/labour/runs", "supervisor", json=SEEDED)
    return run


def _open(page: Page, site: Site, role: str, query: str = "") -> None:
    if role == "public":
        visit(page, f"{site.url}/portal#/labour{query}", "labour")
    else:
        sign_in(page, site, role)
        visit(page, f"{site.url}/#/labour{query}", "labour")


@pytest.mark.parametrize("role", ["public", "provider"])
def test_the_page_draws_exposure_bars_and_a_runs_fan_chart_with_no_run_form(
    page: Page, site: Site, seeded: dict[str, Any], role: str
) -> None:
    responses = received(page)
    _open(page, site, role, f"?run={seeded['run_id']}")
    shoot(page, f"labour-{role}")
    table = load_crosswalk().table
    groups = by_major_group(table, DEFAULT_MEASURE)

    # Exposure: one grey and one blue bar per occupation group, the most exposed group first.
    bars = page.locator("#labour-exposure-chart g.mark-rect")
    expect(bars).to_have_count(2)
    for layer in range(2):
        expect(bars.nth(layer).locator("path")).to_have_count(len(groups.codes))
    assert _close(_workers(page.locator("#labour-workers .figure").inner_text()), float(groups.workers.sum()))
    exposed = page.locator("#labour-exposed .figure").inner_text().splitlines()[0]
    assert _close(_workers(exposed), float(groups.exposed_workers.sum()))
    most = groups.titles[int(groups.exposed_workers.argmax())]
    bars.nth(1).locator("path").first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    expect(tooltip).to_contain_text(most)
    expect(tooltip).to_contain_text(re.compile(r"million workers"))

    # The paper's headline: the data's shares for the paper's measure, agreeing within tolerance.
    found = headline(table, DEFAULT_MEASURE)
    tenth = page.locator("#labour-headline-tenth .figure")
    expect(tenth).to_contain_text(units.percent(found.at_least_tenth))
    expect(page.locator("#labour-headline-half .figure")).to_contain_text(units.percent(found.over_half))
    agreement = "agrees" if found.agrees() else "differs"
    expect(page.locator("#labour-headline-agrees .badge")).to_have_text(agreement)
    # Another measure has no published figure: no difference from the paper, no agreement.
    measures = page.get_by_role("table", name=re.compile(r"every measure")).locator("tbody tr")
    other = measures.filter(has_not_text="the paper's").first
    expect(other.locator("td").nth(2)).to_have_text("—")
    expect(other.locator("td").last).to_have_text("—")

    # The seeded run: its fan (one band, one median line, a point a year) and its figures.
    run = page.locator("#labour-run")
    expect(run).to_have_attribute("data-run", seeded["run_id"])
    years = seeded["results"]["years"]
    fan = page.locator("#labour-fan-chart")
    expect(fan.locator("g.mark-area path")).to_have_count(1)
    expect(fan.locator("g.mark-line path")).to_have_count(1)
    expect(fan.locator("g.mark-symbol path")).to_have_count(len(years))
    cumulative = seeded["results"]["cumulative_displaced_workers"]
    assert cumulative["p5"][-1] <= cumulative["p50"][-1] <= cumulative["p95"][-1]
    displaced = page.locator("#labour-run-displaced .figure").inner_text()
    assert _close(_workers(displaced), seeded["results"]["horizon_displaced_workers_p50"])
    expect(page.locator("#labour-run-cost .figure")).to_have_text(
        units.money(seeded["results"]["horizon_total_cost_usd_p50"], "USD")
    )
    costs = page.locator("#labour-costs-chart g.mark-rect path")
    expect(costs).to_have_count(len(years) * len(seeded["results"]["programme_cost_usd"]))
    quintiles = page.get_by_role("table", name="By wage quintile of workers").locator("tbody tr")
    expect(quintiles).to_have_count(5)
    expect(page.locator("#labour-report a[download]")).to_have_text("Download the report (HTML)")

    assert not re.search(r"\b(null|undefined|NaN|Infinity)\b", page.locator("main").inner_text())

    # No form for a role that may not start a run, and the page never asks for what it needs.
    expect(page.locator("#labour-start")).to_have_count(0)
    offered = ("/v1/labour/scenarios", "/v1/labour/programmes")
    assert not [r.url for r in responses if r.url.endswith(offered)]
    assert [f"{r.status} {r.url}" for r in responses if r.status >= 400] == []


def test_an_unknown_run_is_named_and_another_measure_can_be_chosen(page: Page, site: Site) -> None:
    _open(page, site, "public", "?run=no-such-run")
    unknown = "There is no labour run no-such-run: choose one from the list."
    expect(page.locator("main .notice.bad")).to_have_text(unknown)
    expect(page.locator("#labour-exposure-chart svg")).to_have_count(1)
    selector = page.locator("#labour-measure").get_by_label("Measure", exact=True)
    selector.select_option(Measure.MODEL_GAMMA.value)
    expect(page).to_have_url(re.compile(r"measure=model_gamma"))
    shown(page, "labour")
    groups = by_major_group(load_crosswalk().table, Measure.MODEL_GAMMA)
    exposed = page.locator("#labour-exposed .figure").inner_text().splitlines()[0]
    assert _close(_workers(exposed), float(groups.exposed_workers.sum()))
    expect(page.locator("#labour-exposure-caption")).to_contain_text("GPT-4 ratings, γ")


def test_a_supervisor_starts_a_run_and_sees_it_appear(page: Page, site: Site, seeded: dict[str, Any]) -> None:
    _open(page, site, "supervisor")
    form = page.locator("#labour-start")
    expect(form).to_be_visible()
    responses = received(page)

    # Bad input is refused next to its field, before anything is sent.
    form.get_by_label("Draws").fill("0")
    form.get_by_role("button", name="Start the run").click()
    refusal = page.locator("#labour-start [data-invalid] .error-text")
    expect(refusal).to_have_text(re.compile("from 1 to 100,000"))
    assert [r.url for r in responses if r.request.method == "POST"] == []

    before = len(_api(site, "GET", "/v1/labour/runs", "supervisor"))
    form.get_by_label("Scenario").select_option("rapid")
    form.get_by_label("Draws").fill("500")
    form.get_by_label("Seed").fill("11")
    form.get_by_label("Drive adoption by the registry's deployments").uncheck()
    form.get_by_role("button", name="Start the run").click()
    expect(page).to_have_url(re.compile(r"#/labour\?run="))
    shown(page, "labour")

    runs = _api(site, "GET", "/v1/labour/runs", "supervisor")
    assert len(runs) == before + 1
    newest = runs[0]
    chosen = (newest["scenario"], newest["draws"], newest["seed"], newest["registry"])
    assert chosen == ("rapid", 500, 11, False)
    expect(page.locator("#labour-run")).to_have_attribute("data-run", newest["run_id"])
    expect(page.locator("#labour-run-heading")).to_have_text("Run: rapid with us-baseline")
    listed = page.get_by_role("table", name=re.compile(r"^Labour runs, newest first")).locator("tbody tr")
    expect(listed).to_have_count(before + 1)
    expect(listed.first.locator('a[aria-current="true"]')).to_have_text("rapid with us-baseline")
    expect(page.locator("#labour-fan-chart g.mark-line path")).to_have_count(1)
    shoot(page, "labour-supervisor-run")


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    phone: Page, site: Site, seeded: dict[str, Any], role: str
) -> None:
    _open(phone, site, role, f"?run={seeded['run_id']}")
    shoot(phone, f"{role}-labour-phone")
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
