"""Organisations a store test registers before it files what it is about: French, registered by
the supervisor, named so the test reads like its worked example."""

from __future__ import annotations

from collections.abc import Iterable

from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.store.test_registry import SUPERVISOR


def registered(store: Store, names: Iterable[str]) -> dict[str, str]:
    """Each name's organisation, registered in France by the supervisor: name -> id."""
    registry = RegistryService(store)
    return {
        name: registry.register_organisation(
            OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR", "country": "FR"}),
            by=SUPERVISOR,
        ).id
        for name in names
    }
