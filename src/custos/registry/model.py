"""Registry filings: organisations, models, passports and deployments."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from custos.core.jurisdictions import jurisdiction_code as _code
from custos.filings import OWNER_FIELD, PUBLIC_FIELD, FilingKind
from custos.passports.model import Money, Passport

#: Release dates before this year are typing errors, not models (Epoch's oldest entries are from the 1950s).
EARLIEST_YEAR = 1900


class OrganisationKind(StrEnum):
    MODEL_PROVIDER = "model_provider"
    DEPLOYER = "deployer"
    COMPUTE_PROVIDER = "compute_provider"
    FINANCIAL_INSTITUTION = "financial_institution"
    SUPERVISORY_AUTHORITY = "supervisory_authority"
    AUDITOR = "auditor"
    CUSTODIAN = "custodian"


class Accessibility(StrEnum):
    """How a model is made available (Epoch AI's categories)."""

    OPEN_WEIGHTS_UNRESTRICTED = "open_weights_unrestricted"
    OPEN_WEIGHTS_RESTRICTED = "open_weights_restricted"
    OPEN_WEIGHTS_NON_COMMERCIAL = "open_weights_non_commercial"
    API = "api"
    HOSTED = "hosted"
    UNRELEASED = "unreleased"
    UNKNOWN = "unknown"


class Lineage(StrEnum):
    """How a model derives from its base model (Hugging Face's base_model_relation)."""

    FINETUNE = "finetune"
    ADAPTER = "adapter"
    QUANTIZED = "quantized"
    MERGE = "merge"
    DISTILLATION = "distillation"


class Sector(StrEnum):
    """Where a deployment is used: the EU AI Act Annex III areas, plus systemic sectors."""

    BIOMETRICS = "biometrics"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    ESSENTIAL_SERVICES = "essential_services"
    LAW_ENFORCEMENT = "law_enforcement"
    MIGRATION = "migration"
    JUSTICE_AND_DEMOCRACY = "justice_and_democracy"
    FINANCE = "finance"
    HEALTH = "health"
    ENERGY = "energy"
    TELECOMS = "telecoms"
    OTHER = "other"


#: The Annex III area of each sector, for rules that cite it.
ANNEX_III = {
    Sector.BIOMETRICS: "1",
    Sector.CRITICAL_INFRASTRUCTURE: "2",
    Sector.EDUCATION: "3",
    Sector.EMPLOYMENT: "4",
    Sector.ESSENTIAL_SERVICES: "5",
    Sector.LAW_ENFORCEMENT: "6",
    Sector.MIGRATION: "7",
    Sector.JUSTICE_AND_DEMOCRACY: "8",
}


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_code(v) for v in values))


def _country(value: str) -> str:
    """An ISO 3166-1 alpha-2 country: not the EU, not a subdivision."""
    code = _code(value)
    if len(code) != 2 or code == "EU":
        raise ValueError("country must be an ISO 3166-1 alpha-2 code")
    return code


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationRegistered(_Payload):
    name: str = Field(min_length=1, max_length=255, json_schema_extra=PUBLIC_FIELD)
    jurisdiction: str | None = Field(
        None, json_schema_extra=PUBLIC_FIELD, description="Where it is established"
    )
    kinds: tuple[OrganisationKind, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    country: str | None = Field(None, json_schema_extra=PUBLIC_FIELD, description="ISO 3166-1 alpha-2")
    jurisdictions: tuple[str, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    annual_revenue: Money | None = Field(None, json_schema_extra=OWNER_FIELD)

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str | None) -> str | None:
        return None if value is None else _code(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return None if value is None else _country(value)

    @field_validator("jurisdictions")
    @classmethod
    def _jurisdictions(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _codes(values)


class ModelRegistered(_Payload):
    name: str = Field(min_length=1, max_length=255, json_schema_extra=PUBLIC_FIELD)
    version: str | None = Field(None, max_length=64, json_schema_extra=PUBLIC_FIELD)
    provider_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    developer_ids: tuple[str, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    base_model_id: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    base_model_name: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    lineage: Lineage | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    accessibility: Accessibility = Field(Accessibility.UNKNOWN, json_schema_extra=PUBLIC_FIELD)
    public_interest: bool = Field(False, json_schema_extra=PUBLIC_FIELD)
    release_date: date | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    domain: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    task: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    countries: tuple[str, ...] = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="Developers' countries"
    )

    @field_validator("release_date")
    @classmethod
    def _plausible(cls, value: date | None) -> date | None:
        if value is not None and value.year < EARLIEST_YEAR:
            raise ValueError(f"a model released before {EARLIEST_YEAR} is not plausible")
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_country(v) for v in values))


class DeploymentRegistered(_Payload):
    name: str = Field(min_length=1, max_length=255, json_schema_extra=PUBLIC_FIELD)
    deployer_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    jurisdictions: tuple[str, ...] = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    sector: Sector = Field(json_schema_extra=PUBLIC_FIELD)
    decision_critical: bool = Field(False, json_schema_extra=PUBLIC_FIELD)
    economic_exposure: Money | None = Field(None, json_schema_extra=OWNER_FIELD)
    user_population: int | None = Field(None, ge=0, json_schema_extra=OWNER_FIELD)
    start_date: date | None = Field(None, json_schema_extra=PUBLIC_FIELD)
    fallback_model_ids: tuple[str, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    hosting_provider_id: str | None = Field(None, json_schema_extra=PUBLIC_FIELD)

    @field_validator("jurisdictions")
    @classmethod
    def _jurisdictions(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _codes(values)


class ModelRegistration(ModelRegistered):
    """A model to register; its provider is the caller's organisation unless named.

    What the API, the command line and the client hand the registry service, which fills the
    provider before it files a :class:`ModelRegistered`."""

    provider_id: str | None = Field(  # type: ignore[assignment]
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The provider; the caller's organisation when absent.",
    )


class DeploymentRegistration(DeploymentRegistered):
    """A deployment to register; its deployer is the caller's organisation unless named.

    The registry service fills the deployer before it files a :class:`DeploymentRegistered`."""

    deployer_id: str | None = Field(  # type: ignore[assignment]
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The deployer; the caller's organisation when absent.",
    )


ORGANISATION_REGISTERED = FilingKind(
    "organisation.registered", OrganisationRegistered, "An organisation enters the registry."
)
MODEL_REGISTERED = FilingKind("model.registered", ModelRegistered, "A model enters the registry.")
PASSPORT_FILED = FilingKind(
    "passport.filed", Passport, "A new version of a model's passport; it supersedes the previous one."
)
DEPLOYMENT_REGISTERED = FilingKind(
    "deployment.registered", DeploymentRegistered, "A deployer puts a model to use."
)
