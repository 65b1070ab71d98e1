"""The data pages as a supervisor reads them: the registry, a model, the obligations, the licences
and the ledger, with readable figures, totals, paging, and nothing printed that is not data."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, shoot, sign_in

FLOP = re.compile(r"^([\d.]+) × 10\^(\d+) FLOP$")


def _no_stray_words(page: Page) -> None:
    """No JavaScript null or undefined written out as if it were data."""
    text = page.locator("#main").inner_text()
    assert not re.search(r"\b(null|undefined|NaN)\b", text), text


def _flop(text: str) -> float:
    match = FLOP.match(text.strip())
    assert match, text
    return float(match[1]) * 10 ** int(match[2])


def test_a_model_page_prints_no_null_and_gives_figures_with_units(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/portal#/registry")
    page.locator("#results a").first.click()
    expect(page.get_by_role("heading", name="Passport history")).to_be_visible()
    _no_stray_words(page)
    sign_in(page, site, "supervisor")
    page.goto(f"{site.url}/#/registry")
    page.locator("#results a").first.click()
    expect(page.get_by_role("heading", name="Passport history")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("Training compute: ")
    _no_stray_words(page)
    text = page.locator("#main").inner_text()
    assert re.search(r"Training compute\s+[\d.]+ × 10\^\d+ FLOP", text)
    history = page.get_by_role("table", name="Versions of the passport")
    expect(history).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"))
    exposures = page.locator("table", has_text="Exposure").first
    expect(exposures).to_contain_text(re.compile(r"EUR [\d.,]+( m| bn)?"))
    shoot(page, "data-model")


def test_a_verified_filing_prints_no_null(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/portal#/registry")
    page.locator("#results a").first.click()
    page.get_by_role("link", name="verify").first.click()
    expect(page.locator("#proof-result")).to_contain_text("Verified in this browser", timeout=15_000)
    _no_stray_words(page)


def test_the_registry_opens_on_the_largest_models_with_totals(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/portal#/registry")
    summary = page.locator("#results-summary")
    expect(summary).to_have_text(re.compile(r"^[\d,]+ models, showing 1–50\.$"))
    expect(page.get_by_label("Order")).to_have_value("compute")
    cells = page.locator("#results tbody tr td:nth-child(4)").all_inner_texts()
    figures = [_flop(cell) for cell in cells if cell.strip() != "—"]
    assert figures and figures == sorted(figures, reverse=True)
    assert page.locator("#results").get_by_text("open_weights", exact=False).count() == 0
    expect(page.locator("#withheld-note")).to_have_count(0)  # nothing on these rows is withheld
    shoot(page, "data-registry")
    last = figures[-1]
    page.get_by_role("link", name="Next page →").click()
    expect(summary).to_contain_text("showing 51–")
    cells = page.locator("#results tbody tr td:nth-child(4)").all_inner_texts()
    assert all(_flop(cell) <= last for cell in cells if cell.strip() != "—")  # the sort goes on
    page.get_by_label("Accessibility").select_option(label="API access")
    page.get_by_role("button", name="Filter").click()
    expect(summary).to_have_text(re.compile(r"^[\d,]+ models of [\d,]+, showing 1–\d+\.$"))
    assert set(page.locator("#results tbody tr td:nth-child(5)").all_inner_texts()) == {"API access"}


def test_deployments_show_only_the_columns_the_viewer_may_read(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/portal#/registry?view=deployments")
    headers = page.locator("#results thead th")
    expect(headers.first).to_have_text("Name")
    assert "Exposure" not in headers.all_inner_texts()
    expect(page.locator("#withheld-note")).to_contain_text("economic exposure")
    sign_in(page, site, "supervisor")
    page.goto(f"{site.url}/#/registry?view=deployments")
    expect(page.locator("#results thead th", has_text="Exposure")).to_have_count(1)
    assert "Host" in headers.all_inner_texts()
    expect(page.locator("#results tbody tr").first).to_contain_text(re.compile(r"EUR [\d.,]+"))
    expect(page.locator("#withheld-note")).to_have_count(0)
    shoot(page, "data-deployments")


def test_obligations_page_through_by_name_with_the_due_date_explained(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    page.goto(f"{site.url}/#/obligations")
    summary = page.locator("#obligations-summary")
    expect(summary).to_have_text(re.compile(r"^[\d,]+ obligations match, showing 1–100\.$"))
    total = int(summary.inner_text().split()[0].replace(",", ""))
    assert total > 100
    # a model's duty links its subject by name (an organisation's, the first rows at times, does not)
    models = page.locator("#obligations tbody tr td:nth-child(2)").filter(
        has=page.locator("a[href^='#/models/']")
    )
    subject = models.first
    expect(subject.locator("a")).to_have_attribute("href", re.compile(r"^#/models/"))
    assert not re.fullmatch(r"[0-9A-Z]{26}", subject.locator("a").inner_text())  # a name, not an id
    page.get_by_role("link", name="Next page →").click()
    expect(summary).to_contain_text("showing 101–200")
    page.get_by_label("Jurisdiction").select_option("EU")
    page.get_by_role("button", name="Filter").click()
    expect(summary).to_contain_text("showing 1–")
    assert set(page.locator("#obligations tbody tr td:nth-child(4)").all_inner_texts()) == {"EU"}
    dated = page.locator("#obligations tbody tr").filter(
        has=page.locator("td:nth-child(6)", has_text=re.compile(r"\d{4}-\d\d-\d\d"))
    )
    dated.first.get_by_role("button", name="Explain").click()
    due = page.locator(".due-explanation").first
    expect(due).to_contain_text(re.compile(r"Due \d{4}-\d\d-\d\d \d\d:\d\d UTC: "))
    expect(due).to_contain_text("Counting")
    _no_stray_words(page)
    shoot(page, "data-obligations")


def test_licences_are_filtered_by_a_choice_of_status(page: Page, site: Site) -> None:
    sign_in(page, site, "supervisor")
    page.goto(f"{site.url}/#/licences")
    status = page.get_by_label("Status")
    assert status.evaluate("element => element.tagName") == "SELECT"
    options = status.locator("option").all_inner_texts()
    assert {"any", "Granted", "Revoked"} <= set(options)
    status.select_option(label="Granted")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=granted"))
    expect(page.locator("table tbody tr").first).to_contain_text("granted")
    page.locator("table a").first.click()
    expect(page.get_by_role("table", name="Stages and their gates")).to_be_visible()
    _no_stray_words(page)
