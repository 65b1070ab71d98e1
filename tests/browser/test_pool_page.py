"""The liability pool's page in a real browser: the balance over time and the fund's totals for
everyone, a firm's own call, and the claims with their pro rata payout for supervisors.

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
        yield Site(url, tokens, [units.money(400_000, "EUR")])
    store.close()


def _open(page: Page, site: Site, role: str) -> None:
    if role == "public":
        visit(page, f"{site.url}/portal#/pool", "pool")
    else:
        sign_in(page, site, role)
        visit(page, f"{site.url}/#/pool", "pool")


def test_the_public_sees_the_balance_over_time_and_the_payouts_share(page: Page, site: Site) -> None:
    _open(page, site, "public")
    expect(page.locator("#pool-balance .figure")).to_have_text(units.money(250_000.01, "EUR"))
    expect(page.locator("#pool-interest .figure")).to_have_text(units.money(1_643.84, "EUR"))
    expect(page.locator("#pool-balance-chart svg")).to_have_count(1)
    payouts = page.get_by_role("table", name="Payouts (1)")
    expect(payouts).to_contain_text(units.percent(1_001_643.83 / 1_300_000))
    expect(payouts).to_contain_text(units.money(298_356.17, "EUR"))  # unpaid: 183,603.80 + 114,752.37
    expect(page.locator("main")).to_contain_text("No call to show")
    expect(page.locator("main")).not_to_contain_text(units.money(400_000, "EUR"))
    shoot(page, "pool-public")


def test_a_firm_sees_its_own_call_only(page: Page, site: Site) -> None:
    _open(page, site, "firm")
    calls = page.get_by_role("table", name="Calls (1)")
    expect(calls).to_contain_text("Firm A")
    expect(calls).to_contain_text(units.money(600_000, "EUR"))
    expect(calls).not_to_contain_text("Firm B")


def test_a_supervisor_sees_late_interest_and_each_claims_pro_rata_share(page: Page, site: Site) -> None:
    _open(page, site, "supervisor")
    calls = page.get_by_role("table", name="Calls (2)")
    late = calls.locator("tbody tr", has_text="Firm B")
    expect(late).to_contain_text(units.money(1_643.84, "EUR"))
    expect(late).to_contain_text("(late)")
    claims = page.get_by_role("table", name="Claims (2)")
    first = claims.locator("tbody tr", has_text="Claimant X")
    expect(first).to_contain_text(units.money(800_000, "EUR"))
    expect(first).to_contain_text(units.money(616_396.20, "EUR"))
    expect(first).to_contain_text(units.money(183_603.80, "EUR"))
    subrogations = page.get_by_role("table", name="The fund's claims against responsible firms (1)")
    expect(subrogations).to_contain_text(units.money(250_000, "EUR"))
    shoot(page, "pool-supervisor")


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    phone: Page, site: Site, role: str
) -> None:
    _open(phone, site, role)
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
