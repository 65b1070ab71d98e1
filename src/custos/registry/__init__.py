"""The registry of organisations, models, passports and deployments: the system of record."""

from custos.registry.model import (
    Accessibility,
    Lineage,
    OrganisationKind,
    Sector,
)
from custos.registry.service import RegistryService

__all__ = ["Accessibility", "Lineage", "OrganisationKind", "RegistryService", "Sector"]
