"""Accessibility in a real browser: axe-core on every page for every role, and the main flows
walked with the keyboard alone, the focus visible at every step.

axe-core finds what can be found mechanically (contrast, names, landmarks, headings, ARIA);
the keyboard walk checks what it cannot: that a person without a mouse can sign in, move
between pages, open a passport and see why an obligation applies.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROLES, Site, shoot, tour

AXE = Axe()
BLOCKING = {"serious", "critical"}


def _violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    found: list[dict[str, Any]] = AXE.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes'][:5]]}"
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_a_serious_accessibility_violation(page: Page, site: Site, role: str) -> None:
    problems: dict[str, list[str]] = {}
    visited = []
    for name in tour(page, site, role):
        visited.append(name)
        shoot(page, f"{role}-{name}")
        if found := _violations(page):
            problems[name] = found
    assert {"overview", "registry", "models", "ledger"} <= set(visited)
    assert problems == {}


def test_the_sign_in_form_has_no_serious_accessibility_violation(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/")
    expect(page.locator("#sign-in")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()  # empty: the error shows next to the field
    expect(page.locator(".error-text").first).to_contain_text("starts with custos_")
    shoot(page, "public-sign-in")
    assert _violations(page) == []


FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    tag: e.tagName, text: (e.textContent || '').trim(), id: e.id, href: e.getAttribute('href') || '',
    label: e.labels && e.labels.length ? e.labels[0].textContent : '',
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    visible: e.getClientRects().length > 0,
  };
}"""


def _tab_to(page: Page, wanted: str, key: str = "Tab", limit: int = 150) -> dict[str, Any]:
    """Press ``key`` until the focused element's text, label, id or link matches ``wanted``.

    Every element the focus lands on on the way must show a focus indicator.
    """
    pattern = re.compile(wanted)
    for _ in range(limit):
        page.keyboard.press(key)
        focused: dict[str, Any] = page.evaluate(FOCUSED)
        if focused["tag"] in ("BODY", "MAIN"):
            continue
        assert focused["visible"] and focused["outline"], f"no visible focus on {focused}"
        if any(pattern.search(focused[part]) for part in ("text", "label", "id", "href")):
            return focused
    raise AssertionError(f"the keyboard never reached {wanted!r}")


def test_the_main_flows_work_with_the_keyboard_alone(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/")
    expect(page.locator("#sign-in")).to_be_visible()

    _tab_to(page, r"^API token$")
    page.keyboard.type(site.tokens["supervisor"])
    page.keyboard.press("Enter")
    expect(page.locator("#who")).to_contain_text("supervisor")
    expect(page.locator("#main")).to_be_focused()  # reading starts at the page

    _tab_to(page, r"^#/registry$", key="Shift+Tab")  # back up into the navigation
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Registry", exact=True)).to_be_visible()
    expect(page).to_have_title("Registry — Custos")

    focused = _tab_to(page, r"^#/models/")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Passport", exact=True)).to_be_visible()
    expect(page).to_have_title(f"{focused['text']} — Custos")

    _tab_to(page, r"^#/obligations$", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Obligations", exact=True)).to_be_visible()
    _tab_to(page, r"^Explain$")
    page.keyboard.press("Enter")
    expect(page.locator("button[aria-expanded='true']")).to_have_count(1)
    expect(page.locator(".explanation").first).to_contain_text("Condition")
    shoot(page, "keyboard-explanation")


def test_the_skip_link_moves_the_focus_to_the_page_and_keeps_it(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/portal#/registry")
    expect(page.get_by_role("heading", name="Registry", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#/registry$"))
    expect(page.get_by_role("heading", name="Registry", exact=True)).to_be_visible()
    focused = _tab_to(page, r".")  # the next stop is inside the page, not the navigation again
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)"), focused
