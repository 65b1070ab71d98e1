"""An API client over a fresh SQLite installation with one actor, and token, of every role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from custos.access.model import ACTOR_ROLES, Role
from custos.access.service import AccessService, operator
from custos.api import create_app
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.installation import composition, create_installation
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.passports.model import Passport
from custos.policy.service import PolicyService
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store.policy_views import ObligationQuery
from tests.conftest import TEST_NOW
from tests.unit.policy.test_pack import GOOD


@dataclass
class Api:
    client: TestClient
    store: Store
    tokens: dict[Role, str]
    actors: dict[Role, dict[str, str]]
    organisations: dict[str, dict[str, str]]
    samples: dict[str, str]

    def headers(self, role: Role) -> dict[str, str]:
        return {} if role is Role.PUBLIC else {"Authorization": f"Bearer {self.tokens[role]}"}


@dataclass
class Seeded:
    """What an installation seeded for the API tests holds, beside its files."""

    tokens: dict[Role, str]
    actors: dict[Role, dict[str, str]]
    organisations: dict[str, dict[str, str]]
    samples: dict[str, str]


def _seed(sqlite_settings: Settings, clock: FixedClock) -> Seeded:
    store = create_installation(
        sqlite_settings, origin="test.custos/log", authority="Authority", jurisdiction_code="EU", clock=clock
    )
    access, registry, by = AccessService(store), RegistryService(store), operator(store)
    organisations = {
        "authority": registry.organisation(by, by.organisation_id or "").model_dump(
            mode="json", exclude_unset=True
        ),
        "provider": registry.register_organisation(
            OrganisationRegistered.model_validate(
                {"name": "Provider SA", "jurisdiction": "FR", "country": "FR", "kinds": ["model_provider"]}
            ),
            by=by,
        ).model_dump(mode="json", exclude_unset=True),
        "other": registry.register_organisation(
            OrganisationRegistered.model_validate(
                {"name": "Other Corp", "jurisdiction": "DE", "country": "DE", "kinds": ["deployer"]}
            ),
            by=by,
        ).model_dump(mode="json", exclude_unset=True),
    }
    actors, tokens = {}, {}
    for role in ACTOR_ROLES:
        org = organisations["authority" if role is Role.SUPERVISOR else "provider"]
        actors[role] = access.add_actor(f"{role.value} person", role, org["id"], by=by).model_dump(
            mode="json"
        )
        tokens[role] = access.issue_token(actors[role]["id"])
    model = registry.register_model(
        ModelRegistration.model_validate(
            {"name": "Sample model", "provider_id": organisations["provider"]["id"]}
        ),
        by=by,
    )
    passport = registry.file_passport(
        model.id,
        Passport.model_validate(
            {
                "provenance": {"source": "manual"},
                "compute": {"training_flop": 3e25},
                "description": "A sample",
            }
        ),
        by=by,
    )
    deployment = registry.register_deployment(
        DeploymentRegistration.model_validate(
            {
                "name": "Sample deployment",
                "deployer_id": organisations["provider"]["id"],
                "model_id": model.id,
                "jurisdictions": ["FR"],
                "sector": "finance",
                "economic_exposure": {"amount": "1000000", "currency": "EUR"},
            }
        ),
        by=by,
    )
    PolicyService(store).load(GOOD, origin="test-pack.yaml", by=by)
    (obligation,) = PolicyService(store).obligations(by, ObligationQuery(pack="test-pack"))
    licence = LicensingService(store).apply(
        LicenceApplication.model_validate(
            {
                "applicant_id": organisations["provider"]["id"],
                "model_id": model.id,
                "scope": {"jurisdictions": ["EU"], "sectors": ["finance"]},
                "term_months": 12,
            }
        ),
        by=by,
    )
    LicensingService(store).decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
    store.publish_checkpoint()
    samples = {
        "model": model.id,
        "deployment": deployment.id,
        "obligation": obligation.id,
        "passport_filing": passport.filing_id,
        "licence": licence.id,
    }
    store.close()
    return Seeded(tokens, actors, organisations, samples)


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Seeded]:
    """One seeded installation for the session; each test gets a copy of its files (seeding it
    afresh for each of several hundred tests was most of their time)."""
    root = tmp_path_factory.mktemp("api-template")
    settings = Settings(home=root / "home", database_url=f"sqlite:///{root / 'custos.db'}")
    return settings, _seed(settings, FixedClock(TEST_NOW))


@pytest.fixture
def api(sqlite_settings: Settings, clock: FixedClock, seeded: tuple[Settings, Seeded]) -> Iterator[Api]:
    template, state = seeded
    shutil.copytree(template.home, sqlite_settings.home)
    for database in template.home.parent.glob("custos.db*"):  # with any write-ahead log left
        shutil.copy2(database, sqlite_settings.home.parent / database.name)
    store = Store.open(sqlite_settings, composition, clock=clock)
    tokens, actors, organisations, samples = state.tokens, state.actors, state.organisations, state.samples
    with TestClient(create_app(store, checkpoint_interval=None), raise_server_exceptions=False) as client:
        yield Api(client, store, tokens, actors, organisations, samples)
    store.close()
