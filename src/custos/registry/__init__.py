"""The registry of organisations, models, passports and deployments: the system of record."""

from custos.registry.model import (
    Accessibility,
    Lineage,
    OrganisationKind,
    Sector,
)
from custos.registry.service import RegistryService
from custos.store.registry_views import DeploymentQuery, ModelQuery, OrganisationQuery, PageRequest

__all__ = [
    "Accessibility",
    "DeploymentQuery",
    "Lineage",
    "ModelQuery",
    "OrganisationKind",
    "OrganisationQuery",
    "PageRequest",
    "RegistryService",
    "Sector",
]
