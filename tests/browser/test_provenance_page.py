"""The provenance page and the passport page's provenance section in a real browser: the privacy
budget and each differentially private release (chart and table), dataset commitments with their
sampling audits, training-run declarations with their plausibility, and reconciliations of
declared and sold compute. What each role is shown follows what the API lets it read: the public
sees releases, commitments and audit outcomes, and only that a run was declared; the provider
sees its own runs' figures and a reconciliation's status; a supervisor sees every figure.

One installation for the module, seeded through the services on a fixed clock:

- Frontier Alpha: a manifest of 1,000 clean records under allowed licences, committed with its
  true composition; a supervisor's sample of 300 is revealed and passes every rule, and the run
  declared for it implies the compute its passport states (plausible);
- Frontier Beta: a manifest of 500 records, every tenth with the rightholder's opt-out, committed
  with a composition that claims English only though half is German; a sample of 100 is revealed
  and fails, a second sample is never answered and falls overdue; its declared run implies far
  less compute than its passport states (implausible);
- Nimbus Cloud GmbH states it sold Frontier Labs a quarter more chip-hours than Alpha's run used;
  with Beta's small run added, the sold hours still exceed the declared ones past the 10%
  tolerance;
- a privacy budget of epsilon 3 and delta 10^-6, and two releases of the datasets' licence
  families, one with Laplace noise and one with Gaussian noise.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect
from scipy.stats import beta

from custos.access.model import Principal, Role
from custos.access.service import operator
from custos.core import units
from custos.core.clock import FixedClock
from custos.passports.model import Passport
from custos.provenance.commitment import commit_manifest, new_key, reveal
from custos.provenance.findings import SampleRules
from custos.provenance.model import (
    BudgetSet,
    ComputeSold,
    DatasetCommitted,
    PublishRequest,
    ReconcileRequest,
    RecordsRevealed,
    RunDeclared,
    SampleRequest,
)
from custos.provenance.plausibility import Precision, peak_flops_at
from custos.provenance.privacy import Mechanism
from custos.provenance.service import ProvenanceService
from custos.provenance.views import ReleaseView, RunView
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from tests.browser.conftest import Site, app_server, bodies, issue_tokens, received, shoot, sign_in, visit
from tests.browser.seeding import installation, organisation
from tests.browser.test_shell import WIDER_THAN_THE_PAGE

START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=60)
PROVIDER, VENDOR = "Frontier Labs SA", "Nimbus Cloud GmbH"
CHIP, UTILISATION = "NVIDIA H100 SXM5 80GB", 0.4
ALPHA_FLOP, BETA_FLOP = 3e24, 5e24
ALLOWED = ("CC-BY-4.0", "MIT")
#: The vendor states a quarter more than Frontier Alpha's run: more than both runs together.
SOLD_OVER_ALPHA = 1.25


@dataclass
class Seeded:
    site: Site
    models: dict[str, str]  # name -> id
    roots: dict[str, str]  # model name -> the commitment's root
    runs: dict[str, RunView]  # model name -> its run as a supervisor sees it
    releases: list[ReleaseView]  # newest first
    requested: dict[str, datetime]  # model name -> when its first sample was asked for
    audited: dict[str, datetime]  # model name -> when its sample was audited
    beta_violations: int  # opt-outs in Frontier Beta's sample
    sold: float  # chip-hours Nimbus Cloud states it sold Frontier Labs


def minute(moment: datetime) -> str:
    """A moment as the page writes it, to the minute in UTC."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def at_most(violations: int, sampled: int) -> str:
    """The one-sided 95% Clopper-Pearson upper bound, as the page writes it: rounded up (so it
    stays an upper bound) to two significant digits."""
    bound = 1.0 if violations == sampled else float(beta.ppf(0.95, violations + 1, sampled - violations))
    hundred = bound * 100
    step = 10.0 ** (math.floor(math.log10(hundred)) - 1)
    rounded = math.ceil(round(hundred / step, 9)) * step
    return f"{rounded:.{max(0, 1 - math.floor(math.log10(rounded)))}f}%"


def _record(i: int, *, licence: str, language: str, opt_out: bool) -> dict[str, Any]:
    return {
        "id": f"doc-{i:05d}",
        "source": f"https://corpus.example.org/{i}",
        "source_type": "web" if i % 4 else "books",
        "licence": licence,
        "language": language,
        "collected_on": "2025-03-01",
        "pii": False,
        "opt_out": opt_out,
        "content_hash": f"sha256:{i:064x}",
    }


def _manifest(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def _shares(records: list[dict[str, Any]], dimension: str) -> dict[str, float]:
    counted = Counter(record[dimension] for record in records)
    return {category: n / len(records) for category, n in counted.items()}


def _model(
    registry: RegistryService, store: Store, name: str, provider: str, flop: float, dataset: str
) -> str:
    model = registry.register_model(
        ModelRegistration.model_validate({"name": name, "provider_id": provider}), by=operator(store)
    ).id
    passport = {
        "provenance": {"source": "manual"},
        "compute": {"training_flop": flop},
        "datasets": [{"name": dataset}],
    }
    registry.file_passport(model, Passport.model_validate(passport), by=operator(store))
    return model


def _run(model: str, chip_hours: float, vendor: str, ended: datetime) -> RunDeclared:
    days = 90
    return RunDeclared.model_validate(
        {
            "model_id": model,
            "chips": [
                {"chip": CHIP, "quantity": math.ceil(chip_hours / (24 * days)), "chip_hours": chip_hours}
            ],
            "started_on": (ended - timedelta(days=days - 1)).date().isoformat(),
            "ended_on": ended.date().isoformat(),
            "precision": Precision.BF16.value,
            "utilisation": UTILISATION,
            "data_centre": "Paris-2",
            "cloud_vendor": VENDOR,
            "cloud_vendor_id": vendor,
        }
    )


def _seed(root: Path) -> tuple[Store, Seeded, dict[str, str]]:
    clock = FixedClock(START)
    store = installation(root, "provenance.test/log", clock)
    by = operator(store)
    registry, service = RegistryService(store), ProvenanceService(store)
    provider = organisation(registry, store, PROVIDER, "model_provider")
    vendor = organisation(registry, store, VENDOR, "compute_provider")
    models = {
        "Frontier Alpha": _model(registry, store, "Frontier Alpha", provider, ALPHA_FLOP, "Alpha web corpus"),
        "Frontier Beta": _model(registry, store, "Frontier Beta", provider, BETA_FLOP, "Beta crawl"),
    }
    alpha_records = [_record(i, licence=ALLOWED[i % 2], language="en", opt_out=False) for i in range(1000)]
    beta_records = [
        _record(i, licence="CC-BY-4.0", language="de" if i % 2 else "en", opt_out=i % 10 == 0)
        for i in range(500)
    ]
    plans = {
        "Frontier Alpha": ("Alpha web corpus", alpha_records, "language", 300),
        "Frontier Beta": ("Beta crawl", beta_records, None, 100),
    }
    roots, requested, audited, violations = {}, {}, {}, 0
    for name, (dataset, records, _, size) in plans.items():
        key = new_key()
        manifest = _manifest(root / f"{name}.jsonl", records)
        built = commit_manifest(manifest, key, workers=1)
        composition = {d: _shares(records, d) for d in ("source_type", "licence", "language")}
        if name == "Frontier Alpha":
            # Only the dimension every record shares: any sample fits it, so the page's
            # "plausible" does not hang on a 1% chance of a random sample failing the test.
            composition = {"language": {"en": 1.0}}
        if name == "Frontier Beta":
            composition["language"] = {"en": 1.0}  # half of it is German
        commitment = service.commit(
            DatasetCommitted(
                model_id=models[name],
                dataset=dataset,
                root=built.root.hex(),
                record_count=built.count,
                composition=composition,
            ),
            by=by,
        )
        roots[name] = commitment.root
        clock.advance(timedelta(hours=1))
        requested[name] = clock.now()
        sample = service.request_sample(
            SampleRequest(
                commitment_id=commitment.id,
                sample_size=size,
                rules=SampleRules(allowed_licences=ALLOWED),
                respond_within_days=20,
            ),
            by=by,
        )
        clock.advance(timedelta(hours=2))
        audited[name] = clock.now()
        revealed = tuple(reveal(manifest, key, list(sample.reveal)))
        service.reveal(RecordsRevealed(sample_id=sample.id, records=revealed), by=by)
        if name == "Frontier Beta":  # the drawn records, not the last one that proves the count
            violations = sum(r.record.opt_out for r in revealed if r.index in sample.indices)
            service.request_sample(
                SampleRequest(commitment_id=commitment.id, sample_size=50, respond_within_days=5), by=by
            )

    peak = peak_flops_at(CHIP, Precision.BF16)
    declared = ALPHA_FLOP / (3600 * peak * UTILISATION)
    ended = START - timedelta(days=200)
    service.declare_run(_run(models["Frontier Alpha"], declared, vendor, ended), by=by)
    clock.advance(timedelta(hours=1))
    service.declare_run(
        _run(models["Frontier Beta"], BETA_FLOP / (3600 * peak * UTILISATION) / 20, vendor, ended), by=by
    )
    seller = Principal(by.actor_id, by.name, by.role, vendor, by.jurisdiction)  # the vendor's own filing
    first = (ended - timedelta(days=89)).date()
    service.sell(
        ComputeSold(
            customer_id=provider,
            period_start=first,
            period_end=ended.date(),
            chip_hours=SOLD_OVER_ALPHA * declared,
            chip=CHIP,
        ),
        by=seller,
    )
    clock.advance(timedelta(hours=1))
    service.reconcile(
        ReconcileRequest(customer_id=provider, vendor_id=vendor, period_start=first, period_end=ended.date()),
        by=by,
    )
    service.set_budget(BudgetSet(epsilon=3.0, delta=1e-6, reason="The portal's yearly budget."), by=by)
    clock.advance(timedelta(hours=1))
    service.publish(PublishRequest(statistic="dataset-licences", epsilon=1.0), by=by)
    clock.advance(timedelta(hours=1))
    service.publish(
        PublishRequest(statistic="dataset-licences", mechanism=Mechanism.GAUSSIAN, epsilon=0.5, delta=5e-7),
        by=by,
    )
    clock.set(START + timedelta(days=10))  # the second sample of Beta is overdue
    store.publish_checkpoint()
    runs = {name: next(iter(service.runs(by=by, model_id=model))) for name, model in models.items()}
    tokens = issue_tokens(
        store,
        {
            "supervisor": ("Supervisor", Role.SUPERVISOR, by.organisation_id or ""),
            "provider": ("Frontier Labs compliance", Role.PROVIDER, provider),
        },
    )
    seeded = Seeded(
        site=Site("", tokens, []),
        models=models,
        roots=roots,
        runs=runs,
        releases=service.releases(),
        requested=requested,
        audited=audited,
        beta_violations=violations,
        sold=SOLD_OVER_ALPHA * declared,
    )
    return store, seeded, tokens


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    store, seeded, tokens = _seed(tmp_path_factory.mktemp("provenance"))
    try:
        with app_server(store) as url:
            seeded.site = Site(url, tokens, [])
            yield seeded
    finally:
        store.close()


def _open(page: Page, seeded: Seeded, role: str, route: str = "provenance") -> None:
    if role == "public":
        visit(page, f"{seeded.site.url}/portal#/{route}", route.split("/", maxsplit=1)[0])
    else:
        sign_in(page, seeded.site, role)
        visit(page, f"{seeded.site.url}/#/{route}", route.split("/", maxsplit=1)[0])


def _row(table: Locator, text: str) -> Locator:
    return table.locator("tbody tr", has_text=text).locator("td")


def _finding(rule: str, violations: int, sampled: int) -> str:
    return (
        f"{rule}: {violations} of {sampled} violate: at most {at_most(violations, sampled)} (95% upper bound)"
    )


def test_the_bound_is_rounded_up_to_stay_an_upper_bound() -> None:
    """The helper the assertions below rest on: 0 of 300 is at most 0.9936%, written 1.0%."""
    assert at_most(0, 300) == "1.0%"
    assert at_most(0, 100) == "3.0%"
    assert at_most(10, 100) == "17%"  # 16.37%, rounded up


def _datasets(value: float) -> str:
    """A noisy count of datasets as the page writes it: one dataset, otherwise datasets."""
    text = units.number(value, 2)
    return f"{text} {'dataset' if text == '1' else 'datasets'}"


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_budget_and_each_release_are_shown_as_a_chart_and_a_table(
    page: Page, world: Seeded, role: str
) -> None:
    _open(page, world, role)
    expect(page.locator("main h1")).to_have_text("Provenance")
    expect(page.locator("#tile-epsilon .figure")).to_have_text("3")
    expect(page.locator("#tile-epsilon-spent .figure")).to_have_text("1.5")
    expect(page.locator("#tile-epsilon-remaining .figure")).to_have_text("1.5")
    expect(page.locator("#tile-delta .figure")).to_have_text("1 × 10^-6")
    expect(page.locator("#tile-delta-remaining .figure")).to_have_text("5 × 10^-7")
    expect(page.locator("#tile-releases .figure")).to_have_text("2")

    releases = page.locator("section.release")
    expect(releases).to_have_count(2)
    for section, release in zip(releases.all(), world.releases, strict=True):  # newest first
        expect(section.locator("h3")).to_have_text(
            f"Committed datasets by licence family, published {units.timestamp(release.published_at)}"
        )
        mechanism = "Gaussian" if release.mechanism == "gaussian" else "Laplace"
        expect(section.locator(".release-terms")).to_contain_text(
            f"{mechanism} noise at epsilon {units.number(release.epsilon, 3)} "
            f"and delta {units.scientific(release.delta)}"
        )
        rows = section.locator("table tbody tr")
        expect(rows).to_have_count(len(release.cells))
        for row, cell in zip(rows.all(), release.cells, strict=True):
            cells = row.locator("td")
            expect(cells.nth(1)).to_have_text(_datasets(cell.value))
            expect(cells.nth(2)).to_have_text(f"± {_datasets(cell.error_95)}")
        # One bar and one error bar per cell, drawn by Vega as SVG.
        chart = section.locator(".chart svg")
        expect(chart).to_have_count(1)
        expect(chart.locator(".mark-rect.role-mark path")).to_have_count(len(release.cells))
        expect(chart.locator(".mark-rule.role-mark line")).to_have_count(len(release.cells))
    expect(releases.first.locator("tbody tr td:first-child")).to_have_text(
        ["Public domain", "Permissive", "Copyleft", "Non-commercial", "Proprietary", "Unknown"]
    )
    shoot(page, f"{role}-provenance-seeded")


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_commitments_and_their_sampling_audits_show_status_and_bounds(
    page: Page, world: Seeded, role: str
) -> None:
    _open(page, world, role)
    commitments = page.get_by_role("table", name="Dataset commitments, newest first (2)")
    expect(commitments.locator("tbody tr td:first-child")).to_have_text(["Frontier Beta", "Frontier Alpha"])
    alpha = _row(commitments, "Alpha web corpus")
    expect(alpha.nth(2)).to_have_text("1,000")
    expect(alpha.nth(3).locator("code")).to_have_text(f"{world.roots['Frontier Alpha'][:8]}…")
    expect(alpha.nth(3).locator("code")).to_have_attribute("title", world.roots["Frontier Alpha"])
    expect(alpha.nth(3).get_by_role("button", name="Copy the root of Alpha web corpus")).to_be_visible()
    expect(_row(commitments, "Beta crawl").nth(5)).to_have_text("2")

    samples = page.get_by_role("table", name="Samples asked for, newest first (3)")
    passed = _row(samples, "Alpha web corpus")
    expect(passed.nth(1)).to_have_text("Supervisor")
    expect(passed.nth(2)).to_have_text(minute(world.requested["Frontier Alpha"]))
    expect(passed.nth(3)).to_have_text("300")
    expect(passed.nth(5)).to_have_text("passed")
    expect(passed.nth(6).locator("li")).to_have_text(
        [_finding(rule, 0, 300) for rule in ("Licence allowed", "Opt-out honoured", "No personal data")]
    )
    expect(passed.nth(6).locator("li").first).to_have_text(
        "Licence allowed: 0 of 300 violate: at most 1.0% (95% upper bound)"
    )
    expect(passed.nth(7)).to_have_text("plausible")

    beta_rows = samples.locator("tbody tr", has_text="Beta crawl")
    expect(beta_rows).to_have_count(2)
    overdue, failed = beta_rows.nth(0).locator("td"), beta_rows.nth(1).locator("td")
    expect(overdue.nth(3)).to_have_text("50")
    expect(overdue.nth(5)).to_have_text("overdue")
    expect(overdue.nth(6)).to_have_text("not revealed yet")
    expect(overdue.nth(7)).to_have_text("—")
    expect(failed.nth(5)).to_have_text("failed")
    expect(failed.nth(6).locator("li")).to_have_text(
        [
            _finding("Licence allowed", 0, 100),
            _finding("Opt-out honoured", world.beta_violations, 100),
            _finding("No personal data", 0, 100),
        ]
    )
    expect(failed.nth(7)).to_have_text("implausible")


def test_a_supervisor_sees_each_runs_figures_and_plausibility(page: Page, world: Seeded) -> None:
    _open(page, world, "supervisor")
    runs = page.get_by_role("table", name="Training runs declared, newest first (2)")
    expect(runs.locator("th")).to_have_text(
        [
            "Model",
            "Declared",
            "Hardware",
            "Period",
            "Precision",
            "Implied compute",
            "Passport's compute",
            "Plausibility",
        ]
    )
    for name, verdict in (("Frontier Alpha", "plausible"), ("Frontier Beta", "implausible")):
        run = world.runs[name]
        assert run.plausibility is not None and run.chips is not None
        cells = _row(runs, name)
        chip = run.chips[0]
        expect(cells.nth(2)).to_contain_text(
            f"{units.count(chip.quantity)} × {CHIP}, {units.count(chip.chip_hours)} chip-hours"
        )
        expect(cells.nth(2)).to_contain_text(f"Paris-2, {VENDOR}")
        expect(cells.nth(3)).to_have_text(f"{run.started_on} to {run.ended_on}")
        expect(cells.nth(4)).to_have_text("bf16, 40% utilisation")
        expect(cells.nth(5)).to_have_text(
            f"{units.flop(run.plausibility.implied_flop)}"
            f"plausible {units.scientific(run.plausibility.lower)} to {units.flop(run.plausibility.upper)}"
        )
        expect(cells.nth(6)).to_have_text(units.flop(run.plausibility.declared_flop))
        expect(cells.nth(7).locator(".badge")).to_have_text(verdict)
        expect(cells.nth(7).locator("li")).to_have_text(list(run.plausibility.reasons))
    expect(_row(runs, "Frontier Alpha").nth(5)).to_contain_text("3 × 10^24 FLOP")
    expect(page.locator("#runs-withheld")).to_have_count(0)


def test_the_public_sees_that_runs_were_declared_but_not_their_figures(page: Page, world: Seeded) -> None:
    responses = received(page)
    _open(page, world, "public")
    runs = page.get_by_role("table", name="Training runs declared, newest first (2)")
    expect(runs.locator("th")).to_have_text(["Model", "Declared"])
    expect(runs.locator("tbody tr td:first-child")).to_have_text(["Frontier Beta", "Frontier Alpha"])
    expect(page.locator("#runs-withheld")).to_contain_text("shown to its provider and supervisors only")
    alpha = world.runs["Frontier Alpha"].plausibility
    assert alpha is not None
    for figure in (units.flop(alpha.implied_flop), CHIP, "Paris-2"):
        expect(page.locator("main")).not_to_contain_text(figure)
    assert CHIP not in bodies(responses)
    # A reconciliation is the two parties' and supervisors' business: not asked for, not shown.
    expect(page.get_by_role("heading", name="Reconciliations")).to_have_count(0)
    assert not [r for r in responses if "/reconciliations" in r.url]


def test_reconciliations_show_the_parties_their_status_and_supervisors_the_gap(
    page: Page, world: Seeded
) -> None:
    _open(page, world, "supervisor")
    table = page.get_by_role("table", name="Reconciliations, newest first (1)")
    cells = _row(table, PROVIDER)
    expect(cells.nth(1)).to_have_text(VENDOR)
    expect(cells.nth(3)).to_have_text("10%")
    expect(cells.nth(4)).to_have_text("sold exceeds declared")
    declared = sum(chip.chip_hours for run in world.runs.values() for chip in run.chips or ())
    sold = world.sold
    expect(cells.nth(5)).to_have_text(units.count(declared))
    expect(cells.nth(6)).to_have_text(units.count(sold))
    expect(cells.nth(7)).to_have_text(units.percent((declared - sold) / sold))
    assert (declared - sold) / sold < 0  # written with its minus sign

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, world.site, "provider")
    visit(page, f"{world.site.url}/#/provenance", "provenance")
    table = page.get_by_role("table", name="Reconciliations, newest first (1)")
    expect(table.locator("th")).to_have_text(
        ["Developer", "Compute vendor", "Period", "Tolerance", "Status", "Reconciled"]
    )
    expect(_row(table, PROVIDER).nth(4)).to_have_text("sold exceeds declared")
    # The provider sees its own runs' figures.
    runs = page.get_by_role("table", name="Training runs declared, newest first (2)")
    expect(_row(runs, "Frontier Beta").nth(7).locator(".badge")).to_have_text("implausible")


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_passport_page_has_a_data_and_compute_provenance_section(
    page: Page, world: Seeded, role: str
) -> None:
    _open(page, world, role, f"models/{world.models['Frontier Beta']}")
    expect(page.get_by_role("heading", name="Data and compute provenance")).to_be_visible()
    commitments = page.get_by_role("table", name="Dataset commitments of this model (1)")
    cells = _row(commitments, "Beta crawl")
    expect(cells.nth(1)).to_have_text("500")
    expect(cells.nth(3)).to_have_text(f"failed {minute(world.audited['Frontier Beta'])}1 sample overdue")
    expect(cells.nth(4).locator("li").nth(1)).to_have_text(
        _finding("Opt-out honoured", world.beta_violations, 100)
    )
    expect(cells.nth(5)).to_have_text("implausible")
    runs = page.get_by_role("table", name="Training runs declared for this model (1)")
    if role == "supervisor":
        expect(runs.locator("th")).to_have_text(["Declared", "Implied compute", "Plausibility"])
        expect(runs.locator("tbody td").nth(2)).to_have_text("implausible")
    else:
        expect(runs.locator("th")).to_have_text(["Declared"])
        expect(page.locator("main")).to_contain_text(
            "A run's figures and plausibility are shown to its provider"
        )
    shoot(page, f"{role}-passport-provenance")
    page.get_by_role("link", name="All provenance audits and private aggregates").click()
    expect(page.locator('#main[data-route="provenance"] h1')).to_have_text("Provenance")


def test_with_nothing_filed_the_page_says_what_would_appear(page: Page, site: Site) -> None:
    visit(page, f"{site.url}/portal#/provenance", "provenance")
    main = page.locator("main")
    expect(main).to_contain_text("No aggregate has been published yet.")
    expect(main).to_contain_text("No dataset commitment is filed yet.")
    expect(main).to_contain_text("No training run is declared yet.")
    expect(page.locator("#tile-epsilon .figure")).to_have_text("not set")
    expect(main.locator("table")).to_have_count(0)


@pytest.mark.parametrize("role", ["public", "supervisor"])
def test_the_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    phone: Page, world: Seeded, role: str
) -> None:
    _open(phone, world, role)
    shoot(phone, f"{role}-provenance-seeded-phone")
    assert phone.evaluate(WIDER_THAN_THE_PAGE) == []
    found = Axe().run(phone).response["violations"]
    assert [(v["id"], v["help"]) for v in found if v["impact"] in {"serious", "critical"}] == []
