"""The buffers page in a real browser: required against capital and insurance per firm of the
seeded stress run, shortfalls highlighted, and the run verified against. The seeded installation
(``conftest.site``) runs the demo's buffers: one firm sufficient, one short, one insured above its
capital. Expected figures come from the API and are written with ``custos.core.units``."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from custos.core import units
from tests.browser.conftest import Site, sign_in, visit


def _positions(page: Page, site: Site) -> Any:
    answer = page.request.get(
        f"{site.url}/v1/buffers/positions", headers={"Authorization": f"Bearer {site.tokens['supervisor']}"}
    )
    assert answer.ok, answer.status
    return answer.json()


def test_a_supervisor_sees_each_firm_held_against_required_with_shortfalls_first(
    page: Page, site: Site
) -> None:
    sign_in(page, site, "supervisor")
    visit(page, f"{site.url}/#/buffers", "buffers")
    found = _positions(page, site)
    expect(page.locator("h1")).to_have_text("Buffers")
    expect(page.get_by_text(f"latest run on the registry's deployments, {found['run_id']}")).to_have_count(1)
    expect(page.locator("#buffers-chart svg")).to_have_count(1)
    first = found["firms"][0]  # the largest shortfall comes first
    assert not first["sufficient"]
    row = page.get_by_role("table").locator("tbody tr").first.locator("td")
    expect(row.nth(0)).to_have_text(first["organisation"])
    expect(row.nth(2)).to_have_text(units.money(first["requirement"], first["currency"]))
    expect(row.nth(6)).to_have_text(f"short by {units.money(first['shortfall'], first['currency'])}")
    gapped = [f for f in found["firms"] if any(p["reason"] for p in f["policies"])]
    assert gapped, "the demo insures one firm above its capital"
    expect(page.get_by_text("above the capital held").first).to_be_visible()
    expect(page.locator("tbody .status-discharged").first).to_have_text("sufficient")
