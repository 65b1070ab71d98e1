"""The registry of organisations, models, passports and deployments: the system of record.

The package's own namespace holds only its payload vocabulary, so a program that files with
these models (the Python client, a provider's tooling) loads no store. The service is
``custos.registry.service``; what the package adds to an installation is its ``contribution``.
"""

from custos.registry.model import Accessibility, Lineage, OrganisationKind, Sector

__all__ = ["Accessibility", "Lineage", "OrganisationKind", "Sector"]
