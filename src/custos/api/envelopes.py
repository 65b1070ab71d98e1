"""What the API wraps records in: a page of a list. Pydantic only, so the client shares it.

The pages are the registry's own read models (the service returns them); they are named here too,
where the API's readers have always found them."""

from __future__ import annotations

from custos.registry.views import DeploymentPage, ModelPage, OrganisationPage, Page

__all__ = ["DeploymentPage", "ModelPage", "OrganisationPage", "Page"]
