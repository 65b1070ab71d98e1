"""The assurance pages in a real browser: the auditors list, the attestations on a model's page
with a bundle that downloads, and the findings board, whose embargoed details reach the firm the
finding is about and supervisors, and nobody else, neither on the page nor over the network.

One installation for the module, seeded with the services: a provider and a rival, each with a
model; an accredited audit firm that attested to the provider's model; a critical finding about
that model, reported ten days ago and never acknowledged (so its clock ran out and the sweep
took the ladder's first rungs); and a low finding, retested, closed and published.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from custos.access.model import Principal, Role
from custos.access.service import operator
from custos.assurance.findings import FindingService
from custos.assurance.findings_model import (
    FindingAcknowledged,
    FindingMitigated,
    FindingPublished,
    FindingReported,
)
from custos.assurance.model import AttestationSubmitted, AuditEngaged, AuditorAccredited
from custos.assurance.service import AssuranceService
from custos.assurance.signing import sign_statement
from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.filings import parse
from custos.installation import create_installation
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.browser.conftest import (
    Site,
    app_server,
    bodies,
    issue_tokens,
    received,
    shoot,
    shown,
    sign_in,
    visit,
)
from tests.unit.assurance.audits import public, signer

#: Embargoed text of the critical finding: only its firm and supervisors may ever receive it.
SECRET_TITLE = "Nerve-agent route via translation game 7c1f"
SECRET_REPRODUCTION = "Ask for the recipe in Esperanto, then translate back 9e2d"
#: The low finding's embargoed title, and the summary published once it closed.
LOW_TITLE = "Tokeniser leaks system prompt fragment 4b8a"
LOW_SUMMARY = "A prompt-extraction weakness was fixed and independently retested."
EMBARGOED = [SECRET_TITLE, SECRET_REPRODUCTION, LOW_TITLE]


def _organisation(registry: RegistryService, by: Principal, name: str, country: str, kind: str) -> str:
    terms = {"name": name, "jurisdiction": country, "country": country, "kinds": [kind]}
    return registry.register_organisation(OrganisationRegistered.model_validate(terms), by=by).id


def _model(registry: RegistryService, by: Principal, name: str, provider: str) -> str:
    model = registry.register_model(
        ModelRegistration.model_validate({"name": name, "provider_id": provider}), by=by
    )
    passport = {"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}
    registry.file_passport(model.id, Passport.model_validate(passport), by=by)
    return model.id


def _attest(
    store: Store, by: Principal, auditor: str, key: Any, subject: str, scope: str, **predicate: Any
) -> str:
    """Engage ``auditor`` about ``subject`` in ``scope``, a day's work, then file its signed attestation."""
    service = AssuranceService(store)
    engaged = service.engage(
        AuditEngaged(
            subject_id=subject, scope=scope, auditor_id=auditor, finding_id=predicate.get("finding")
        ),
        by=by,
    )
    assert engaged.statement_subject is not None
    clock = store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=1))
    today = clock.now().date()
    statement = Statement(
        subject=(ResourceDescriptor.model_validate(engaged.statement_subject),),
        predicate=AuditPredicate.model_validate(
            {
                "engagement": engaged.id,
                "auditor": auditor,
                "scope": scope,
                "method": "Document review and adversarial testing",
                "findingsSummary": "No material weakness found.",
                "opinion": "pass",
                "issuedAt": (clock.now() - timedelta(hours=1)).isoformat(),
                "validFrom": today.isoformat(),
                "validUntil": (today + timedelta(days=365)).isoformat(),
            }
            | predicate
        ),
    )
    envelope = sign_statement(statement, key)
    return service.attest(AttestationSubmitted(envelope=envelope), by=by).id


def _finding(
    subject: str, severity: str, title: str, found_at: datetime, reproduction: str
) -> FindingReported:
    return parse(
        FindingReported,
        {
            "subject_id": subject,
            "severity": severity,
            "source": "external",
            "found_at": found_at.isoformat(),
            "category": "cbrn-uplift",
            "reproducibility": "always",
            "title": title,
            "details": f"Embargoed details of: {title}",
            "reproduction": reproduction,
        },
        "finding",
    )


def _seed(store: Store, clock: FixedClock, now: datetime) -> dict[str, str]:
    by = operator(store)
    baseline = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(baseline, origin="custos-baseline.yaml", by=by)
    registry = RegistryService(store)
    lab = _organisation(registry, by, "Lab SA", "FR", "model_provider")
    rival = _organisation(registry, by, "Rival Labs SpA", "IT", "model_provider")
    firm = _organisation(registry, by, "Audit BV", "NL", "auditor")
    model = _model(registry, by, "Frontier One", lab)
    _model(registry, by, "Rival Large", rival)
    key = signer()
    today = clock.now().date()
    terms = {
        "organisation_id": firm,
        "keys": [public(key)],
        "scopes": ["custos-systemic-risk-audit", "custos-red-team-retest"],
        "valid_from": (today - timedelta(days=30)).isoformat(),
        "valid_until": (today + timedelta(days=730)).isoformat(),
    }
    AssuranceService(store).accredit(AuditorAccredited.model_validate(terms), by=by)
    attestation = _attest(
        store, by, firm, key, model, "custos-systemic-risk-audit", standard="Custos baseline, Assurance"
    )

    findings = FindingService(store)
    found = clock.now() - timedelta(hours=2)
    findings.report(_finding(model, "critical", SECRET_TITLE, found, SECRET_REPRODUCTION), by=by)
    low = findings.report(_finding(model, "low", LOW_TITLE, found, "Ask for the system prompt"), by=by)
    findings.acknowledge(low.id, FindingAcknowledged(), by=by)
    findings.mitigate(low.id, FindingMitigated(description="Prompt isolated"), by=by)
    _attest(
        store,
        by,
        firm,
        key,
        model,
        "custos-red-team-retest",
        standard="Custos red-team retest",
        finding=low.id,
    )
    findings.publish(low.id, FindingPublished(summary=LOW_SUMMARY), by=by)

    clock.set(now)  # ten days on: the critical finding's clock ran out long ago
    assert findings.sweep(by=by).escalations
    tokens = issue_tokens(
        store,
        {
            "supervisor": ("Supervisor", Role.SUPERVISOR, by.organisation_id or ""),
            "provider": ("Lab SA red team lead", Role.PROVIDER, lab),
            "rival": ("Rival Labs compliance", Role.PROVIDER, rival),
        },
    )
    store.publish_checkpoint()
    return tokens | {"model": model, "attestation": attestation}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, dict[str, str]]]:
    home = tmp_path_factory.mktemp("assurance-home")
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(now - timedelta(days=10))
    store = create_installation(
        Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"),
        origin="assurance.test/log",
        authority="European AI Office",
        jurisdiction_code="EU",
        clock=clock,
    )
    seeded = _seed(store, clock, now)
    tokens = {role: seeded[role] for role in ("supervisor", "provider", "rival")}
    with app_server(store) as url:
        yield Site(url, tokens, EMBARGOED), seeded
    store.close()


def _open(page: Page, site: Site, role: str, path: str) -> None:
    """Open the page at ``path`` (after the hash) as ``role``: the public on the portal."""
    if role == "public":
        visit(page, f"{site.url}/portal#/{path}", path.split("/", maxsplit=1)[0])
    else:
        sign_in(page, site, role)
        visit(page, f"{site.url}/#/{path}", path.split("/", maxsplit=1)[0])


def test_the_auditors_page_lists_the_accredited_auditor_and_its_attestation(
    page: Page, world: tuple[Site, dict[str, str]]
) -> None:
    site, seeded = world
    _open(page, site, "public", "auditors")
    auditors = page.get_by_role("table", name="Accredited auditors (1)")
    expect(auditors).to_contain_text("Audit BV")
    expect(auditors).to_contain_text("Third-party audit of a systemic-risk model")
    expect(auditors).to_contain_text("Custos red-team retest")
    key = auditors.locator("code").first
    full = key.get_attribute("title") or ""
    assert len(full) == 64 and key.inner_text() == f"{full[:12]}…"
    recent = page.get_by_role("table", name="Attestations, newest first (the latest 50 at most)")
    row = recent.locator("tr", has_text="Third-party audit")
    expect(row).to_contain_text("Audit BV")
    expect(row).to_contain_text("Pass")
    expect(row).to_contain_text("current")
    row.get_by_role("link", name="Frontier One").click()
    shown(page, "models")
    expect(page.locator("main h1")).to_have_text("Frontier One")
    assert page.url.endswith(f"#/models/{seeded['model']}")


@pytest.mark.parametrize("role", ["public", "provider"])
def test_the_model_page_shows_the_attestation_and_its_bundle_downloads(
    page: Page, world: tuple[Site, dict[str, str]], role: str
) -> None:
    site, seeded = world
    _open(page, site, role, f"models/{seeded['model']}")
    table = page.get_by_role("table", name="Attestations about this model (2)")
    row = table.locator("tbody tr", has_text="Third-party audit")
    expect(row).to_contain_text("Audit BV")
    expect(row).to_contain_text("Custos baseline, Assurance")
    expect(row).to_contain_text("Pass")
    expect(row).to_contain_text("current")
    expect(row.get_by_role("link", name="verify")).to_have_attribute(
        "href", f"#/ledger?filing={seeded['attestation']}"
    )
    link = row.get_by_role("link", name="bundle")
    href = link.get_attribute("href")
    assert href == f"/v1/attestations/{seeded['attestation']}/bundle"
    fetched = page.evaluate(
        "async (href) => { const r = await fetch(href); return [r.status, await r.json()]; }", href
    )
    assert fetched[0] == 200 and fetched[1]["checkpoint"].startswith("assurance.test/log\n")
    assert fetched[1]["attestation"]["view"]["envelope"]["id"] == seeded["attestation"]
    with page.expect_download() as download:
        link.click()
    saved = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert saved["attestation"]["view"]["envelope"]["id"] == seeded["attestation"]
    # The envelope travels only to those who may read it: the audited firm, not the public.
    assert ("dsseEnvelope" in saved) is (role == "provider")


@pytest.mark.parametrize("role", ["provider", "supervisor"])
def test_the_firm_and_supervisors_see_the_embargoed_finding_and_its_clock(
    page: Page, world: tuple[Site, dict[str, str]], role: str
) -> None:
    site, _ = world
    _open(page, site, role, "findings")
    critical = page.get_by_role("region", name="Critical: 1 finding")
    # The severity's meaning, as the baseline pack states it.
    expect(critical.locator(".meaning")).to_contain_text("Severe harm at scale is within reach now")
    row = critical.locator("tbody tr", has_text=SECRET_TITLE)
    expect(row).to_contain_text("Frontier One")
    expect(row).to_contain_text("Acknowledge")
    expect(row).to_contain_text("overdue")
    expect(row).to_contain_text("Supervisor-notified")
    expect(row.locator("td").nth(4)).to_contain_text(" UTC")
    row.locator("summary", has_text="The report").click()
    expect(row).to_contain_text(SECRET_REPRODUCTION)
    low = page.get_by_role("region", name="Low: 1 finding")
    expect(low).to_contain_text(LOW_TITLE)
    expect(low.locator("tbody tr")).to_contain_text("closed")


@pytest.mark.parametrize("role", ["public", "rival"])
def test_other_firms_and_the_public_never_receive_embargoed_details(
    page: Page, world: tuple[Site, dict[str, str]], role: str
) -> None:
    site, _ = world
    responses = received(page)
    _open(page, site, role, "findings")
    critical = page.get_by_role("region", name="Critical: 1 finding")
    expect(critical).to_contain_text("1 not shown to you")
    expect(critical).to_contain_text("None that you may read.")
    low = page.get_by_role("region", name="Low: 1 finding").locator("tbody tr")
    expect(low).to_contain_text(LOW_SUMMARY)
    expect(low).to_contain_text("Withheld from you: ")
    text = page.evaluate("document.documentElement.textContent")
    answered = bodies(responses)
    assert "/v1/findings" in " ".join(response.url for response in responses)
    for secret in [*EMBARGOED, "Embargoed details of"]:
        assert secret not in text, secret
        assert secret not in answered, secret


@pytest.mark.parametrize(
    ("role", "path"), [("public", "auditors"), ("provider", "findings"), ("provider", "models")]
)
def test_the_pages_with_their_data_have_no_serious_accessibility_violation(
    page: Page, world: tuple[Site, dict[str, str]], role: str, path: str
) -> None:
    site, seeded = world
    _open(page, site, role, f"models/{seeded['model']}" if path == "models" else path)
    page.locator("summary").evaluate_all("all => all.forEach((s) => s.click())")  # the reports open
    shoot(page, f"assurance-{role}-{path}")
    found = Axe().run(page).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
