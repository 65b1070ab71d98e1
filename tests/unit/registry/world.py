"""A small registry on an embedded SQLite installation, shared by the registry, oversight and
decision-point unit tests.

The installation is made the way an operator makes one (``create_installation``), so its
authority, its log and its composition are the real ones. It is made once per test process,
with its parties registered, and each test opens a copy of its files (making one costs a
quarter of a second, copying it a few milliseconds). The helpers name the parties the tests
talk about and count what the log holds, so a test can say "nothing was stored".
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from custos.access.model import Principal, Role
from custos.access.service import operator
from custos.core.clock import Clock, FixedClock
from custos.core.settings import Settings
from custos.installation import composition, create_installation
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store, ledger_sql
from tests.conftest import TEST_NOW

#: The authority of every test installation sits in the EU.
AUTHORITY_JURISDICTION = "EU"


def log_size(store: Store) -> int:
    """How many entries the log holds: every filing adds one, a refusal adds none."""
    with store.read() as conn:
        return ledger_sql.tree_size(conn)


def acting(role: Role, organisation: str, jurisdiction: str = "FR", name: str | None = None) -> Principal:
    """An actor of ``organisation`` with ``role`` (its id derived from both, so it is stable)."""
    actor = name or f"{role.value}-of-{organisation}"
    return Principal(actor, actor, role, organisation, jurisdiction)


@dataclass(frozen=True)
class Parties:
    """A provider with one model, a deployer, a rival firm, and the supervisor who registered them."""

    supervisor: Principal
    provider: str
    deployer: str
    rival: str
    model: str

    @property
    def provider_actor(self) -> Principal:
        return acting(Role.PROVIDER, self.provider, "FR")

    @property
    def deployer_actor(self) -> Principal:
        return acting(Role.DEPLOYER, self.deployer, "DE")

    @property
    def rival_actor(self) -> Principal:
        return acting(Role.DEPLOYER, self.rival, "IT")


def _register(store: Store) -> Parties:
    """A French provider with a model, a German deployer and an Italian rival."""
    supervisor = operator(store)
    registry = RegistryService(store)
    provider = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Lab SA", "jurisdiction": "FR", "country": "FR", "kinds": ["model_provider"]}
        ),
        by=supervisor,
    )
    deployer = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Bank AG", "jurisdiction": "DE", "country": "DE", "kinds": ["deployer"]}
        ),
        by=supervisor,
    )
    rival = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Rival SpA", "jurisdiction": "IT", "country": "IT", "kinds": ["deployer"]}
        ),
        by=supervisor,
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Frontier", "provider_id": provider.id}), by=supervisor
    )
    return Parties(supervisor, provider.id, deployer.id, rival.id, model.id)


def _settings(root: Path) -> Settings:
    return Settings(home=root / "home", database_url=f"sqlite:///{root / 'custos.db'}")


@cache
def _template() -> tuple[Settings, Parties]:
    """The installation every test copies: made on first use, removed when the process ends."""
    root = Path(tempfile.mkdtemp(prefix="custos-unit-template-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    settings = _settings(root)
    store = create_installation(
        settings,
        origin="unit.custos/log",
        authority="Test Authority",
        jurisdiction_code=AUTHORITY_JURISDICTION,
        clock=FixedClock(TEST_NOW),
    )
    try:
        return settings, _register(store)
    finally:
        store.close()


def installation(settings: Settings, clock: Clock) -> tuple[Store, Parties]:
    """A copy of the template installation at ``settings`` (an embedded SQLite file), on ``clock``."""
    template, registered = _template()
    shutil.copytree(template.home, settings.home)
    source = Path(template.database_url.removeprefix("sqlite:///"))
    target = Path(settings.database_url.removeprefix("sqlite:///"))
    for database in source.parent.glob(f"{source.name}*"):  # with any write-ahead log left
        shutil.copy2(database, target.with_name(target.name + database.name.removeprefix(source.name)))
    return Store.open(settings, composition, clock=clock), registered


def throwaway(clock: Clock | None = None) -> tuple[Store, Parties]:
    """A copy in a fresh temporary directory, for tests that cannot take fixtures (hypothesis
    runs that need one installation for all their examples); the caller closes it."""
    root = Path(tempfile.mkdtemp(prefix="custos-unit-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return installation(_settings(root), clock or FixedClock(TEST_NOW))


@pytest.fixture
def installed(sqlite_settings: Settings, clock: FixedClock) -> Iterator[tuple[Store, Parties]]:
    """A copy of the parties' installation, closed after the test."""
    store, registered = installation(sqlite_settings, clock)
    yield store, registered
    store.close()


@pytest.fixture
def store(installed: tuple[Store, Parties]) -> Store:
    """The parties' store (on SQLite only, unlike the root fixture of the same name)."""
    return installed[0]


@pytest.fixture
def world(installed: tuple[Store, Parties]) -> Parties:
    return installed[1]
