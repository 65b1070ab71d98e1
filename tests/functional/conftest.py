"""An API client over a fresh SQLite installation with one actor, and token, of every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from custos.access import ACTOR_ROLES, OPERATOR_ID, AccessService, Principal, Role
from custos.api import create_app
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.store import Store, initialise_installation

OPERATOR = Principal(OPERATOR_ID, "operator", Role.SUPERVISOR, None, None)


@dataclass
class Api:
    client: TestClient
    store: Store
    tokens: dict[Role, str]
    actors: dict[Role, dict[str, str]]
    organisations: dict[str, dict[str, str]]

    def headers(self, role: Role) -> dict[str, str]:
        return {} if role is Role.PUBLIC else {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def api(sqlite_settings: Settings, clock: FixedClock) -> Iterator[Api]:
    store = initialise_installation(sqlite_settings, "test.custos/log", clock=clock)
    access = AccessService(store)
    organisations = {
        "authority": access.register_organisation("Authority", "EU", by=OPERATOR),
        "provider": access.register_organisation("Provider SA", "FR", by=OPERATOR),
        "other": access.register_organisation("Other Corp", "DE", by=OPERATOR),
    }
    actors, tokens = {}, {}
    for role in ACTOR_ROLES:
        org = organisations["authority" if role is Role.SUPERVISOR else "provider"]
        actors[role] = access.add_actor(f"{role.value} person", role, org["id"], by=OPERATOR)
        tokens[role] = access.issue_token(actors[role]["id"])
    store.publish_checkpoint()
    with TestClient(create_app(store, checkpoint_interval=None), raise_server_exceptions=False) as client:
        yield Api(client, store, tokens, actors, organisations)
    store.close()
