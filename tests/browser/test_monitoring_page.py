"""The monitoring page in a real browser: the system view a supervisor watches during a host
outage, a deployment's figures, the alert history, the page following new telemetry without a
reload, and the public's published summaries without any firm's series.

The installation registers ten deployments of three institutions, seven of them on Host One, and
replays 1,000 minutes of the simulator's telemetry (``custos.monitoring.simulation``) with Host
One failing for the last 15: long enough for each deployment's history to make seven of them
degrading at once far beyond chance, so a systemic alert is filed. Expected figures come from the
API and are written with ``custos.core.units``, whose rules the page's formatting follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from custos.access.model import Role
from custos.access.service import operator
from custos.core import units
from custos.core.clock import FixedClock
from custos.monitoring.service import MonitoringService
from custos.monitoring.simulation import Outage, Simulated, day
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.browser.conftest import Site, app_server, issue_tokens, shoot, sign_in, visit
from tests.browser.seeding import installation
from tests.browser.test_shell import WIDER_THAN_THE_PAGE

PROTOBUF = "application/x-protobuf"
HISTORY = 1_000  # minutes of telemetry before the page is opened
OUTAGE = 985  # the minute Host One starts failing
# (deployment, deployer, model, host, exposure in EUR)
PLAN = [
    ("Credit scoring", "Bank A", "Model A", "Host One", 1.2e9),
    ("Fraud screening", "Bank A", "Model B", "Host One", 8e8),
    ("Collections", "Bank A", "Model B", "Host One", 9e7),
    ("Claims triage", "Insurer C", "Model A", "Host One", 4.5e8),
    ("Pricing", "Insurer C", "Model A", "Host One", 6e8),
    ("Loan assistant", "Bank B", "Model A", "Host One", 3e8),
    ("Payments", "Bank B", "Model B", "Host One", 2.5e8),
    ("Know your customer", "Bank B", "Model B", "Host Two", 2e8),
    ("Underwriting", "Insurer C", "Model B", "Host Two", 1e8),
    ("Anti-money laundering", "Bank A", "Model A", "Host Two", 1.5e8),
]


@dataclass
class Monitored(Site):
    """The site with what the test replays into it while the page is open."""

    start: int = 0
    simulated: list[Simulated] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)


def _registry(store: Store) -> tuple[dict[str, str], list[Simulated]]:
    registry, by = RegistryService(store), operator(store)
    ids = {
        name: registry.register_organisation(
            OrganisationRegistered(name=name, jurisdiction="FR", country="FR"), by=by
        ).id
        for name in ("Host One", "Host Two", "Lab A", "Bank A", "Bank B", "Insurer C")
    }
    for model in ("Model A", "Model B"):
        ids[model] = registry.register_model(
            ModelRegistration(name=model, provider_id=ids["Lab A"]), by=by
        ).id
    simulated = []
    for name, deployer, model, host, exposure in PLAN:
        registered = registry.register_deployment(
            DeploymentRegistration.model_validate(
                {
                    "name": name,
                    "deployer_id": ids[deployer],
                    "model_id": ids[model],
                    "hosting_provider_id": ids[host],
                    "jurisdictions": ["FR"],
                    "sector": "finance",
                    "economic_exposure": {"amount": str(exposure), "currency": "EUR"},
                }
            ),
            by=by,
        )
        ids[name] = registered.id
        simulated.append(Simulated(registered.id, ids[deployer], ids[model], ids[host], exposure))
    return ids, simulated


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monitored]:
    # 10:00 UTC today: the replayed history starts the day before, so yesterday has a summary.
    clock = FixedClock(datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0))
    store = installation(tmp_path_factory.mktemp("monitoring"), "monitoring.test/log", clock)
    ids, simulated = _registry(store)
    by = operator(store)
    start = int(clock.now().timestamp()) - (HISTORY + 30) * 60
    monitoring = MonitoringService(store)
    outage = Outage(ids["Host One"], start + OUTAGE * 60, 60)
    for minute in day(simulated, start, HISTORY, outage):
        # Protobuf's repeated fields merge when concatenated: one request for every deployer.
        monitoring.ingest(b"".join(minute.requests.values()), PROTOBUF, by=by)
    monitoring.publish_summary((clock.now() - timedelta(days=1)).date(), by=by)
    tokens = issue_tokens(
        store,
        {
            "supervisor": ("Supervisor", Role.SUPERVISOR, by.organisation_id or ""),
            "bank": ("Bank B risk officer", Role.DEPLOYER, ids["Bank B"]),
        },
    )
    store.publish_checkpoint()
    with app_server(store) as url:
        yield Monitored(url, tokens, [], start, simulated, ids)
    store.close()


def _get(page: Page, site: Site, path: str) -> Any:
    answer = page.request.get(
        f"{site.url}{path}", headers={"Authorization": f"Bearer {site.tokens['supervisor']}"}
    )
    assert answer.ok, answer.status
    return answer.json()


def _open(page: Page, site: Site, role: str) -> None:
    if role == "public":
        visit(page, f"{site.url}/portal#/monitoring", "monitoring")
    else:
        sign_in(page, site, role)
        visit(page, f"{site.url}/#/monitoring", "monitoring")


def test_a_supervisor_sees_the_outage_spread_across_firms_and_its_systemic_alert(
    page: Page, site: Monitored
) -> None:
    _open(page, site, "supervisor")
    system = _get(page, site, "/v1/monitoring/system")
    assert system["degraded"] >= 7 and system["open_systemic_alerts"] >= 1
    expect(page.locator("h1")).to_have_text("Monitoring")
    expect(page.locator("#monitoring-watched .figure")).to_have_text("10")
    expect(page.locator("#monitoring-degraded .figure")).to_have_text(units.count(system["degraded"]))
    expect(page.locator("#monitoring-affected .figure")).to_have_text(
        units.money(system["affected_eur"], "EUR")
    )
    expect(page.locator("#monitoring-affected .figure")).to_have_text(re.compile(r"^EUR \d+(\.\d+)? bn$"))
    for chart in ("by-host", "by-provider", "by-model"):
        expect(page.locator(f"#monitoring-{chart} svg")).to_have_count(1)
    # Host One's seven deployments degrading together, with the chance of it written as a power of ten.
    groups = page.get_by_role("table", name=re.compile(r"^Groups degrading together"))
    host = next(g for g in system["groups"] if g["group_by"] == "host")
    assert host["name"] == "Host One" and host["chance"] < 1e-6
    row = groups.locator("tbody tr", has_text="Host One")
    expect(row).to_contain_text("7 of 7")
    expect(row).to_contain_text(units.scientific(host["chance"]))
    expect(row).to_contain_text(re.compile(r"\d × 10\^-\d+"))

    alerts = page.get_by_role("table", name=re.compile(r"^Alerts, newest first"))
    systemic = alerts.locator("tbody tr", has=page.locator(".badge", has_text="systemic")).filter(
        has_text="Host: Host One"
    )
    expect(systemic).to_have_count(1)
    expect(systemic.locator("a[href^='#/incident/']")).to_have_count(1)

    # Degraded deployments first, each with a red badge; choosing one draws its figures.
    deployments = page.get_by_role("table", name=re.compile(r"^Deployments watched \(10\)"))
    first = deployments.locator("tbody tr").first
    expect(first.locator(".badge")).to_have_text("degraded")
    expect(first.locator(".badge")).to_have_css("color", "rgb(164, 22, 26)")
    expect(deployments.locator("tbody tr").last.locator(".badge")).to_have_text("normal")
    deployments.get_by_role("button", name="Show the figures of Credit scoring").click()
    for figure in ("availability", "error_rate", "latency_p95", "volume"):
        expect(page.locator(f"#monitoring-series-{figure} svg")).to_have_count(1)
    expect(page.locator("#monitoring-figures figcaption").first).to_contain_text("degraded since")
    expect(page.locator("#monitoring-figures")).to_contain_text("Credit scoring: the last day")
    shoot(page, "monitoring-supervisor")


def test_the_page_follows_new_telemetry_without_a_reload(page: Page, site: Monitored) -> None:
    _open(page, site, "supervisor")
    page.evaluate("window.notReloaded = true")
    before = _get(page, site, "/v1/monitoring/system")["open_alerts"]
    open_alerts = page.locator("#monitoring-open-alerts .figure")
    expect(open_alerts).to_have_text(units.count(before))
    updated = page.locator("#monitoring-updated")
    expect(updated).to_have_text(re.compile(r"^Updated \d\d:\d\d:\d\d"))
    first_update = updated.inner_text()
    expect(updated).not_to_have_text(first_update, timeout=5_000)  # it polls

    # Host One comes back and Host Two fails; the telemetry arrives while the page is open.
    later = site.start + HISTORY * 60
    outage = Outage(site.ids["Host Two"], later + 5 * 60, 60)
    for minute in day(site.simulated, later, 20, outage, seed=7):
        answer = page.request.post(
            f"{site.url}/v1/metrics",
            data=b"".join(minute.requests.values()),
            headers={"Authorization": f"Bearer {site.tokens['supervisor']}", "Content-Type": PROTOBUF},
        )
        assert answer.ok, answer.status
    after = _get(page, site, "/v1/monitoring/system")["open_alerts"]
    assert after != before  # Host One's alerts clear, Host Two's are raised
    expect(open_alerts).to_have_text(units.count(after), timeout=10_000)
    deployments = page.get_by_role("table", name=re.compile(r"^Deployments watched"))
    expect(deployments.locator("tbody tr", has_text="Underwriting").locator(".badge")).to_have_text(
        "degraded", timeout=10_000
    )
    assert page.evaluate("window.notReloaded") is True


def test_polling_stops_when_the_page_is_left(page: Page, site: Monitored) -> None:
    _open(page, site, "supervisor")
    polled: list[str] = []
    page.on(
        "request", lambda request: polled.append(request.url) if "/v1/monitoring/" in request.url else None
    )
    page.wait_for_timeout(2_500)
    assert polled, "the page polls while it is shown"
    visit(page, f"{site.url}/#/ledger", "ledger")
    polled.clear()
    page.wait_for_timeout(4_500)
    assert polled == []


def test_a_firm_sees_its_own_deployments_only(page: Page, site: Monitored) -> None:
    _open(page, site, "bank")
    deployments = page.get_by_role("table", name=re.compile(r"^Deployments watched \(3\)"))
    for name in ("Loan assistant", "Payments", "Know your customer"):
        expect(deployments).to_contain_text(name)
    expect(deployments).not_to_contain_text("Credit scoring")
    expect(page.get_by_role("table", name=re.compile(r"^Groups degrading together"))).to_have_count(0)
    expect(page.locator("#monitoring-alerts")).not_to_contain_text("systemic")


def test_the_public_sees_the_published_summaries_and_no_series(page: Page, site: Monitored) -> None:
    responses: list[str] = []
    page.on("request", lambda request: responses.append(request.url))
    _open(page, site, "public")
    summary = page.request.get(f"{site.url}/v1/monitoring/summaries").json()[0]
    days = page.get_by_role("table", name=re.compile(r"^Daily summaries published \(1\)"))
    expect(days.locator("tbody tr").first).to_contain_text(summary["day"])
    expect(days.locator("tbody tr").first).to_contain_text(units.count(summary["deployments"]))
    figures = page.get_by_role("table", name=f"Each figure across deployments on {summary['day']}")
    expect(figures).to_contain_text("Availability")
    expect(page.locator("#monitoring-thresholds")).to_contain_text(units.scientific(1e-6))
    expect(page.locator("#monitoring-deployments, #monitoring-system, .chart")).to_have_count(0)
    assert not [url for url in responses if re.search(r"/v1/monitoring/(system|deployments|alerts)", url)]
    main = page.locator("main")
    for name in ("Credit scoring", "Host One"):
        expect(main).not_to_contain_text(name)
    shoot(page, "monitoring-public")


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    phone: Page, site: Monitored, role: str
) -> None:
    _open(phone, site, role)
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
