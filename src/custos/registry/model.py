"""Registry filings: organisations, models, passports, deployments, and the notifications a
provider makes to an authority about a model."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
class AnnexIIIUse(StrEnum):
    """The uses Annex III of the EU AI Act lists as high-risk (Art. 6(2)), by point.

    Annex III lists uses, not sectors: a bank's credit scoring of natural persons is point 5(b),
    its fraud detection is expressly not, and its chatbot is no point at all. A deployment
    declares the points its intended use falls under."""

    BIOMETRIC_IDENTIFICATION = "1(a)"
    BIOMETRIC_CATEGORISATION = "1(b)"
    EMOTION_RECOGNITION = "1(c)"
    CRITICAL_INFRASTRUCTURE = "2"
    EDUCATION_ADMISSION = "3(a)"
    EDUCATION_EVALUATION = "3(b)"
    EDUCATION_LEVEL = "3(c)"
    EDUCATION_PROCTORING = "3(d)"
    EMPLOYMENT_RECRUITMENT = "4(a)"
    EMPLOYMENT_DECISIONS = "4(b)"
    PUBLIC_ASSISTANCE = "5(a)"
    CREDITWORTHINESS = "5(b)"
    LIFE_HEALTH_INSURANCE = "5(c)"
    EMERGENCY_TRIAGE = "5(d)"
    LAW_ENFORCEMENT_VICTIM_RISK = "6(a)"
    LAW_ENFORCEMENT_POLYGRAPH = "6(b)"
    LAW_ENFORCEMENT_EVIDENCE = "6(c)"
    LAW_ENFORCEMENT_OFFENDING_RISK = "6(d)"
    LAW_ENFORCEMENT_PROFILING = "6(e)"
    MIGRATION_POLYGRAPH = "7(a)"
    MIGRATION_RISK = "7(b)"
    MIGRATION_APPLICATIONS = "7(c)"
    MIGRATION_IDENTIFICATION = "7(d)"
    JUSTICE = "8(a)"
    ELECTIONS = "8(b)"


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
    public_interest_grounds: str | None = Field(
        None,
        min_length=1,
        max_length=2000,
        json_schema_extra=PUBLIC_FIELD,
        description="Why the model serves the public interest (public funding, an open-access mandate, "
        "a public steward): required with the flag, so a counterweight is named with its reason.",
    )
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
    fallback_hosting_provider_ids: tuple[str, ...] = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="Hosts the deployment can fail over to, each a tested alternative to its host.",
    )
    annex_iii_uses: tuple[AnnexIIIUse, ...] | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The points of Annex III of the EU AI Act (e.g. 5(b), creditworthiness of natural "
        "persons) the intended use falls under; empty when it falls under none; absent when not declared, "
        "so rules over it stay undetermined.",
    )

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

    @model_validator(mode="after")
    def _grounds(self) -> ModelRegistration:
        if self.public_interest and not self.public_interest_grounds:
            raise ValueError("a public-interest model states its grounds (public_interest_grounds)")
        if self.public_interest_grounds and not self.public_interest:
            raise ValueError("public_interest_grounds are given only with public_interest: true")
        return self


class DeploymentRegistration(DeploymentRegistered):
    """A deployment to register; its deployer is the caller's organisation unless named.

    The registry service fills the deployer before it files a :class:`DeploymentRegistered`."""

    deployer_id: str | None = Field(  # type: ignore[assignment]
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The deployer; the caller's organisation when absent.",
    )


class NotificationFiled(_Payload):
    """A provider's notification to an authority that a model meets, or will meet, a threshold.

    EU AI Act Art. 52(1): within two weeks after the systemic-risk threshold of Art. 51(2) "is met
    or it becomes known that it will be met", with "the information necessary to demonstrate" it;
    the Commission's guidelines (C(2025) 5045, section 2.3.2) ask for the compute "reported in FLOP
    and with two significant figures" and the approach used to estimate it."""

    regards: str = Field(
        min_length=1,
        max_length=200,
        json_schema_extra=PUBLIC_FIELD,
        description="The provision the notification answers, e.g. 'EU AI Act Art. 52(1)'.",
    )
    authority: str = Field(
        min_length=1,
        max_length=200,
        json_schema_extra=PUBLIC_FIELD,
        description="Who was notified, e.g. 'European Commission (AI Office)'.",
    )
    training_flop: float = Field(
        gt=0,
        json_schema_extra=OWNER_FIELD,
        description="The training compute that meets the threshold, FLOP, to two significant figures.",
    )
    planned: bool = Field(
        False,
        json_schema_extra=PUBLIC_FIELD,
        description="True when the figure is the compute planned for training, notified before it is spent.",
    )
    estimation_method: str = Field(
        min_length=1,
        max_length=4000,
        json_schema_extra=OWNER_FIELD,
        description="How the figure was estimated, with the approximations made.",
    )
    arguments: str | None = Field(
        None,
        max_length=20000,
        json_schema_extra=OWNER_FIELD,
        description="Art. 52(2): why the model, exceptionally, presents no systemic risk. "
        "Presenting them does not suspend the obligations.",
    )

    @field_validator("training_flop")
    @classmethod
    def _two_significant_figures(cls, value: float) -> float:
        if float(f"{value:.1e}") != value:
            raise ValueError(f"give the compute to two significant figures, e.g. {value:.1e}")
        return value


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
NOTIFICATION_FILED = FilingKind(
    "notification.filed",
    NotificationFiled,
    "A provider notifies an authority that a model meets, or will meet, a threshold (EU AI Act Art. 52(1)).",
)
