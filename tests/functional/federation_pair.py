"""Two installations in one process, each behind its own app, that reach each other through a
transport routing by URL: federation's exchanges without sockets."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from custos.access.model import Principal
from custos.access.service import operator
from custos.api import create_app
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.federation.model import PeerRecognised
from custos.federation.service import FederationService
from custos.federation.sync import Reply, Sender
from custos.federation.views import PeerView
from custos.installation import composition, create_installation
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store


class Routed:
    """A transport that posts to whichever test client serves the URL's base."""

    def __init__(self, clients: Mapping[str, TestClient]) -> None:
        self.clients = clients
        self.down: set[str] = set()

    def post(self, url: str, content: str, media_type: str) -> Reply:
        for base, client in self.clients.items():
            if url.startswith(base):
                if base in self.down:
                    raise httpx.ConnectError(f"{base} is down")
                response = client.post(
                    url[len(base) :], content=content.encode(), headers={"Content-Type": media_type}
                )
                return Reply(
                    response.status_code,
                    response.headers.get("content-type", "").split(";")[0],
                    response.text,
                )
        raise AssertionError(f"no installation at {url}")

    def fetch(self, url: str) -> tuple[int, str]:
        """GET from whichever test client serves the URL's base: a peer's public API."""
        for base, client in self.clients.items():
            if url.startswith(base):
                response = client.get(url[len(base) :])
                return response.status_code, response.text
        raise AssertionError(f"no installation at {url}")


@dataclass
class Node:
    name: str
    url: str
    store: Store
    client: TestClient
    sender: Sender

    @property
    def by(self) -> Principal:
        return operator(self.store)

    @property
    def federation(self) -> FederationService:
        return FederationService(self.store)

    def recognise(
        self, other: Node, kinds: tuple[str, ...] = ("licence.suspended",), **scope: object
    ) -> PeerView:
        identity = other.federation.identity()
        terms = PeerRecognised.model_validate(
            {
                "name": other.name,
                "origin": identity.origin,
                "log_key": identity.log_key,
                "witness_key": identity.witness_key,
                "url": other.url,
                "scope": {"kinds": list(kinds), **scope},
            }
        )
        return self.federation.recognise(terms, by=self.by)


_TEMPLATES: dict[str, Path] = {}


def _settings(home: Path) -> Settings:
    return Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}")


def _fresh(name: str, home: Path, clock: FixedClock) -> Store:
    """A fresh installation named ``name`` in ``home``: a copy of one made once per session
    (making one runs every migration, most of a test's time)."""
    if name not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix=f"custos-{name}-")) / "home"
        create_installation(
            _settings(template),
            origin=f"{name}.example/log",
            authority=f"{name} authority",
            jurisdiction_code="EU",
            clock=clock,
        ).close()
        _TEMPLATES[name] = template
    shutil.copytree(_TEMPLATES[name], home)
    return Store.open(_settings(home), composition, clock=clock)


@contextmanager
def installations(root: Path, clock: FixedClock, *names: str) -> Iterator[dict[str, Node]]:
    """Fresh installations named ``names`` (each its own origin ``<name>.example/log``)."""
    with ExitStack() as stack:
        clients: dict[str, TestClient] = {}
        transport = Routed(clients)
        nodes = {}
        for name in names:
            store = _fresh(name, root / name, clock)
            stack.callback(store.close)
            client = stack.enter_context(
                TestClient(
                    create_app(store, checkpoint_interval=None, federation_interval=None),
                    raise_server_exceptions=False,
                )
            )
            url = f"http://{name}.example"
            clients[url] = client
            nodes[name] = Node(name, url, store, client, Sender(store, transport))
        yield nodes


def granted_licence(store: Store) -> str:
    """Register a provider and a model at ``store``'s installation and grant the model a licence
    in the EU; the licence's id (a supervisor's suspension of it is a shareable filing)."""
    registry, licensing, by = RegistryService(store), LicensingService(store), operator(store)
    provider = registry.register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Provider SA", "jurisdiction": "FR", "country": "FR", "kinds": ["model_provider"]}
        ),
        by=by,
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "M", "provider_id": provider.id}), by=by
    )
    application = {"applicant_id": provider.id, "model_id": model.id, "scope": {"jurisdictions": ["EU"]}}
    licence = licensing.apply(LicenceApplication.model_validate({**application, "term_months": 12}), by=by)
    licensing.decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
    return licence.id
