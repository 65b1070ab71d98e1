"""What the page tests seed through the services: an installation of their own on a fixed clock,
and organisations registered by its operator."""

from __future__ import annotations

from pathlib import Path

from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.settings import Settings
from custos.installation import create_installation
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store


def installation(root: Path, origin: str, clock: FixedClock) -> Store:
    """A fresh installation under ``root/home``, its authority the European AI Office."""
    home = root / "home"
    return create_installation(
        Settings(home=home, database_url=f"sqlite:///{home / 'custos.db'}"),
        origin=origin,
        authority="European AI Office",
        jurisdiction_code="EU",
        clock=clock,
    )


def organisation(registry: RegistryService, store: Store, name: str, kind: str) -> str:
    """A French organisation of one kind, registered by the operator."""
    terms = {"name": name, "jurisdiction": "FR", "country": "FR", "kinds": [kind]}
    return registry.register_organisation(OrganisationRegistered.model_validate(terms), by=operator(store)).id
