"""A fresh installation holding one provider, one model and its licence application."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from custos.licensing.model import LicenceApplication
from custos.licensing.service import LicensingService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.installations import sqlite_installation
from tests.store.test_registry import SUPERVISOR


@dataclass
class World:
    store: Store
    licensing: LicensingService
    provider: str
    model: str
    licence: str


def applied_licence() -> World:
    """Stateful machines cannot take fixtures, so each example builds its own installation."""
    home = Path(tempfile.mkdtemp())
    store = sqlite_installation(home)
    registry = RegistryService(store)
    org = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Lab", "jurisdiction": "FR"}), by=SUPERVISOR
    )
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "M", "provider_id": org.id}), by=SUPERVISOR
    )
    licensing = LicensingService(store)
    application = LicenceApplication.model_validate(
        {"applicant_id": org.id, "model_id": model.id, "scope": {"jurisdictions": ["FR"]}, "term_months": 6}
    )
    licence = licensing.apply(application, by=SUPERVISOR)
    return World(store, licensing, org.id, model.id, licence.id)
