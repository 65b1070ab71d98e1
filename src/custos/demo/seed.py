"""Seed a demonstration installation: the real registry, the synthetic world, a stress test.

Each step is idempotent only as a whole: the demo seeds a fresh installation once.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from custos.access.model import Principal, Role
from custos.access.service import AccessService
from custos.core import units
from custos.demo.world import MODELS_IN_USE, SEED, World, generate
from custos.passports.epoch import ATTRIBUTION
from custos.passports.model import Money
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.importers import import_shipped
from custos.registry.model import (
    AnnexIIIUse,
    DeploymentRegistration,
    OrganisationKind,
    OrganisationRegistered,
    Sector,
)
from custos.registry.service import RegistryService
from custos.risk import RiskService, compute_by_owner
from custos.risk.requests import RunRequest
from custos.risk.views import RunStatus
from custos.store import Store
from custos.store import registry_views as rv
from custos.store import subject_views as sv

Say = Callable[[str], None]
USABLE = (
    "api",
    "hosted",
    "open_weights_unrestricted",
    "open_weights_restricted",
    "open_weights_non_commercial",
)
NETWORK = "demo"
#: The provider whose compliance officer the demo signs in as (a provider in Epoch AI's table).
PROVIDER = "OpenAI"

SCENARIO = """\
# The largest compute owner is down, other hosts and models fail at random and together.
name: Largest compute provider down, correlated failures
description: >
  Google's compute is unavailable for the horizon; other compute providers and the models in use
  fail at random, more often together when they share hosts or developers (Student-t copula);
  asset prices move, banks' books further when Microsoft's compute fails; losses spread through
  interbank claims with Rogers–Veraart default costs, and institutions that lose sell into falling
  markets (fire sales).
network: demo
draws: 10000
seed: 20261128
outages:
  - {provider: Google, loss_rate: 0.2}
correlated_failures:
  copula: student-t
  degrees_of_freedom: 4
  base_correlation: 0.1
  dependency_correlation: 0.5
  providers: {probability: 0.02, loss_rate: 0.2}
  models: {probability: 0.01, loss_rate: 0.3}
asset_shocks:
  - {sector: all, mean: -0.01, volatility: 0.02}
  - {sector: banking, mean: -0.05, volatility: 0.02, on_failure_of: [Microsoft]}
fire_sales:  # in EUR: selling 20 bn of credit lowers its price 5%
  asset_classes:
    - {name: credit, market_depth: 20000000000, price_impact: 0.05, shares: {banking: 0.4, all: 0.1}}
    - {name: equities, market_depth: 10000000000, price_impact: 0.05, shares: {all: 0.2}}
contagion: {model: rogers-veraart, alpha: 0.9, beta: 0.95}
buffers: {capital_level: 0.99, insurance_capacity: 500000000}
"""


def seed_registry(store: Store, by: Principal, say: Say) -> None:
    """Epoch AI's models as passports, and the built-in policy packs."""
    report = import_shipped(RegistryService(store), "epoch", by=by)
    flagged = sum(report.flagged.values())
    say(
        f"Imported {units.count(report.imported_models)} models and "
        f"{units.count(report.organisations_created)} organisations from {ATTRIBUTION}; "
        f"{units.count(flagged)} data-quality flag(s) recorded on the passports."
    )
    policy = PolicyService(store)
    for path in sorted(BUILTIN.glob("*.yaml")):
        policy.load(path.read_text(encoding="utf-8"), origin=path.name, by=by)


def registered_organisation(
    registry: RegistryService, by: Principal, name: str, country: str | None, kind: str
) -> str:
    """The organisation of that name, registered with that kind if it is not yet."""
    with registry.store.read() as conn:
        existing = rv.organisations_named(conn, [name])
    if name in existing:
        return existing[name]
    registration = OrganisationRegistered(
        name=name, kinds=(OrganisationKind(kind),), jurisdiction=country, country=country
    )
    return registry.register_organisation(registration, by=by).id


def seed_world(store: Store, by: Principal, say: Say) -> World:
    """The synthetic institutions, firms, hosts and deployments, and the financial layer's files."""
    registry = RegistryService(store)
    with store.read() as conn:
        models = rv.largest_models(conn, USABLE, MODELS_IN_USE)
    world = generate(models, compute_by_owner())
    ids = {
        host: registered_organisation(registry, by, host, None, OrganisationKind.COMPUTE_PROVIDER.value)
        for host in world.hosts
    }
    for institution in world.institutions:
        ids[institution.name] = registered_organisation(
            registry, by, institution.name, institution.country, OrganisationKind.FINANCIAL_INSTITUTION.value
        )
    for name, country in world.firms:
        ids[name] = registered_organisation(registry, by, name, country, OrganisationKind.DEPLOYER.value)
    financial = {institution.name for institution in world.institutions}
    for deployment in world.deployments:
        registry.register_deployment(
            DeploymentRegistration(
                name=deployment.name,
                deployer_id=ids[deployment.deployer],
                model_id=deployment.model_id,
                jurisdictions=(deployment.country,),
                sector=Sector.FINANCE if deployment.deployer in financial else Sector.OTHER,
                decision_critical=deployment.decision_critical,
                economic_exposure=Money(amount=Decimal(f"{deployment.exposure:.2f}"), currency="EUR"),
                hosting_provider_id=ids[deployment.host],
                fallback_hosting_provider_ids=(ids[deployment.fallback_host],)
                if deployment.fallback_host
                else (),
                fallback_model_ids=(deployment.fallback_model_id,) if deployment.fallback_model_id else (),
                annex_iii_uses=tuple(AnnexIIIUse(use) for use in deployment.annex_iii_uses),
            ),
            by=by,
        )
    write_financial_layer(store.settings.home / "networks" / NETWORK, world)
    say(
        f"Added {len(world.institutions)} financial institutions, {len(world.firms)} firms and "
        f"{len(world.deployments)} deployments (synthetic, seed {SEED}); "
        "hosts in proportion to Epoch AI's chip counts."
    )
    return world


def write_financial_layer(directory: Path, world: World) -> None:
    """The institutions and their claims as a network directory, with the demo's scenario."""
    (directory / "scenarios").mkdir(parents=True, exist_ok=True)
    (directory / "manifest.yaml").write_text(
        "# Synthetic financial layer of the demonstration (custos.demo.world), joined to the registry.\n"
        "name: demo financial layer\ncurrency: EUR\n"
        "institutions: institutions.csv\nliabilities: liabilities.csv\n",
        encoding="utf-8",
    )
    with (directory / "institutions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "sector", "external_assets", "external_liabilities"])
        for i in world.institutions:
            writer.writerow(
                [i.name, i.name, i.sector, f"{i.external_assets:.2f}", f"{i.external_liabilities:.2f}"]
            )
    with (directory / "liabilities.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["debtor", "creditor", "amount"])
        writer.writerows(
            [debtor, creditor, f"{amount:.2f}"] for debtor, creditor, amount in world.liabilities
        )
    (directory / "scenarios" / "largest-provider-down.yaml").write_text(SCENARIO, encoding="utf-8")


def run_stress_test(store: Store, by: Principal) -> RunStatus:
    service = RiskService(store)
    request = RunRequest(scenario=SCENARIO, network=NETWORK)
    submission = service.submit(request, by=by, origin="largest-provider-down.yaml")
    return service.execute(submission, by=by)


def issue_tokens(store: Store, by: Principal, world: World) -> dict[str, str]:
    """A token for a supervisor, a model provider and a deployer (an institution of the world)."""
    access, registry = AccessService(store), RegistryService(store)
    provider = registered_organisation(registry, by, PROVIDER, None, OrganisationKind.MODEL_PROVIDER.value)
    deployer = registered_organisation(
        registry, by, world.institutions[0].name, None, OrganisationKind.FINANCIAL_INSTITUTION.value
    )
    actors = (
        ("supervisor", "Supervisor on duty", Role.SUPERVISOR, by.organisation_id or ""),
        ("provider", "Provider compliance officer (OpenAI)", Role.PROVIDER, provider),
        ("deployer", f"Risk officer ({world.institutions[0].name})", Role.DEPLOYER, deployer),
    )
    tokens = {}
    for key, name, role, organisation in actors:
        actor = access.add_actor(name, role, organisation, by=by)
        tokens[key] = access.issue_token(actor.id)
    return tokens


def largest_model(store: Store, by: Principal) -> str:
    """The demo provider's model with the most training compute."""
    provider = registered_organisation(
        RegistryService(store), by, PROVIDER, None, OrganisationKind.MODEL_PROVIDER.value
    )
    with store.read() as conn:
        largest: str = max(
            sv.models_of(conn, [provider]), key=lambda m: (rv.model(conn, m) or {}).get("training_flop") or 0
        )
    return largest
