"""A seeded installation served on a free port, and Debian's Chromium driven by Playwright.

The installation is the demonstration on a smaller registry (Epoch AI's models of 10^24 FLOP
or more, so seeding takes seconds): the policy packs, the synthetic world with its deployments,
a stress test, and a token per role. Screenshots of every page are kept in
``tests/browser/artifacts/`` (not committed), at desktop and at phone width.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Response, ViewportSize, expect, sync_playwright

from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.api import create_app
from custos.core.settings import Settings
from custos.demo import seed
from custos.demo.buffers import seed_buffers
from custos.demo.markets import ACQUIRER, TARGET
from custos.demo.world import World
from custos.installation import create_installation
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.rollout import RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.licensing.service import LicensingService
from custos.markets.model import RemedyKind
from custos.markets.requests import MergerRequest, RemedyRequest
from custos.markets.service import MarketsService
from custos.passports.epoch import SHIPPED
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.importers import import_text
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import registry_views as rv
from tests import prerequisites
from tests.servers import free_port

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
ROLES = ["public", "supervisor", "provider", "deployer", "auditor"]
# Counts the page's requests in flight, so a test can wait until a page has loaded all it shows
# (after the first load, a page is a change of the address's hash, and Playwright's load states
# are long settled).
COUNT_FETCHES = """{
  window.pendingFetches = 0;
  const original = window.fetch;
  window.fetch = (...args) => {
    window.pendingFetches += 1;
    return original(...args).finally(() => { window.pendingFetches -= 1; });
  };
}"""
# Quiet for 300 ms: no request in flight, nothing in the page marked busy, every image loaded.
QUIET = """() => new Promise((done) => {
  const still = () => window.pendingFetches === 0 && !document.querySelector('#main [aria-busy]')
    && [...document.images].every((image) => image.complete);
  const until = Date.now() + 20000;
  let calm = 0;
  const tick = () => {
    calm = still() ? calm + 1 : 0;
    if (calm >= 3 || Date.now() > until) done(calm >= 3);
    else setTimeout(tick, 100);
  };
  tick();
})"""
# Pages reached from a link on another page rather than from the navigation:
# (the page holding the link, the link, the page it opens).
DETAILS = [
    ("registry", "#results a", "models"),
    ("licences", "main table a", "licence"),
    ("overview", 'a[href^="#/stress-run/"]', "stress-run"),
]


@dataclass
class Site:
    url: str
    tokens: dict[str, str]
    confidential: list[str]  # values only their owners and supervisors may see


def _frontier_rows() -> str:
    """Epoch's header and its models of 10^24 FLOP or more."""
    rows = list(csv.reader(io.StringIO(SHIPPED.read_text(encoding="utf-8"))))
    column = rows[0].index("Training compute (FLOP)")
    out = io.StringIO()
    csv.writer(out).writerows([rows[0], *(r for r in rows[1:] if r[column] and float(r[column]) >= 1e24)])
    return out.getvalue()


def _licence_with_rollout(store: Store, world: World) -> None:
    """A granted licence with a three-stage rollout, so the licences pages have something to show."""
    by = operator(store)
    deployment = world.deployments[0]
    with store.read() as conn:
        applicant = rv.organisations_named(conn, [deployment.deployer])[deployment.deployer]
    licensing = LicensingService(store)
    licence = licensing.apply(
        LicenceApplication.model_validate(
            {
                "applicant_id": applicant,
                "model_id": deployment.model_id,
                "scope": {"jurisdictions": ["EU"], "sectors": ["finance"]},
                "term_months": 12,
            }
        ),
        by=by,
    )
    licensing.decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
    stages = [
        {"name": "pilot", "percentage": 5, "gates": {"min_days": 14}},
        {"name": "wider", "percentage": 25, "gates": {"min_days": 30}},
        {"name": "all", "percentage": 100},
    ]
    RolloutService(store).plan(licence.id, RolloutPlanned.model_validate({"stages": stages}), by=by)


def _market_filings(store: Store) -> None:
    """A dependency assessment and a merger review of two hosts with a remedy, so the markets
    pages have linchpins on file and a review to open."""
    by, markets = operator(store), MarketsService(store)
    markets.assess(by=by)
    review = markets.review_merger(MergerRequest(acquirer=ACQUIRER, target=TARGET, draws=2_000), by=by)
    terms = "Offer every deployment hosted by the merged firm a tested fallback host of another provider."
    markets.impose_remedy(review.id, RemedyRequest(remedy=RemedyKind.FALLBACK, terms=terms), by=by)


@contextmanager
def app_server(store: Store) -> Iterator[str]:
    """The app over ``store`` on a free local port, its own background work off (the tests
    decide what is filed); its address while the block runs."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(store, checkpoint_interval=None, compliance_interval=None, federation_interval=None),
            host="127.0.0.1",
            port=free_port(),
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("browser-home")
    store = create_installation(
        Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"),
        origin="browser.test/log",
        authority="European AI Office",
        jurisdiction_code="EU",
    )
    by = operator(store)
    import_text(RegistryService(store), "epoch", _frontier_rows(), by=by, skip_invalid=True)
    policy = PolicyService(store)
    for path in sorted(BUILTIN.glob("*.yaml")):
        policy.load(path.read_text(encoding="utf-8"), origin=path.name, by=by)
    world = seed.seed_world(store, by, lambda _: None)
    tokens = seed.issue_tokens(store, by, world)
    seed.run_stress_test(store, by)
    seed_buffers(store, by, lambda _: None)
    auditor = AccessService(store).add_actor("Auditor", Role.AUDITOR, by.organisation_id or "", by=by)
    tokens["auditor"] = AccessService(store).issue_token(auditor.id)
    _licence_with_rollout(store, world)
    _market_filings(store)
    store.publish_checkpoint()
    confidential = [f"{d.exposure:.2f}" for d in world.deployments[:20]]
    with app_server(store) as url:
        yield Site(url, tokens, confidential)
    store.close()


@pytest.fixture(scope="session", autouse=True)
def chromium() -> str:
    """Chromium's path, found first: without it nothing here runs, so nothing is seeded either."""
    return prerequisites.chromium()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


def _tab(browser: Browser, viewport: ViewportSize) -> Iterator[Page]:
    """A fresh tab of ``viewport``'s size; any script error on it fails the test."""
    context = browser.new_context(viewport=viewport)
    context.add_init_script(COUNT_FETCHES)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from _tab(browser, DESKTOP)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A tab the size of a phone held upright (390 × 844 CSS pixels)."""
    yield from _tab(browser, PHONE)


def sign_in(page: Page, site: Site, role: str) -> None:
    page.goto(f"{site.url}/")
    page.get_by_label("API token").fill(site.tokens[role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#who")


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def visit(page: Page, url: str, route: str) -> None:
    """Go to ``url`` and wait until the shell has shown the page ``route`` with all it loads."""
    page.evaluate("document.getElementById('main')?.removeAttribute('data-route')")
    page.goto(url)
    shown(page, route)


def shown(page: Page, route: str) -> None:
    """Wait until the shell has shown the page ``route`` with everything it loads."""
    expect(page.locator(f'#main[data-route="{route}"]:not([aria-busy])')).to_have_count(1)
    assert page.evaluate(QUIET), f"the page {route} never stopped loading"


def tour(page: Page, site: Site, role: str) -> Iterator[str]:
    """Open, one after another, every page ``role`` can reach, then one it cannot.

    The public visits the portal, the other roles sign in on the dashboard. Yields each page's
    name once it is shown: the navigation's pages, the pages they link to (a passport, a
    licence, a stress test run), then "closed" (the stress tests, for a role that may not see
    them) or "not-found" (a page that does not exist, for a role that may see everything).
    """
    base = f"{site.url}/portal" if role == "public" else f"{site.url}/"
    if role == "public":
        page.goto(base)
    else:
        sign_in(page, site, role)
    shown(page, "overview")
    offered = page.locator("#nav a").evaluate_all("links => links.map((a) => a.hash.slice(2))")
    for name in offered:
        visit(page, f"{base}#/{name}", name)
        yield name
        for holder, link, detail in DETAILS:
            if holder == name and page.locator(link).count():
                page.locator(link).first.click()
                shown(page, detail)
                yield detail
    if "stress" in offered:
        visit(page, f"{base}#/nowhere", "nowhere")
        yield "not-found"
    else:
        visit(page, f"{base}#/stress", "stress")
        yield "closed"


def issue_tokens(store: Store, actors: dict[str, tuple[str, Role, str]]) -> dict[str, str]:
    """A token for each actor (``{key: (name, role, organisation)}``), added by the operator."""
    access, by = AccessService(store), operator(store)
    return {
        key: access.issue_token(access.add_actor(name, role, organisation, by=by).id)
        for key, (name, role, organisation) in actors.items()
    }


def received(page: Page) -> list[Response]:
    """Every response the page receives from now on."""
    responses: list[Response] = []

    def keep(response: Response) -> None:  # Playwright takes a function, not a bound method
        responses.append(response)

    page.on("response", keep)
    return responses


def bodies(responses: list[Response]) -> str:
    """The bodies of ``responses`` that have one, joined."""
    texts = []
    for response in responses:
        try:
            texts.append(response.text())
        except Exception:  # a redirect or an empty answer has no body to read
            continue
    return "\n".join(texts)
