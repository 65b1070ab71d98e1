"""What the API wraps records in: a page of a list. Pydantic only, so the client shares it."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from custos.registry.views import DeploymentView, ModelSummary, OrganisationView

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """A page of a list and the cursor of the next one; follow ``next`` until it is null."""

    model_config = ConfigDict(frozen=True)

    items: list[Item]
    next: str | None = Field(description="Cursor of the next page; null on the last one.")
    total: int = Field(description="How many match the filters, counting only values the caller may see.")


class OrganisationPage(Page[OrganisationView]):
    """A page of organisations."""


class ModelPage(Page[ModelSummary]):
    """A page of models."""


class DeploymentPage(Page[DeploymentView]):
    """A page of deployments."""
