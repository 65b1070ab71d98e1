"""Request bodies: each names its filing's payload model, so the OpenAPI document carries the
schema a firm needs to generate a client. Pydantic only (no FastAPI), so the Python client
builds its requests from the same models.

The models a service takes live in its domain package (where a service fills a field the
payload requires, such as the provider of a model or the applicant of a licence, that package
has a request model with the field optional); this module wraps them in the envelopes the routes
read (content with visibility overrides, batches) and adds the examples. Routes hand services
the validated models; services file what their authors set (``custos.filings.sent``).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from custos.api import examples
from custos.filings import Visibility
from custos.licensing.model import LicenceApplication
from custos.licensing.model import LicenceStep as LicenceTerms
from custos.passports.model import Passport
from custos.registry.model import (
    DeploymentRegistration,
    ModelRegistration,
    OrganisationRegistered,
)

Content = TypeVar("Content", bound=BaseModel)

#: The largest batch of decisions one request may ask.
MAX_BATCH = 1000


class Reasoned(BaseModel):
    """A body that only gives the reason for a step (a waiver, an ending, a closing): the reason
    goes on the record with the filing, so it may not be empty."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1)


# --- the registry -----------------------------------------------------------------------------


class Filed(BaseModel, Generic[Content]):
    """A new registry filing: its content, and visibilities that override the defaults per field."""

    model_config = ConfigDict(extra="forbid")
    content: Content
    visibility: dict[str, Visibility] | None = Field(
        None,
        description="Who may read each named top-level field (public, supervisors, owner), "
        "overriding the visibility the payload declares for it.",
    )


class OrganisationFiling(Filed[OrganisationRegistered]):
    """Register an organisation (supervisors)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.ORGANISATION]})


class ModelFiling(Filed[ModelRegistration]):
    """Register a model (its provider, or a supervisor)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.MODEL]})


class PassportFiling(Filed[Passport]):
    """File a new version of a model's passport; it supersedes the current one."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PASSPORT]})


class DeploymentFiling(Filed[DeploymentRegistration]):
    """Register a deployment (its deployer, or a supervisor)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.DEPLOYMENT]})


# --- licensing --------------------------------------------------------------------------------


class LicenceApplicationFiling(BaseModel):
    """Apply for a licence for one model (its provider, a deployer of it, or a supervisor)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.LICENCE_APPLICATION]})
    content: LicenceApplication


class LicenceStep(LicenceTerms):
    """A supervisor's decision on a licence. ``grant``: conditions, a narrower scope, and
    ``valid_from`` and ``valid_until`` (by default from today for the term applied for);
    ``vary``: the reason and any of conditions, scope and ``valid_until``; ``refuse``,
    ``suspend``, ``reinstate``, ``revoke`` and ``expire``: the reason."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.LICENCE_GRANT]})


# --- the decision point -----------------------------------------------------------------------


class DecisionRequest(BaseModel):
    """May ``deployer`` serve this request with ``model``, now?"""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.DECISION]})
    deployer: str = Field(min_length=1, description="The deployer's organisation id: the caller's own.")
    model: str = Field(min_length=1, description="The model's id.")
    jurisdiction: str = Field(min_length=2, max_length=16, description="Where the request is served.")
    sector: str | None = None
    users: int | None = Field(None, ge=0, description="The users the deployment serves.")
    capability_class: str | None = None
    subject_key: str | None = Field(None, description="Who the request is for, for a staged rollout.")


class DecisionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests: list[DecisionRequest] = Field(min_length=1, max_length=MAX_BATCH)
