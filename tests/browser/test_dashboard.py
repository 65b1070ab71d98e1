"""The dashboard and the public portal in a real browser (Debian's Chromium, headless).

Every page is visited and photographed; the main flows are walked as a person would, with the
keyboard where it matters; what the public receives is checked byte for byte.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, Route, expect

from tests.browser.conftest import Site, shoot, sign_in, visit
from tests.browser.test_shell import NAVIGATION

PUBLIC_PAGES = ["overview", "registry", "ledger"]


def _nav(page: Page) -> list[str]:
    return page.locator("#nav a").all_inner_texts()


def test_the_public_portal_shows_public_fields_only(page: Page, site: Site) -> None:
    bodies: list[str] = []

    def keep(response: Response) -> None:
        if response.request.resource_type in ("fetch", "xhr", "document"):
            bodies.append(response.text())

    page.on("response", keep)
    page.goto(f"{site.url}/portal")
    expect(page.locator("#tile-models")).to_be_visible()
    assert _nav(page) == NAVIGATION["public"]
    assert page.locator("#sign-in").count() == 0
    shoot(page, "portal-overview")
    page.goto(f"{site.url}/portal#/registry?view=deployments")
    expect(page.locator("#results")).to_be_visible()
    shoot(page, "portal-registry-deployments")
    page.goto(f"{site.url}/portal#/registry")
    page.locator("#results a").first.click()
    expect(page.get_by_role("heading", name="Passport", exact=True)).to_be_visible()
    shoot(page, "portal-passport")
    page.goto(f"{site.url}/portal#/stress")
    expect(page.get_by_role("heading", name="This page is not open to you")).to_be_visible()
    text = "\n".join(bodies) + page.content()
    assert bodies and not [value for value in site.confidential if value in text]


def test_filter_the_registry_and_open_a_passport(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    shoot(page, "overview")
    page.get_by_role("link", name="Registry").click()
    page.get_by_label("Name contains").fill("GPT-4")
    page.get_by_label("Name contains").press("Enter")
    expect(page).to_have_url(re.compile(r"q=GPT-4"))
    links = page.locator("#results a")
    expect(links.first).to_contain_text("GPT-4")
    shoot(page, "registry")
    links.first.click()
    expect(page.locator("#completeness")).to_be_visible()
    expect(page.get_by_role("heading", name="Passport history")).to_be_visible()
    shoot(page, "passport")


def test_see_why_an_obligation_applies(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    visit(page, f"{site.url}/#/obligations", "obligations")
    button = page.get_by_role("button", name="Explain").first
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".explanation").first).to_contain_text("Condition")
    shoot(page, "obligations")


def test_a_page_whose_answer_comes_late_never_replaces_the_next_one(page: Page, site: Site) -> None:
    """The overview's figures are held back while the visitor goes on to the obligations; when
    they arrive, the obligations stay on screen (a slow server must not show the wrong page)."""
    sign_in(page, site, "supervisor")
    visit(page, f"{site.url}/#/ledger", "ledger")
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/v1/overview", hold)
    page.evaluate("location.hash = '#/overview'")
    page.wait_for_function("document.getElementById('main').getAttribute('aria-busy') === 'true'")
    page.evaluate("location.hash = '#/obligations'")
    expect(page.locator('#main[data-route="obligations"]:not([aria-busy])')).to_have_count(1)
    assert held, "the overview's request was never made"
    for route in held:
        route.continue_()
    page.wait_for_timeout(500)
    expect(page.locator("#main")).to_have_attribute("data-route", "obligations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Obligations")


def test_licences_and_their_rollout_stages(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    page.get_by_role("link", name="Licences").click()
    shoot(page, "licences")
    page.locator("table a").first.click()
    expect(page.get_by_role("table", name="Stages and their gates")).to_contain_text("14 days in stage")
    shoot(page, "licence")


def test_start_a_stress_test_and_see_its_charts(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    page.get_by_role("link", name="Stress tests").click()
    page.get_by_label("Start from an example").select_option(label="Credit LLM misprices risk")
    shoot(page, "stress-tests")
    page.get_by_role("button", name="Start the stress test").click()
    chart = page.locator("#chart-loss-distribution svg")
    expect(chart).to_be_visible(timeout=60_000)
    assert chart.evaluate("svg => svg.getBoundingClientRect().width > 100")
    expect(page.locator("#chart-network svg")).to_be_visible()
    expect(page.get_by_role("table", name="Institutions: capital, insurance and pool")).to_be_visible()
    shoot(page, "stress-run")


def test_verify_an_inclusion_proof_in_the_browser(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/portal#/registry")
    page.locator("#results a").first.click()
    page.get_by_role("link", name="verify").first.click()
    expect(page.locator("#checkpoint-verdict")).to_contain_text("Signature verified in this browser")
    expect(page.locator("#proof-result")).to_contain_text("Verified in this browser", timeout=15_000)
    shoot(page, "ledger")


def test_forms_reject_bad_input_next_to_the_field(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/")
    token = page.get_by_label("API token")
    token.fill("nope")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(f"#{token.get_attribute('id')}-error")).to_contain_text("starts with custos_")
    expect(token).to_have_attribute("aria-invalid", "true")
    token.fill("custos_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(f"#{token.get_attribute('id')}-error")).to_contain_text("unknown, expired or revoked")
    sign_in(page, site, "supervisor")
    page.goto(f"{site.url}/#/registry")
    country = page.get_by_label("Country (ISO code)")
    country.fill("X1")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(f"#{country.get_attribute('id')}-error")).to_contain_text("Two letters")
    page.goto(f"{site.url}/#/stress")
    scenario = page.get_by_label("Scenario (YAML)")
    scenario.fill("name: bad\nseed: 1\noutages: [{provider: nowhere-cloud}]\n")
    page.get_by_role("button", name="Start the stress test").click()
    error = page.locator(f"#{scenario.get_attribute('id')}-error")
    expect(error).to_contain_text("outages[0].provider")
    expect(error).to_contain_text("nowhere-cloud")
    page.goto(f"{site.url}/#/ledger")
    filing = page.get_by_label("Filing id")
    filing.fill("../etc")
    page.get_by_role("button", name="Check its inclusion proof").click()
    expect(page.locator(f"#{filing.get_attribute('id')}-error")).to_contain_text("letters and digits")


@pytest.mark.parametrize(
    ("role", "pages"),
    [(role, NAVIGATION[role]) for role in ("provider", "deployer", "auditor", "supervisor")],
)
def test_each_role_sees_the_pages_it_may_open(page: Page, site: Site, role: str, pages: list[str]) -> None:
    sign_in(page, site, role)
    assert _nav(page) == pages
    if "Stress tests" not in pages:
        page.goto(f"{site.url}/#/stress")
        expect(page.get_by_text("Your role cannot open this page")).to_be_visible()
    shoot(page, f"overview-{role}")


LABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((c) => c.type !== 'hidden' && !(c.labels && c.labels.length) && !c.getAttribute('aria-label'))
  .map((c) => c.name || c.outerHTML)"""

CONTRAST = """() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {  // translucent layers composited over what is beneath them
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      const alpha = c.length === 3 ? 1 : c[3];
      if (alpha > 0) layers.push([c, alpha]);
      if (alpha === 1) break;
    }
    let colour = [255, 255, 255];
    for (const [c, alpha] of layers.reverse()) colour = colour.map((v, k) => alpha * c[k] + (1 - alpha) * v);
    return colour;
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text || !el.getClientRects().length) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName} ${ratio.toFixed(2)}: ${el.textContent.slice(0, 30)}`);
  }
  return low;
}"""


@pytest.mark.parametrize("route", ["overview", "registry", "obligations", "licences", "stress", "ledger"])
def test_controls_are_labelled_and_text_has_enough_contrast(page: Page, site: Site, route: str) -> None:
    sign_in(page, site, "supervisor")
    page.goto(f"{site.url}/#/{route}")
    expect(page.locator("main h1")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert page.evaluate(LABELLED) == []
    assert page.evaluate(CONTRAST) == []
    assert page.evaluate("() => [...document.images].filter((i) => !i.alt).length") == 0


def test_the_keyboard_reaches_the_skip_link_the_pages_and_the_content(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/portal")
    expect(page.locator("#tile-models")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Overview"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#/registry"))
    expect(page.get_by_role("heading", name="Registry")).to_be_visible()
