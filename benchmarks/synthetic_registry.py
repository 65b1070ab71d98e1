"""A large synthetic registry, filed through the real write path, for the query benchmarks.

Deterministic (fixed seed). Building it files every organisation, model, passport and
deployment through the log, which takes minutes, so a built registry is kept under
benchmarks/.work and reused while its parameters are unchanged.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

from rich.progress import Progress

from benchmarks.common import WORK
from custos.access.service import operator
from custos.core.settings import Settings
from custos.filings import Visibility
from custos.installation import composition, create_installation
from custos.passports.model import Passport
from custos.registry.model import (
    DEPLOYMENT_REGISTERED,
    MODEL_REGISTERED,
    ORGANISATION_REGISTERED,
    PASSPORT_FILED,
    DeploymentRegistered,
    ModelRegistered,
    OrganisationRegistered,
    Sector,
)
from custos.registry.service import RegistryService
from custos.store import Store, migrate

COUNTRIES = ["US", "CN", "GB", "FR", "DE", "CA", "JP", "KR", "IN", "IL", "CH", "NL", "SE", "SG", "AE"]
ACCESS = ["api", "open_weights_unrestricted", "open_weights_restricted", "hosted", "unreleased", "unknown"]
WORDS = [
    "atlas",
    "borealis",
    "cobalt",
    "delta",
    "ember",
    "falcon",
    "granite",
    "harbor",
    "iris",
    "juniper",
    "kestrel",
    "lumen",
    "meridian",
    "nova",
    "onyx",
    "prism",
    "quartz",
    "raven",
    "sierra",
    "tundra",
]
BATCH = 5000


def build(models: int, deployments: int, seed: int = 20261128) -> Settings:
    home = WORK / f"registry-{models}-{deployments}"
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}")
    marker = home / "built.json"
    if marker.exists():
        store = Store(settings, composition)  # a registry built by an older schema is upgraded,
        try:  # and its views rebuilt, as `custos db upgrade` does
            before = migrate.current_revision(store.engine)
            migrate.upgrade(store.engine)
            if migrate.current_revision(store.engine) != before:
                store.replay()
        finally:
            store.close()
        return settings
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    store = create_installation(
        settings, origin="bench/registry", authority="Authority", jurisdiction_code="EU"
    )
    started = time.perf_counter()
    try:
        _fill(store, models, deployments, random.Random(seed))
    finally:
        store.close()
    marker.write_text(
        json.dumps(
            {"models": models, "deployments": deployments, "seconds": round(time.perf_counter() - started, 1)}
        )
    )
    return settings


def _fill(store: Store, models: int, deployments: int, chance: random.Random) -> None:
    registry, by = RegistryService(store), operator(store)
    providers = max(10, models // 50)
    deployers = max(10, deployments // 15)
    org_ids: list[str] = []
    with Progress() as progress:
        task = progress.add_task(
            "filing the synthetic registry", total=providers + deployers + 2 * models + deployments
        )

        def file(filings: list) -> None:  # type: ignore[type-arg]
            with store.transaction() as uow:
                uow.file(*filings)
            progress.advance(task, len(filings))

        pending = []
        for index in range(providers + deployers):
            org_id = f"ORG{index:09d}"
            country = chance.choice(COUNTRIES)
            kind = "model_provider" if index < providers else "financial_institution"
            content: dict[str, object] = {
                "name": f"{chance.choice(WORDS).title()} {kind.split('_', maxsplit=1)[0].title()} {index}",
                "country": country,
                "jurisdiction": country,
                "kinds": [kind],
            }
            pending.append(
                registry.new_filing(
                    ORGANISATION_REGISTERED,
                    OrganisationRegistered.model_validate(content),
                    by=by,
                    owner=org_id,
                    subject=org_id,
                )
            )
            org_ids.append(org_id)
            if len(pending) == BATCH:
                file(pending)
                pending = []
        file(pending)
        model_ids = [f"MOD{i:09d}" for i in range(models)]
        pending = []
        for index, model_id in enumerate(model_ids):
            provider = org_ids[chance.randrange(providers)]
            name = f"{chance.choice(WORDS)}-{chance.choice(WORDS)} {index}"
            content = {"name": name, "provider_id": provider, "accessibility": chance.choice(ACCESS)}
            flop = 10 ** chance.uniform(17, 26.5)
            passport = {
                "provenance": {"source": "synthetic"},
                "description": f"Synthetic model {index}",
                "compute": {"training_flop": flop, "confidence": "likely"},
            }
            pending.append(
                registry.new_filing(
                    MODEL_REGISTERED,
                    ModelRegistered.model_validate(content),
                    by=by,
                    owner=provider,
                    subject=model_id,
                )
            )
            pending.append(
                registry.new_filing(
                    PASSPORT_FILED,
                    Passport.model_validate(passport),
                    by=by,
                    owner=provider,
                    subject=model_id,
                    visibility={"compute": Visibility.PUBLIC},
                )
            )
            if len(pending) >= BATCH:
                file(pending)
                pending = []
        file(pending)
        pending = []
        sectors = [s.value for s in Sector]
        for index in range(deployments):
            deployer = org_ids[providers + chance.randrange(deployers)]
            content = {
                "name": f"{chance.choice(WORDS)} service {index}",
                "deployer_id": deployer,
                "model_id": chance.choice(model_ids),
                "jurisdictions": [chance.choice(COUNTRIES)],
                "sector": chance.choice(sectors),
                "decision_critical": chance.random() < 0.2,
                "economic_exposure": {"amount": str(chance.randrange(10**4, 10**9)), "currency": "EUR"},
            }
            pending.append(
                registry.new_filing(
                    DEPLOYMENT_REGISTERED,
                    DeploymentRegistered.model_validate(content),
                    by=by,
                    owner=deployer,
                    subject=f"DEP{index:09d}",
                )
            )
            if len(pending) == BATCH:
                file(pending)
                pending = []
        file(pending)
    store.publish_checkpoint()


def settings_path(settings: Settings) -> Path:
    return settings.home
