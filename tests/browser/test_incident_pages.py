"""The incident pages in a real browser: the list each visitor may read, filtered by status, and
an incident's page with every clock its report started, each jurisdiction's classification, the
models involved and the reports that followed. The reporter's own account reaches the reporting
firm's supervisors and nobody else, neither on the page nor over the network.

One installation for the module: a provider and a rival, each with a model; California's pack
loaded, with the provider's model a frontier model; a critical safety incident about that model
reported by the supervisor and followed by a final report; and a second incident, closed and
published with a public summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from custos.access.model import Principal, Role
from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.installation import create_installation
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentPublished, IncidentReported, IncidentUpdated
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.browser.conftest import Site, app_server, bodies, issue_tokens, received, shoot, sign_in, visit

#: The reporter's own account of the critical incident: only supervisors may ever receive it.
SECRET = "Weights copied from bucket 3f9a by a contractor key"
PUBLIC_SUMMARY = "A misrouted answer exposed account data; it is fixed."
CONFIDENTIAL = [SECRET, "Second account 8b1c"]


def _organisation(registry: RegistryService, by: Principal, name: str, country: str) -> str:
    terms = {"name": name, "jurisdiction": country, "country": country, "kinds": ["model_provider"]}
    return registry.register_organisation(OrganisationRegistered.model_validate(terms), by=by).id


def _model(registry: RegistryService, by: Principal, name: str, provider: str) -> str:
    model = registry.register_model(
        ModelRegistration.model_validate({"name": name, "provider_id": provider}), by=by
    )
    passport = {"provenance": {"source": "manual"}, "compute": {"training_flop": 2e26}}
    registry.file_passport(model.id, Passport.model_validate(passport), by=by)
    return model.id


def _seed(store: Store, now: datetime) -> dict[str, str]:
    by = operator(store)
    text = (BUILTIN / "california-sb53.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(text, origin="california-sb53.yaml", by=by)
    registry = RegistryService(store)
    lab = _organisation(registry, by, "Lab Inc", "US")
    rival = _organisation(registry, by, "Rival Labs Inc", "US")
    model = _model(registry, by, "Frontier One", lab)
    _model(registry, by, "Rival Large", rival)
    incidents = IncidentService(store)
    critical = incidents.report(
        IncidentReported.model_validate(
            {
                "model_ids": [model],
                "severity": "serious",
                "occurred_at": (now - timedelta(days=3)).isoformat(),
                "discovered_at": (now - timedelta(days=2)).isoformat(),
                "harm_types": ["physical"],
                "facts": ["weights_compromised", "bodily_injury"],
                "affected_jurisdictions": ["US-CA"],
                "summary": SECRET,
            }
        ),
        by=by,
    ).id
    incidents.update(
        IncidentUpdated(
            incident_id=critical, stage="final", learned="The key was revoked", root_cause="A stale key"
        ),
        by=by,
    )
    published = incidents.report(
        IncidentReported.model_validate(
            {
                "model_ids": [model],
                "severity": "incident",
                "occurred_at": (now - timedelta(days=5)).isoformat(),
                "harm_types": ["economic_property"],
                "summary": "Second account 8b1c",
            }
        ),
        by=by,
    ).id
    incidents.close(published, "fixed", by=by)
    incidents.publish(published, IncidentPublished(summary=PUBLIC_SUMMARY), by=by)
    tokens = issue_tokens(
        store,
        {
            "supervisor": ("Supervisor", Role.SUPERVISOR, by.organisation_id or ""),
            "provider": ("Lab compliance", Role.PROVIDER, lab),
            "rival": ("Rival compliance", Role.PROVIDER, rival),
        },
    )
    store.publish_checkpoint()
    return tokens | {"critical": critical, "published": published}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, dict[str, str]]]:
    home = tmp_path_factory.mktemp("incident-home")
    now = datetime.now(UTC).replace(microsecond=0)
    store = create_installation(
        Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"),
        origin="incidents.test/log",
        authority="California Office of Emergency Services",
        jurisdiction_code="US-CA",
        clock=FixedClock(now),
    )
    seeded = _seed(store, now)
    with app_server(store) as url:
        yield (
            Site(url, {role: seeded[role] for role in ("supervisor", "provider", "rival")}, CONFIDENTIAL),
            seeded,
        )
    store.close()


def _open(page: Page, site: Site, role: str, path: str) -> None:
    route = path.split("/", maxsplit=1)[0].split("?", maxsplit=1)[0]
    if role == "public":
        visit(page, f"{site.url}/portal#/{path}", route)
    else:
        sign_in(page, site, role)
        visit(page, f"{site.url}/#/{path}", route)


def test_a_supervisor_reads_the_incident_with_its_clocks_classification_and_reports(
    page: Page, world: tuple[Site, dict[str, str]]
) -> None:
    site, seeded = world
    _open(page, site, "supervisor", "incidents")
    listed = page.get_by_role("table", name="Incidents you may read (2)")
    expect(listed).to_contain_text("closed")
    listed.get_by_role("link", name=SECRET).click()
    expect(page.locator("main h1")).to_have_text(f"Incident {seeded['critical']}")
    clocks = page.get_by_role("table", name="Every clock the report started")
    row = clocks.locator("tbody tr", has_text="Bus. & Prof. Code § 22757.13(c)(1)")
    expect(row).to_contain_text("california-sb53")
    expect(row).to_contain_text("US-CA")
    expect(row).to_contain_text(" UTC")
    expect(row).to_contain_text("discharged")
    terms = page.get_by_role("table", name="What each jurisdiction's definitions make of it")
    expect(terms).to_contain_text("critical safety incident")
    expect(terms).to_contain_text("(d)(1)")
    reports = page.get_by_role("table", name="The initial report and those that followed")
    expect(reports).to_contain_text("Final")
    expect(reports).to_contain_text("A stale key")
    expect(page.locator("main")).to_contain_text(SECRET)
    shoot(page, "incident-supervisor")


def test_the_status_filter_narrows_the_list(page: Page, world: tuple[Site, dict[str, str]]) -> None:
    site, _ = world
    _open(page, site, "supervisor", "incidents?status=closed")
    listed = page.get_by_role("table", name="Incidents you may read (1)")
    expect(listed).to_contain_text(PUBLIC_SUMMARY)


def test_the_provider_sees_its_incidents_without_the_reporters_account(
    page: Page, world: tuple[Site, dict[str, str]]
) -> None:
    site, seeded = world
    responses = received(page)
    _open(page, site, "provider", f"incident/{seeded['critical']}")
    expect(page.get_by_role("table", name="Every clock the report started")).to_contain_text(
        "california-sb53"
    )
    expect(page.locator("main .withheld")).to_contain_text("summary")
    assert SECRET not in page.evaluate("document.documentElement.textContent")
    assert SECRET not in bodies(responses)


@pytest.mark.parametrize("role", ["public", "rival"])
def test_others_see_only_the_published_incident_as_published(
    page: Page, world: tuple[Site, dict[str, str]], role: str
) -> None:
    site, seeded = world
    responses = received(page)
    _open(page, site, role, "incidents")
    listed = page.get_by_role("table", name="Incidents you may read (1)")
    expect(listed).to_contain_text(PUBLIC_SUMMARY)
    listed.get_by_role("link", name=PUBLIC_SUMMARY).click()
    expect(page.locator("main h1")).to_have_text(f"Incident {seeded['published']}")
    expect(page.locator("main")).to_contain_text("economic_property")
    expect(page.get_by_role("table", name="Every clock the report started")).to_have_count(0)
    text = page.evaluate("document.documentElement.textContent")
    answered = bodies(responses)
    assert "/v1/incidents" in " ".join(response.url for response in responses)
    for secret in CONFIDENTIAL:
        assert secret not in text, secret
        assert secret not in answered, secret


def test_the_history_tab_lists_imported_incidents(page: Page, world: tuple[Site, dict[str, str]]) -> None:
    site, _ = world
    _open(page, site, "public", "incidents?view=history")
    expect(page.get_by_role("link", name="History")).to_have_attribute("aria-current", "page")
    expect(page.locator("main")).to_contain_text("No incident has been imported.")
