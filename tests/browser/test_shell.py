"""The shell around the pages, in a real browser: what each visitor is offered, the tab's title,
the icon, readable figures on the overview, and a layout that fits a phone.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import PHONE, ROLES, Site, shoot, shown, sign_in, tour, visit

# What each role's navigation offers, in order: the pages its permissions open, and no other.
NAVIGATION = {
    "public": [
        "Overview",
        "Registry",
        "Findings",
        "Incidents",
        "Auditors",
        "Escrow",
        "Provenance",
        "Markets",
        "Pool",
        "Monitoring",
        "Labour",
        "Ledger",
    ],
    "provider": [
        "Overview",
        "Registry",
        "Obligations",
        "Licences",
        "Findings",
        "Incidents",
        "Auditors",
        "Escrow",
        "Provenance",
        "Markets",
        "Buffers",
        "Pool",
        "Monitoring",
        "Labour",
        "Ledger",
    ],
    "deployer": [
        "Overview",
        "Registry",
        "Obligations",
        "Licences",
        "Findings",
        "Incidents",
        "Auditors",
        "Escrow",
        "Provenance",
        "Markets",
        "Buffers",
        "Pool",
        "Monitoring",
        "Labour",
        "Ledger",
    ],
    "auditor": [
        "Overview",
        "Registry",
        "Obligations",
        "Licences",
        "Findings",
        "Incidents",
        "Auditors",
        "Escrow",
        "Provenance",
        "Markets",
        "Buffers",
        "Pool",
        "Monitoring",
        "Labour",
        "Ledger",
    ],
    "supervisor": [
        "Overview",
        "Registry",
        "Obligations",
        "Licences",
        "Stress tests",
        "Findings",
        "Incidents",
        "Auditors",
        "Escrow",
        "Provenance",
        "Markets",
        "Buffers",
        "Pool",
        "Monitoring",
        "Labour",
        "Federation",
        "Ledger",
    ],
}
ROUTES = {
    "Obligations": "obligations",
    "Licences": "licences",
    "Stress tests": "stress",
    "Federation": "federation",
}

WIDER_THAN_THE_PAGE = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
    && !e.closest('.table-scroll'))
  .slice(0, 5).map((e) => `${e.tagName}#${e.id}.${e.className} ${e.getBoundingClientRect().right}`)"""

OVERFLOWING_FIGURES = """() => [...document.querySelectorAll('.tile')]
  .filter((t) => t.scrollWidth > t.clientWidth || [...t.children].some((c) => c.scrollWidth > c.clientWidth))
  .map((t) => t.textContent)"""


def _missing_requests(page: Page) -> list[str]:
    """Every answer of 400 or more the page receives from now on, kept in a list."""
    failed: list[str] = []

    def keep(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    page.on("response", keep)
    return failed


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_offered_exactly_the_pages_it_may_open(page: Page, site: Site, role: str) -> None:
    failed = _missing_requests(page)
    for name in tour(page, site, role):
        assert page.locator("#nav a").all_inner_texts() == NAVIGATION[role], name
        for title, route in ROUTES.items():
            if title not in NAVIGATION[role]:  # not linked from anywhere, not only the navigation
                assert page.locator(f'a[href="#/{route}"], a[href^="#/{route}?"]').count() == 0, (name, route)
    assert failed == []


def test_a_page_a_visitor_cannot_open_says_why_politely(page: Page, site: Site) -> None:
    visit(page, f"{site.url}/portal#/stress", "stress")
    expect(page.locator("header")).to_contain_text("no sign-in")
    expect(page.locator("main h1")).to_have_text("This page is not open to you")
    expect(page.locator("main")).to_contain_text("the public portal does not offer it")
    expect(page.locator("main").get_by_role("link", name="Sign in on the dashboard")).to_have_attribute(
        "href", "/#/stress"
    )
    expect(page.locator("main").get_by_role("link", name="Registry")).to_be_visible()
    assert "Sign in to see this page" not in page.content()
    expect(page).to_have_title("Stress tests — Custos public portal")

    visit(page, f"{site.url}/#/obligations", "obligations")
    expect(page.locator("main")).to_contain_text("needs a signed-in role: sign in above")
    sign_in(page, site, "provider")
    visit(page, f"{site.url}/#/stress", "stress")
    expect(page.locator("main")).to_contain_text("not for the provider role")
    expect(page.locator("main .error-text, main [role=alert]")).to_have_count(0)


def test_the_tab_is_named_after_the_page_shown(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    shown(page, "overview")
    expect(page).to_have_title("Overview — Custos")
    for title in NAVIGATION["supervisor"]:
        link = page.locator("#nav").get_by_role("link", name=title)
        route = (link.get_attribute("href") or "").removeprefix("#/")
        link.click()
        # the navigation's name at once, then, once the page is shown, its own heading (a page
        # may name itself more fully: "Licences and rollouts")
        shown(page, route)
        heading = page.locator("#main h1").first.inner_text()
        expect(page).to_have_title(f"{heading} — Custos")
    visit(page, f"{site.url}/#/registry", "registry")
    model = page.locator("#results a").first
    name = model.inner_text()
    model.click()
    expect(page).to_have_title(f"{name} — Custos")
    visit(page, f"{site.url}/#/nowhere", "nowhere")
    expect(page).to_have_title("Page not found — Custos")


def test_the_icon_is_served_and_no_first_load_asks_for_a_missing_file(page: Page, site: Site) -> None:
    failed = _missing_requests(page)
    for path in ("/", "/portal", "/portal#/registry", "/#/ledger"):
        page.goto(f"{site.url}{path}")
        page.wait_for_load_state("networkidle")
        assert failed == [], path
    icon = page.locator("link[rel=icon]").get_attribute("href")
    for address in (icon, "/favicon.ico"):
        response = page.request.get(f"{site.url}{address}")
        assert response.ok and response.headers["content-type"] == "image/svg+xml", address
        assert response.body().startswith(b"<svg"), address


def test_the_overview_writes_figures_with_their_units(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    shown(page, "overview")
    amount = re.compile(r"^EUR -?\d{1,3}(\.\d+)? (m|bn|tn)$|^EUR [\d,]+(\.\d\d)?$")
    expect(page.locator("#tile-expected-loss .figure")).to_have_text(amount)
    labels = page.locator(".tile .label").all_inner_texts()
    assert any(re.fullmatch(r"Expected shortfall at \d+(\.\d)?%", label) for label in labels), labels
    expect(page.locator("main")).to_contain_text(re.compile(r"finished \d{4}-\d\d-\d\d \d\d:\d\d UTC"))
    expect(page.locator("#tile-models .figure")).to_have_text(re.compile(r"^\d{1,3}(,\d{3})*$"))
    expect(page.locator("#tile-licences-granted .figure")).to_have_text("1")
    assert page.evaluate(OVERFLOWING_FIGURES) == []
    visit(page, f"{site.url}/#/stress", "stress")
    draws = page.get_by_role("table", name="Stress-test runs, newest first").locator("td.number")
    expect(draws.first).to_have_text(re.compile(r"^\d{1,3}(,\d{3})*$"))
    expect(draws.first).to_have_css("text-align", "right")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(phone: Page, site: Site, role: str) -> None:
    wide: dict[str, object] = {}
    for name in tour(phone, site, role):
        shoot(phone, f"{role}-{name}-phone")
        width = phone.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = (width, phone.evaluate(WIDER_THAN_THE_PAGE))
        assert phone.evaluate(OVERFLOWING_FIGURES) == [], name
    assert wide == {}


def test_a_wide_table_scrolls_in_its_own_labelled_region(phone: Page, site: Site) -> None:
    visit(phone, f"{site.url}/portal#/registry", "registry")
    region = phone.locator(".table-scroll").filter(has=phone.locator("#results"))
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("tabindex", "0")
    expect(phone.get_by_role("region", name=re.compile(r"^Models"))).to_have_count(1)
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # the table is wider than a phone
    region.focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle())
