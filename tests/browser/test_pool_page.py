"""The liability pool's page in a real browser: the fund's totals for everyone, the balance over
time for supervisors only, a firm's own call, and the claims with their pro rata payout for
supervisors. Sums paid or owed read exact to the cent.

The installation files the worked example of docs/pool.md (``tests.store.test_pool``): calls of
EUR 600,000 (Firm A) and 400,000 (Firm B, paid 30 days late with EUR 1,643.84 of interest),
claims admitted at 800,000 (Claimant X) and 500,000 paid 77% of what they were owed, and 250,000
recovered from Firm A: the fund holds EUR 250,000.01. Figures are written with
``custos.core.units``, whose rules the page's formatting follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from custos.access.model import Role
from custos.access.service import operator
from custos.core import units
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.installation import create_installation
from tests.browser.conftest import Site, app_server, issue_tokens, shoot, sign_in, visit
from tests.browser.test_shell import WIDER_THAN_THE_PAGE
from tests.store.test_pool import worked_example


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("pool-home")
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    store = create_installation(
        Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"),
        origin="pool.test/log",
        authority="European AI Office",
        jurisdiction_code="EU",
        clock=clock,
    )
    ids = worked_example(store, clock)
    tokens = issue_tokens(
        store,
        {
            "supervisor": ("Supervisor", Role.SUPERVISOR, operator(store).organisation_id or ""),
            "firm": ("Firm A treasurer", Role.DEPLOYER, ids["Firm A"]),
        },
    )
    store.publish_checkpoint()
    with app_server(store) as url:
        yield Site(url, tokens, [units.cents(400_000, "EUR"), units.cents(401_643.84, "EUR")])
    store.close()


def _open(page: Page, site: Site, role: str) -> None:
    if role == "public":
        visit(page, f"{site.url}/portal#/pool", "pool")
    else:
        sign_in(page, site, role)
        visit(page, f"{site.url}/#/pool", "pool")


def test_the_public_sees_the_totals_and_the_payouts_share_but_no_balance_over_time(
    page: Page, site: Site
) -> None:
    _open(page, site, "public")
    expect(page.locator("#pool-balance .figure")).to_have_text("EUR 250,000.01")
    expect(page.locator("#pool-interest .figure")).to_have_text("EUR 1,643.84")
    # A figure of the whole fund from a million up reads in its scale, the exact sum beneath.
    expect(page.locator("#pool-paid .figure")).to_have_text("EUR 1 m")
    expect(page.locator("#pool-paid .figure span")).to_have_attribute("title", "EUR 1,000,000.00")
    # The step on 2027-04-30 would be Firm B's payment: the series is the supervisors'.
    expect(page.locator("#pool-balance-chart")).to_have_count(0)
    expect(page.locator("#pool-series-withheld")).to_contain_text("supervisors only")
    expect(page.locator("main")).not_to_contain_text("2027-04-30")
    payouts = page.get_by_role("table", name="Payouts (1)")
    expect(payouts).to_contain_text(units.percent(1_001_643.83 / 1_300_000))
    expect(payouts).to_contain_text("EUR 298,356.17")  # unpaid: 183,603.80 + 114,752.37
    expect(page.locator("main")).to_contain_text("No call to show")
    for secret in site.confidential:
        expect(page.locator("main")).not_to_contain_text(secret)
    shoot(page, "pool-public")


def test_a_firm_sees_its_own_call_only(page: Page, site: Site) -> None:
    _open(page, site, "firm")
    calls = page.get_by_role("table", name="Calls (1)")
    expect(calls).to_contain_text("Firm A")
    expect(calls).to_contain_text("EUR 600,000.00")
    expect(page.locator("#pool-balance-chart")).to_have_count(0)
    expect(calls).not_to_contain_text("Firm B")


def test_a_supervisor_sees_late_interest_and_each_claims_pro_rata_share(page: Page, site: Site) -> None:
    _open(page, site, "supervisor")
    calls = page.get_by_role("table", name="Calls (2)")
    late = calls.locator("tbody tr", has_text="Firm B")
    expect(late).to_contain_text("EUR 1,643.84")
    expect(late).to_contain_text("(late)")
    expect(page.locator("#pool-balance-chart svg")).to_have_count(1)
    claims = page.get_by_role("table", name="Claims (2)")
    first = claims.locator("tbody tr", has_text="Claimant X")
    expect(first).to_contain_text("EUR 800,000.00")
    expect(first).to_contain_text("EUR 616,396.20")
    expect(first).to_contain_text("EUR 183,603.80")
    subrogations = page.get_by_role("table", name="The fund's claims against responsible firms (1)")
    expect(subrogations).to_contain_text("EUR 250,000.00")
    shoot(page, "pool-supervisor")


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    phone: Page, site: Site, role: str
) -> None:
    _open(phone, site, role)
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
